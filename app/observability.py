"""What a maintainer needs on a bad day: request ids, JSON logs, Prometheus metrics, and the
security headers every answer carries.

`Observe` is plain ASGI middleware outside everything else, the response cache included, so it
sees every request, cache hits too. For each one it

- takes a sane incoming `X-Request-ID` (1-64 of `[A-Za-z0-9._-]`) or makes one, puts it in a
  context variable that a logging filter adds to every log line written while the request runs,
  and returns it as `X-Request-ID`;
- adds `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` and a
  `Content-Security-Policy` to answers that lack them: `default-src 'none'` for data; for an
  HTML page without a policy of its own (the docs viewers), one derived from the page itself:
  'self', the hashes of its inline scripts and the origins it names, plus `X-Frame-Options`;
  it drops any `Server` header (uvicorn's is off in `pow-exchanges serve`);
- writes one JSON access line (`app.access`): method, path, query (never on admin paths),
  status, duration_ms, route, client, request_id; never a header;
- counts the request in Prometheus: by method, route template and status class, with a latency
  histogram by route, and response-cache hits and misses.

Cache hits never reach routing. `Routed`, just inside the cache, tells `Observe` which route
template answered each request that did; a hit is labelled with the template that path had
when it was filled (or, past a bound, with its first two path segments: only real routes fill
the cache, so the label set stays bounded).

Metrics live in the process-wide registry. Under `uvicorn --workers N` each worker has its own,
and a scrape reaches one worker at random; set PROMETHEUS_MULTIPROC_DIR to an empty directory
writable by the workers (wiped at each start) and /metrics aggregates them all.

Cost, measured on a cache hit served under wrk (about 50 us a request in all): the figures
and the access line about 6 us, of which the line about 4. Hence the per-request figures are
kept in plain dicts (`RequestTally`), and in production, where our handler is the only one, a
request keeps only a tuple of its raw figures; the lines are formatted and written together
a moment later (`JsonStderrHandler.keep`), instead of through a LogRecord and the handler
chain between two answers.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import contextvars
import gzip
import hashlib
import inspect
import itertools
import logging
import os
import re
import secrets
import sys
import time
from bisect import bisect_left
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple, TextIO, cast

from fastapi import APIRouter, FastAPI, Request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from pythonjsonlogger.orjson import OrjsonFormatter
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.cache import UNCACHED_PREFIXES

# ---- request ids ----------------------------------------------------------------------------

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_SANE_ID = re.compile(rb"[A-Za-z0-9._-]{1,64}").fullmatch
_ids: Any = None  # (prefix, counter): random per process, so ids stay unique across workers


def _reseed() -> None:
    global _ids
    _ids = (secrets.token_hex(6) + "-", itertools.count(1))


_reseed()
os.register_at_fork(after_in_child=_reseed)


# ---- logging --------------------------------------------------------------------------------

ACCESS = logging.getLogger("app.access")


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to every record that passes through the handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "request_id" not in record.__dict__:
            rid = REQUEST_ID.get()
            if rid is not None:
                record.request_id = rid
        return True


class Access(NamedTuple):
    """One request's figures, as `Observe.done` keeps them (a plain tuple of these fields on
    the hot path) and as an access record carries them (`record.access`)."""

    method: str
    path: str
    status: int
    seconds: float
    route: str
    client: tuple[str, int] | None
    query: bytes | None  # None on admin paths
    hit: bool
    error: str | None


class JsonFormatter(OrjsonFormatter):
    """python-json-logger's orjson formatter: `level`, `logger`, `message`, `time`, any extra
    fields and the request id. An access record carries its figures in `record.access` and
    goes straight to the serializer: no message to format, no exception to render, no
    generic merge of every record attribute (one per request)."""

    def __init__(self) -> None:
        super().__init__(
            ["levelname", "name", "message"],
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
        )

    def format(self, record: logging.LogRecord) -> str:
        access = record.__dict__.get("access")
        if access is None:
            return super().format(record)
        return self.access_line(
            record.levelname, access, record.__dict__.get("request_id"), record.created
        )

    def access_line(
        self, level: str, access: tuple[Any, ...], request_id: str | None, created: float
    ) -> str:
        """The JSON line of one request (`access`: the fields of `Access`, in its order)."""
        method, path, status, seconds, route, client, query, hit, error = access
        line = {
            "level": level,
            "logger": "app.access",
            "message": "request",
            "method": method[:16],
            "path": path[:1000],
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
            "route": route,
            "client": client[0] if client else None,
        }
        if query:
            line["query"] = query[:1000].decode("latin-1")
        if hit:
            line["cache"] = "hit"
        if error is not None:
            line["error"] = error
        line["request_id"] = request_id
        line["time"] = datetime.fromtimestamp(created, tz=UTC)
        return self.serialize_log_record(line)


# Access lines wait at most this long (or until this many are kept) to be formatted and written
# together: formatting and writing a line between two answers cost more than a cached answer
# (about 20 us of 65 in all, measured under wrk with the log on a file), and far less for a
# batch, with the processor's caches warm. What a request keeps is a tuple of its raw figures.
# Every other record writes them out first, so the log keeps its order; a clean shutdown (the
# app's lifespan, and atexit) writes what is left: no line is lost.
FLUSH_AFTER = 0.2
FLUSH_LINES = 256


class JsonStderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """One JSON object per line on whatever sys.stderr is when the line is written."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.addFilter(RequestIdFilter())
        self._pending: list[tuple[int, tuple[Any, ...], str | None, float]] = []

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass

    def keep(self, level: int, raw: tuple[Any, ...], request_id: str | None) -> None:
        """Keep one request's figures (the fields of `Access`), written as a line with the
        others within FLUSH_AFTER."""
        created = time.time()
        with self.lock:  # type: ignore[union-attr]  # set by Handler.__init__
            self._pending.append((level, raw, request_id, created))
            kept = len(self._pending)
        if kept >= FLUSH_LINES:
            self.flush()
        elif kept == 1:
            try:
                asyncio.get_running_loop().call_later(FLUSH_AFTER, self.flush)
            except RuntimeError:  # no event loop in this thread: nothing would come back
                self.flush()

    def flush(self) -> None:
        """Write the kept lines (errors are dropped, as logging does: the answer stands)."""
        with self.lock:  # type: ignore[union-attr]
            kept, self._pending = self._pending, []
            try:
                stream = sys.stderr
                if kept:
                    line = cast(JsonFormatter, self.formatter).access_line
                    stream.write(
                        "".join(
                            line(_level_name(level), raw, rid, created) + "\n"
                            for level, raw, rid, created in kept
                        )
                    )
                stream.flush()  # also what logging's own emit() asks of it
            except (OSError, ValueError):  # stderr closed or gone: the lines are lost
                pass

    def emit(self, record: logging.LogRecord) -> None:
        if self._pending:
            self.flush()  # the access lines before it came first
        super().emit(record)


def _level_name(level: int) -> str:
    return "INFO" if level == logging.INFO else logging.getLevelName(level)


def flush_access_log() -> None:
    """Write every access line still kept (at shutdown)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, JsonStderrHandler):
            handler.flush()


atexit.register(flush_access_log)


_APP_LOGGER = logging.getLogger("app")


def sole_handler(level: int) -> JsonStderrHandler | None:
    """Our handler, when it is the only thing an app.access record at `level` would reach, as
    in production (a test's log capture or any added handler or filter makes this None): the
    access line can then be written without a LogRecord and the handler chain. The line is
    the same either way."""
    handlers = logging.root.handlers
    if len(handlers) != 1 or ACCESS.handlers or ACCESS.filters or _APP_LOGGER.handlers:
        return None
    handler = handlers[0]
    if type(handler) is not JsonStderrHandler or len(handler.filters) != 1:
        return None
    if ACCESS.disabled or not ACCESS.propagate or not _APP_LOGGER.propagate:
        return None
    return handler if level >= handler.level and not _APP_LOGGER.filters else None


def configure_logging(level: str | int = "info", *, access: bool = True) -> None:
    """JSON lines on stderr for every logger (uvicorn's included), at `level`. Idempotent.

    With `access` off, only failed requests (5xx) get an access line: a line per request
    costs more than a cached answer itself, so busy deployments may turn it off."""
    numeric = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}")
    root = logging.getLogger()
    if not any(isinstance(h, JsonStderrHandler) for h in root.handlers):
        root.addHandler(JsonStderrHandler())
    root.setLevel(numeric)
    ACCESS.setLevel(logging.NOTSET if access else logging.WARNING)
    for name in ("uvicorn", "uvicorn.error"):
        server = logging.getLogger(name)
        server.handlers.clear()  # its plain-text handlers: send its lines to ours instead
        server.propagate = True
    # app.access already writes one line per request (with route and timing); uvicorn's own
    # access line would log every request twice. With no handler and no propagation, uvicorn
    # sees none (Logger.hasHandlers) and skips even formatting its arguments (about 4 us of
    # every request, seen under load).
    theirs = logging.getLogger("uvicorn.access")
    theirs.handlers.clear()
    theirs.propagate = False
    theirs.disabled = True


# ---- metrics --------------------------------------------------------------------------------

disable_created_metrics()  # type: ignore[no-untyped-call]  # no `_created` twin per series

REQUESTS_HELP = "Requests answered, by method, route template and status class."
LATENCY_HELP = "Time from a request's arrival to the end of its answer, by route template."
CACHE_HELP = "Cacheable reads answered from memory (hit) or by the app (miss)."
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_LE = [*(repr(b) for b in BUCKETS), "+Inf"]  # as prometheus_client writes `le`
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
STATUS_CLASS = ("1xx", "2xx", "3xx", "4xx", "5xx")
MAX_TEMPLATES = 50_000  # paths remembered with their route template, for labelling cache hits


def _status_class(status: int) -> str:
    return STATUS_CLASS[min(max(status // 100, 1), 5) - 1]


class RequestTally(Collector):
    """The per-request figures, kept in plain dicts by the event loop's thread and turned into
    metric families when scraped: a few dict updates per request instead of four locked
    updates of prometheus_client values (the cache-hit path is counted in microseconds)."""

    def __init__(self) -> None:
        self.requests: dict[tuple[str, str, str], int] = {}
        self.latency: dict[str, list[float]] = {}  # route -> count per bucket (+Inf last), sum
        self.cache = {"hit": 0, "miss": 0}

    def count(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, _status_class(status))
        self.requests[key] = self.requests.get(key, 0) + 1
        row = self.latency.get(route)
        if row is None:
            row = self.latency[route] = [0.0] * (len(BUCKETS) + 2)
        row[bisect_left(BUCKETS, seconds)] += 1
        row[-1] += seconds

    def hit(self, result: str) -> None:
        self.cache[result] += 1

    def collect(self) -> list[Metric]:
        # list(...) copies each dict in one step: the loop's thread may add to it meanwhile.
        requests = CounterMetricFamily("http_requests", REQUESTS_HELP,
                                       labels=["method", "route", "status"])  # fmt: skip
        for key, n in list(self.requests.items()):
            requests.add_metric(key, n)
        latency = HistogramMetricFamily("http_request_duration_seconds", LATENCY_HELP,
                                        labels=["route"])  # fmt: skip
        for route, row in list(self.latency.items()):
            cumulative = list(itertools.accumulate(row[:-1]))
            latency.add_metric([route], list(zip(_LE, cumulative, strict=True)), row[-1])
        cache = CounterMetricFamily("response_cache_requests", CACHE_HELP, labels=["result"])
        for result, n in list(self.cache.items()):
            cache.add_metric([result], n)
        return [requests, latency, cache]


class SharedTally:
    """The same figures in prometheus_client's own metrics, whose values live in files that
    every worker writes (PROMETHEUS_MULTIPROC_DIR), so one scrape covers all workers."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        labels = ["method", "route", "status"]
        self.requests = Counter("http_requests", REQUESTS_HELP, labels, registry=registry)
        self.latency = Histogram("http_request_duration_seconds", LATENCY_HELP, ["route"],
                                 buckets=BUCKETS, registry=registry)  # fmt: skip
        self.cache = Counter("response_cache_requests", CACHE_HELP, ["result"], registry=registry)
        self.cache.labels("hit")
        self.cache.labels("miss")

    def count(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, _status_class(status)).inc()
        self.latency.labels(route).observe(seconds)

    def hit(self, result: str) -> None:
        self.cache.labels(result).inc()


MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))  # prometheus_client's setting
TALLY: RequestTally | SharedTally = SharedTally() if MULTIPROCESS else RequestTally()
if isinstance(TALLY, RequestTally):
    REGISTRY.register(TALLY)
DB_ERRORS = Counter(
    "database_errors",
    "Requests the database failed (answered 503), by exception class.",
    ["error"],
)
UNHANDLED = Counter("unhandled_errors", "Requests that raised an unexpected error (answered 500).")


def _prefix_label(path: str) -> str:
    parts = path.split("/", 3)
    return "/".join(parts[:3]) + "/*" if len(parts) > 3 else path


def registry() -> CollectorRegistry:
    """The registry to expose: every worker's when PROMETHEUS_MULTIPROC_DIR is set."""
    if MULTIPROCESS:
        aggregated = CollectorRegistry()
        multiprocess.MultiProcessCollector(aggregated)  # type: ignore[no-untyped-call]
        return aggregated
    return REGISTRY


router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    operation_id="metrics",
    response_class=PlainTextResponse,
    responses={
        200: {
            "description": "Prometheus text exposition format: request counts by method, "
            "route and status class, latency histograms by route, response-cache hits and "
            "misses, database and unexpected errors, process figures. Never cached.",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
def metrics() -> Response:
    """The Prometheus metrics of this process (of every worker with PROMETHEUS_MULTIPROC_DIR)."""
    return Response(
        generate_latest(registry()),
        media_type=CONTENT_TYPE_LATEST,
        headers={"Cache-Control": "no-store"},
    )


Handler = Callable[[Request, Exception], Any]


def _counted(handler: Handler, count: Callable[[Exception], None]) -> Handler:
    async def counted(request: Request, exc: Exception) -> Any:
        count(exc)
        answer = handler(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    return counted


def install(app: FastAPI) -> None:
    """Serve /metrics and count what the error handlers (app.problems) answer 503 and 500."""
    app.include_router(router)
    handlers = app.exception_handlers
    for exc_class in (OperationalError, InterfaceError, PoolTimeout):
        DB_ERRORS.labels(exc_class.__name__)  # a zero to compare with, before the first error
        if exc_class in handlers:
            handlers[exc_class] = _counted(
                handlers[exc_class], lambda exc: DB_ERRORS.labels(type(exc).__name__).inc()
            )
    if Exception in handlers:
        handlers[Exception] = _counted(handlers[Exception], lambda _exc: UNHANDLED.inc())


# ---- security headers -----------------------------------------------------------------------

NOSNIFF = (b"x-content-type-options", b"nosniff")
REFERRER = (b"referrer-policy", b"no-referrer")
NO_FRAMES = (b"x-frame-options", b"DENY")
DATA_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
_CT, _CSP, _NOSNIFF, _REFERRER, _FRAMES, _SERVER = (1 << i for i in range(6))
_WATCH = {
    b"content-type": _CT,
    b"content-security-policy": _CSP,
    b"x-content-type-options": _NOSNIFF,
    b"referrer-policy": _REFERRER,
    b"x-frame-options": _FRAMES,
    b"server": _SERVER,
}
_INLINE_SCRIPT = re.compile(rb"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.I | re.S)
_ORIGIN = re.compile(
    rb"""<(?:script|link|img)\b[^>]*?\b(?:src|href)\s*=\s*["']?"""
    rb"""((?:https?:)?//[A-Za-z0-9.-]+(?::[0-9]{1,5})?)[/"'\s>]""",
    re.I,
)


def page_csp(html: bytes) -> bytes:
    """A strict policy for an HTML page that brings none: 'self', the hash of each inline
    script, the origins its tags load from (none once the docs are served offline), inline
    styles (both viewers inject them), and no framing."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    )
    origins = sorted({o.decode("ascii").lower() for o in _ORIGIN.findall(html)})
    elsewhere = " ".join(origins)
    fonts = elsewhere + (
        " https://fonts.gstatic.com" if "//fonts.googleapis.com" in elsewhere else ""
    )
    policy = (
        f"default-src 'self'; script-src 'self' {hashes} {elsewhere}; "
        f"style-src 'self' 'unsafe-inline' {elsewhere}; img-src 'self' data: {elsewhere}; "
        f"font-src 'self' data: {fonts}; connect-src 'self'; worker-src 'self' blob:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
    return re.sub(r" +", " ", policy).replace(" ;", ";").encode()


def _additions(headers: Any) -> tuple[list[tuple[bytes, bytes]], bool, bool]:
    """What Observe adds to an answer with these headers, but the request id; whether it drops
    a Server header; whether it is HTML that needs a policy of its own (from its body)."""
    seen = 0
    html = False
    framable = False  # its own policy lets other sites frame it (an embeddable chart)
    for name, value in headers:
        bit = _WATCH.get(name)
        if bit:
            seen |= bit
            if bit == _CT:
                html = value.startswith(b"text/html")
            elif bit == _CSP:
                framable = b"frame-ancestors 'none'" not in value
    added = []
    if not seen & _NOSNIFF:
        added.append(NOSNIFF)
    if not seen & _REFERRER:
        added.append(REFERRER)
    if html:
        if not seen & _FRAMES and not framable:
            added.append(NO_FRAMES)
        return added, bool(seen & _SERVER), not seen & _CSP
    if not seen & _CSP:
        added.append(DATA_CSP)
    return added, bool(seen & _SERVER), False


def _secured(
    headers: Any, request_id: tuple[bytes, bytes]
) -> tuple[list[tuple[bytes, bytes]], bool]:
    """The answer's headers with ours added; True when it is HTML that needs a policy."""
    added, server, needs_policy = _additions(headers)
    kept = [h for h in headers if h[0] != b"server"] if server else list(headers)
    return [*kept, request_id, *added], needs_policy


# ---- the middleware -------------------------------------------------------------------------

SLOT = "pow_exchanges.route"  # scope key: [None] until Routed sees the request, then the template


class Routed:
    """Just inside the response cache: records which route template answered the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        slot = scope.get(SLOT)
        if slot is None:
            await self.app(scope, receive, send)
            return
        slot[0] = ""  # reached the framework; no route (yet)
        root = scope.get("root_path", "")
        try:
            await self.app(scope, receive, send)
        finally:
            route = scope.get("route")
            if route is not None:
                slot[0] = getattr(route, "path", "") or ""
            elif scope.get("root_path", "") != root:  # a mount (no "route" in its scope)
                slot[0] = scope["root_path"][len(root) :] + "/*"


class Observe:
    """Outermost middleware: request id, security headers, access log, metrics."""

    def __init__(self, app: ASGIApp, *, cached: bool) -> None:
        self.app = app
        self.cached = cached
        self.templates: dict[str, str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), None)
        rid = request_id(given)
        token = REQUEST_ID.set(rid)
        rid_header = (b"x-request-id", rid.encode("ascii"))
        slot: list[str | None] = [None]
        scope[SLOT] = slot
        status = 0
        held: Message | None = None  # the start of an HTML page whose policy needs its body
        chunks: list[bytes] | None = None

        async def respond(message: Message) -> None:
            nonlocal status, held, chunks
            if message["type"] == "http.response.start":
                status = message["status"]
                headers, needs_policy = _secured(message.get("headers", ()), rid_header)
                message["headers"] = headers  # a copy: the sender's list is left as it was
                if needs_policy:
                    held, chunks = message, []
                    return
            elif held is not None and chunks is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = b"".join(chunks)
                await send(_with_policy(held, body))
                held = None
                message = {"type": "http.response.body", "body": body}
            await send(message)

        error: BaseException | None = None
        try:
            await self.app(scope, receive, respond)
        except BaseException as exc:
            error = exc
            raise
        finally:
            self.done(scope, slot[0], status or 500, time.perf_counter() - began, error, rid)
            REQUEST_ID.reset(token)

    def done(
        self, scope: Scope, routed: str | None, status: int, seconds: float,
        error: BaseException | None, request_id: str | None,
    ) -> None:  # fmt: skip
        """Count the request and write its access line (routed None: the cache answered)."""
        path: str = scope["path"]
        method: str = scope["method"]
        if routed is None:  # never reached the framework: the response cache answered
            route = self.templates.get(path) or _prefix_label(path)
            TALLY.hit("hit")
        else:
            route = routed or ("preflight" if method == "OPTIONS" else "unmatched")
            if method in ("GET", "HEAD") and not path.startswith(UNCACHED_PREFIXES):
                if routed and len(self.templates) < MAX_TEMPLATES:
                    self.templates[path] = routed
                if self.cached:
                    TALLY.hit("miss")
        TALLY.count(method if method in METHODS else "other", route, status, seconds)
        level = logging.WARNING if status >= 500 else logging.INFO
        if not ACCESS.isEnabledFor(level):
            return
        # Admin queries carry free text (a reason, a token by mistake): never kept or written.
        query = None if path.startswith("/v1/admin") else scope.get("query_string")
        raw = (
            method, path, status, seconds, route, scope.get("client"), query, routed is None,
            None if error is None else type(error).__name__,
        )  # fmt: skip
        handler = sole_handler(level)
        if handler is not None and isinstance(handler.formatter, JsonFormatter):
            handler.keep(level, raw, request_id)
        else:  # through the logging chain, like any other record
            record = logging.LogRecord("app.access", level, __file__, 0, "request", None, None)
            record.access, record.request_id = Access._make(raw), request_id
            ACCESS.handle(record)


def request_id(given: bytes | None) -> str:
    """The request's id: the client's X-Request-ID when it is sane, else a new one, unique
    in the process: a random prefix and a counter (no syscall per request)."""
    if given is not None and _SANE_ID(given):
        return given.decode("ascii")
    prefix, counter = _ids
    return f"{prefix}{next(counter):x}"


def security_headers(headers: Any, body: bytes) -> list[tuple[bytes, bytes]]:
    """What Observe adds to an answer with these headers and this (identity) body, but the
    request id: the same for every answer of one cache entry, so it is worked out once."""
    added, _, needs_policy = _additions(headers)
    if needs_policy:
        added.append((b"content-security-policy", page_csp(body)))
    return added


def _with_policy(start: Message, body: bytes) -> Message:
    headers = start["headers"]
    if any(k == b"content-encoding" and v.strip() == b"gzip" for k, v in headers):
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError):
            body = b""
    return {**start, "headers": [*headers, (b"content-security-policy", page_csp(body))]}


__all__ = [
    "REQUEST_ID",
    "Observe",
    "Routed",
    "configure_logging",
    "install",
    "page_csp",
    "registry",
    "router",
]
