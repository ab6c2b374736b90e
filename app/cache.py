"""A response cache in front of the framework, keyed by the dataset version.

Every read is a pure function of (dataset version, canonical request), so a hit can be
answered, and If-None-Match turned into 304, without routing, validation or the database;
bodies are kept with their gzip form. A write bumps the version; the next request sees the
new version and drops every entry at once, with no per-key bookkeeping.

The current version is read per request on SQLite (one indexed row, microseconds) and at most
every VERSION_TTL seconds on PostgreSQL, which bounds how stale a cached answer can be when
several processes share one database.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import anyio
import brotli
from sqlalchemy.engine import make_url
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import normalise_url
from app.http import COMPRESS_MIN, INCOMPRESSIBLE
from app.web.i18n import negotiate

UNCACHED_PREFIXES = ("/v1/admin", "/healthz", "/readyz", "/metrics")
# Scope key: (version, request headers, cache key) of a lookup that missed, for the miss.
LOOKED_UP = "pow_exchanges.looked_up"
# stream=true (or any spelling pydantic reads as true) asks for every matching row in one
# streamed answer: never kept, so it goes straight to the app, which compresses it as it
# streams and answers If-None-Match itself.
TRUE = frozenset((b"1", b"on", b"t", b"true", b"y", b"yes"))


def _streams(query: bytes) -> bool:
    if b"stream=" not in query:
        return False
    return any(
        name == b"stream" and value.lower() in TRUE
        for name, _, value in (pair.partition(b"=") for pair in query.split(b"&"))
    )


MIN_GZIP = COMPRESS_MIN  # the framework's CompressMiddleware starts at the same size
# How often a process re-reads the dataset version from SQLite (its own writes expire it at
# once): the staleness bound for other processes on the same file. A read per request cost a
# fifth of a cached answer.
SQLITE_TTL = 0.1
BROTLI_QUALITY = 6
OFF_LOOP = 256 * 1024  # bodies larger than this are compressed in a worker thread


class Highest:
    """The highest dataset version this process has answered or written. No unpinned answer
    of the process goes below it, from the cache or from the database: with reads on a replica
    that lags the primary, meta.dataset_version never goes backwards for a client of one
    process, and a curator's read after their write shows the write (deps.ReadContext waits
    for the replica to replay it)."""

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def raise_to(self, version: int) -> None:
        if version > self.value:
            with self._lock:
                self.value = max(self.value, version)

    def reset(self, version: int) -> None:
        """The database itself went back (a restore of an earlier backup): start from there."""
        with self._lock:
            self.value = version


class VersionSource:
    """The current dataset version, from a connection of its own; None when unreadable. Never
    below `highest`: a version this process has answered or written is current for it, even
    while a replica catches up."""

    def __init__(self, url: str, ttl: float | None = None, highest: Highest | None = None) -> None:
        self.url = make_url(normalise_url(url))
        self.sqlite = self.url.get_backend_name() == "sqlite"
        self.ttl = (SQLITE_TTL if self.sqlite else 1.0) if ttl is None else ttl
        self.highest = highest or Highest()
        self._conn: Any = None
        self._value: int | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def _connect(self) -> Any:
        if self.sqlite:
            path = self.url.database or ""
            conn = sqlite3.connect(
                f"file:{path}?mode=ro",
                uri=True,
                check_same_thread=False,
                isolation_level=None,
                timeout=1,
            )
            return conn
        import psycopg

        dsn = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        return psycopg.connect(dsn, autocommit=True, connect_timeout=2)

    def current(self) -> int | None:
        now = time.monotonic()
        if not self.ttl or now - self._checked >= self.ttl:
            with self._lock:
                try:
                    if self._conn is None:
                        self._conn = self._connect()
                    sql = "SELECT version FROM dataset_meta WHERE id = 1"
                    row = self._conn.execute(sql).fetchone()
                    self._value = int(row[0]) if row else 0
                except Exception:
                    self.close()
                    self._value = None
                self._checked = now
        value = self._value
        return value if value is None else max(value, self.highest.value)

    @property
    def last(self) -> int | None:
        """The version last read, without reading it again (None before the first read)."""
        return self._value

    def expire(self) -> None:
        """Read the version afresh on the next request (this process has just written)."""
        self._checked = 0.0

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                self._conn.close()
        self._conn = None


# Compressed once per entry and coding, on the first request that asks for it (so a fill pays
# for none, and only the codings clients use are ever made); quality can be higher than a
# per-request compressor affords.
ENCODERS: dict[bytes, Callable[[bytes], bytes]] = {
    b"br": lambda body: brotli.compress(body, quality=BROTLI_QUALITY),
    b"gzip": lambda body: gzip.compress(body, compresslevel=6, mtime=0),
}


@dataclass
class Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes
    last_modified: bytes | None  # the header as sent; read as a time only when a client asks
    compressible: bool = False
    encoded: dict[bytes, bytes] = field(default_factory=dict)
    stored: bool = False  # counted in the cache's size (False once dropped)
    # The security headers every answer of it carries (app.front works them out once).
    secured: list[tuple[bytes, bytes]] | None = None

    @functools.cached_property
    def modified_at(self) -> float | None:
        """Last-Modified as a timestamp, for If-Modified-Since (None: none, or unreadable)."""
        if self.last_modified is None:
            return None
        try:
            return parsedate_to_datetime(self.last_modified.decode()).timestamp()
        except (TypeError, ValueError):
            return None

    @functools.cached_property
    def not_modified_headers(self) -> list[tuple[bytes, bytes]]:
        """A 304's headers: the answer's, but no Content-Type (there is no body)."""
        return [h for h in self.headers if h[0] != b"content-type"]

    @property
    def cost(self) -> int:
        """Bytes held: the bodies, plus the key, headers and objects around them (about 1 KiB
        an entry by tracemalloc; counted twice, to be safe)."""
        return len(self.body) + sum(len(b) for b in self.encoded.values()) + 2048


@functools.lru_cache(maxsize=256)
def accepted_codings(header: bytes | None) -> frozenset[bytes]:
    """The content codings an Accept-Encoding header allows (q > 0); `*` stands for ours
    unless one is refused by name. Clients send a handful of values: each is parsed once."""
    out: set[bytes] = set()
    refused: set[bytes] = set()
    for item in (header or b"").lower().split(b","):
        name, _, params = item.partition(b";")
        q = params.strip().removeprefix(b"q=") if params.strip().startswith(b"q=") else b"1"
        try:
            (out if float(q) > 0 else refused).add(name.strip())
        except ValueError:
            continue
    if b"*" in out:
        out |= set(ENCODERS) - refused
    return frozenset(out)


# The request headers the cache reads: collected in one pass over the request's headers.
WANTED = frozenset((b"accept", b"host", b"accept-encoding", b"if-none-match",
                    b"if-modified-since", b"accept-language", b"x-request-id"))  # fmt: skip
# Answers in the reader's language (lang=, else Accept-Language): keyed by the language the
# header negotiates too, one of three, so a Ukrainian page is never kept for an English reader.
LOCALIZED_PREFIXES = ("/v1/codebook", "/embed/", "/feeds/")


def _localized(path: str) -> bool:
    return path == "/" or path.startswith(LOCALIZED_PREFIXES)


def request_headers(scope: Scope) -> dict[bytes, bytes]:
    """The first of each header, as the framework reads it (a repeated Accept must key the
    answer the app gives, or a CSV could be kept under a JSON request's key)."""
    out: dict[bytes, bytes] = {}
    for k, v in scope["headers"]:
        if k in WANTED and k not in out:
            out[k] = bytes(v)
    return out


def _etag_matches(header: bytes, etag: bytes) -> bool:
    if header.strip() == b"*":
        return True
    wanted = etag.removeprefix(b"W/")
    return any(t.strip().removeprefix(b"W/") == wanted for t in header.split(b","))


def _not_modified_since(header: bytes, last_modified: float | None) -> bool:
    if last_modified is None:
        return False
    try:
        return parsedate_to_datetime(header.decode()).timestamp() >= last_modified
    except (TypeError, ValueError):
        return False


class ResponseCache:
    """Pure ASGI middleware: answers repeated reads from memory."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        versions: VersionSource,
        max_bytes: int,
        cors: list[tuple[bytes, bytes]],
    ) -> None:
        self.app = app
        self.cors = cors  # reads allow any origin: the same grant on every cached answer
        self.versions = versions
        self.max_bytes = max_bytes
        self.version: int | None = None
        self.entries: OrderedDict[tuple[bytes, ...], Entry] = OrderedDict()
        self.size = 0

    def _key(self, scope: Scope, headers: dict[bytes, bytes]) -> tuple[bytes, ...]:
        query = scope.get("query_string", b"")
        if b"&" in query:
            # By name only: a stable sort keeps the order of a repeated parameter, which matters.
            query = b"&".join(sorted(query.split(b"&"), key=lambda p: bytes(p).partition(b"=")[0]))
        accept = headers.get(b"accept", b"").replace(b" ", b"").lower()
        host = headers.get(b"host", b"")
        path = scope["path"]
        lang = b""
        if _localized(path):
            header = headers.get(b"accept-language", b"").decode("latin-1")
            lang = negotiate(None, header).value.encode()
        return (scope.get("scheme", "http").encode(), host, path.encode(), query, accept,
                lang)  # fmt: skip

    def _drop_all(self, version: int) -> None:
        for entry in self.entries.values():
            entry.stored = False
        self.entries.clear()
        self.size = 0
        self.version = version

    def _store(self, key: tuple[bytes, ...], entry: Entry) -> None:
        if entry.cost > self.max_bytes // 8:
            return
        old = self.entries.pop(key, None)
        if old is not None:
            old.stored = False
            self.size -= old.cost
        self.entries[key] = entry
        entry.stored = True
        self._grow(entry.cost)

    def _grow(self, by: int) -> None:
        self.size += by
        while self.size > self.max_bytes and self.entries:
            _, gone = self.entries.popitem(last=False)
            gone.stored = False
            self.size -= gone.cost

    async def _encoded(self, entry: Entry, coding: bytes) -> bytes:
        body = entry.encoded.get(coding)
        if body is None:
            encode = ENCODERS[coding]
            if len(entry.body) > OFF_LOOP:  # a big body: compress off the event loop
                body = await anyio.to_thread.run_sync(encode, entry.body)
                if coding in entry.encoded:  # another request finished it meanwhile
                    return entry.encoded[coding]
            else:
                body = encode(entry.body)
            entry.encoded[coding] = body
            if entry.stored:
                self._grow(len(body))
        return body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if (
            scope["method"] not in ("GET", "HEAD")
            or scope["path"].startswith(UNCACHED_PREFIXES)
            or _streams(scope.get("query_string", b""))
        ):
            await self.app(scope, receive, send)
            if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
                self.versions.expire()  # a write of ours: no need to wait for the TTL
            return
        version = self.versions.current()
        if version is None:
            await self.app(scope, receive, send)
            return
        if version != self.version:
            self._drop_all(version)
        kept = scope.get(LOOKED_UP)  # app.front's lookup of this request missed
        if kept is not None and kept[0] == version:
            _, headers, key = kept
        else:
            headers = request_headers(scope)
            key = self._key(scope, headers)
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
            await self.answer(headers, send, entry)
            return
        await self._fill(scope, receive, send, key, version, headers)

    def lookup(self, scope: Scope, request: dict[bytes, bytes]) -> Entry | None:
        """The entry that answers this GET as it stands, or None (a miss, a version moved
        on, or a request the cache never keeps): for app.front, which answers a hit before
        any middleware; everything else takes the whole stack, this cache included."""
        if (
            scope["path"].startswith(UNCACHED_PREFIXES)
            or _streams(scope.get("query_string", b""))
            or self.versions.current() != self.version
        ):
            return None
        key = self._key(scope, request)
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        else:  # the stack's own pass through this cache takes the key from here
            scope[LOOKED_UP] = (self.version, request, key)
        return entry

    async def answer(
        self, request: dict[bytes, bytes], send: Send, entry: Entry,
        extra: list[tuple[bytes, bytes]] | None = None,
    ) -> int:  # fmt: skip
        """Send the entry's answer to this request (304 when the client has it, compressed
        when it asks), with `extra` headers; the status sent."""
        inm = request.get(b"if-none-match")
        ims = request.get(b"if-modified-since")
        if (inm is not None and _etag_matches(inm, entry.etag)) or (
            inm is None and ims is not None and _not_modified_since(ims, entry.modified_at)
        ):
            headers = [*entry.not_modified_headers, *self.cors]
            if extra:
                headers += extra
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return 304
        body, headers = entry.body, [*entry.headers, *self.cors]
        if extra:
            headers += extra
        if entry.compressible:
            codings = accepted_codings(request.get(b"accept-encoding"))
            coding = b"br" if b"br" in codings else None
            if coding is None and b"gzip" in codings:
                coding = b"gzip"
            if coding is not None:
                body = await self._encoded(entry, coding)
                headers.append((b"content-encoding", coding))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return int(entry.status)

    async def _fill(
        self, scope: Scope, receive: Receive, send: Send, key: tuple[bytes, ...], version: int,
        request: dict[bytes, bytes],
    ) -> None:  # fmt: skip
        # Ask the app for the identity body, keep it, and answer this request from the entry
        # like any later hit (so compression and 304 behave the same on a miss and a hit).
        inner = {**scope, "headers": [(k, v) for k, v in scope["headers"]
                                      if k not in (b"accept-encoding", b"if-none-match",
                                                   b"if-modified-since")]}  # fmt: skip
        start: Message | None = None
        chunks: list[bytes] = []
        streaming = False

        async def capture(message: Message) -> None:
            nonlocal start, streaming
            if message["type"] == "http.response.start":
                start = message
                return
            if streaming:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False) and len(chunks) == 1 and start is not None:
                # A streamed answer (large export): pass it through, never cache it.
                streaming = True
                await send(start)
                await send(
                    {"type": "http.response.body", "body": b"".join(chunks), "more_body": True}
                )

        try:
            await self.app(inner, receive, capture)
        except Exception:
            # The framework answered (a 500 problem) and re-raised for the server to log:
            # deliver the answer, cache nothing, and let the error go on up.
            if start is not None and not streaming:
                await send(start)
                await send({"type": "http.response.body", "body": b"".join(chunks)})
            raise
        if streaming or start is None:
            return
        # An exact-size copy to keep: orjson's output holds an 8 KiB allocation behind even a
        # small body (tracemalloc), which made small answers cost ten times their size.
        body = bytes(memoryview(chunks[0])) if len(chunks) == 1 else b"".join(chunks)
        original = [(k.lower(), v) for k, v in start.get("headers", [])
                    if k.lower() not in (b"content-length", b"content-encoding")]  # fmt: skip
        # Kept without CORS headers: answer() adds the one grant every read gets.
        headers = [(k, v) for k, v in original if not k.startswith(b"access-control-")]
        etag = next((v for k, v in headers if k == b"etag"), None)
        cacheable = (
            start["status"] == 200
            and etag is not None
            and not any(k == b"cache-control" and b"no-store" in v for k, v in headers)
        )
        content_type = next((v for k, v in headers if k == b"content-type"), b"")
        compressible = (
            cacheable
            and len(body) >= MIN_GZIP
            and not content_type.decode("latin-1").startswith(INCOMPRESSIBLE)
        )
        if compressible:
            vary = next((v for k, v in headers if k == b"vary"), b"")
            if b"accept-encoding" not in vary.lower():
                headers = [(k, v) for k, v in headers if k != b"vary"]
                headers.append(
                    (b"vary", vary + b", Accept-Encoding" if vary else b"Accept-Encoding")
                )
        last_modified = next((v for k, v in headers if k == b"last-modified"), None)
        entry = Entry(start["status"], headers, body, etag or b"", last_modified, compressible)
        if cacheable and self.versions.current() == version:
            self._store(key, entry)
        if etag is not None:
            await self.answer(request, send, entry)
            return
        original.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": start["status"], "headers": original})
        await send({"type": "http.response.body", "body": body})
