"""HTTP plumbing shared by the routers: formats, cursors, ETags and conditional answers."""

from __future__ import annotations

import base64
import binascii
import csv
import datetime as dt
import functools
import hashlib
import io
import itertools
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Scope

from app.problems import NotAcceptable, invalid


class Format(StrEnum):
    json = "json"
    csv = "csv"
    ndjson = "ndjson"


MEDIA = {
    Format.json: "application/json",
    Format.csv: "text/csv; charset=utf-8",
    Format.ndjson: "application/x-ndjson",
}
_ACCEPT = {
    "application/json": Format.json,
    "application/*": Format.json,
    "*/*": Format.json,
    "text/csv": Format.csv,
    "text/*": Format.csv,
    "application/x-ndjson": Format.ndjson,
    "application/ndjson": Format.ndjson,
    "application/jsonl": Format.ndjson,
}


def negotiate(
    request: Request, requested: Format | None, allowed: Sequence[Format] = tuple(Format)
) -> Format:
    """`format=` wins; otherwise the best `Accept` entry we serve; otherwise JSON."""
    if requested is not None:
        if requested not in allowed:
            raise invalid("format", f"must be one of {', '.join(allowed)} here")
        return requested
    accept = request.headers.get("accept", "")
    if not accept.strip():
        return Format.json
    for media in accepted(accept):
        fmt = _ACCEPT.get(media)
        if fmt is not None and fmt in allowed:
            return fmt
    raise NotAcceptable(
        f"cannot answer in any of: {accept[:200]}; this resource is served as "
        + ", ".join(MEDIA[f].split(";")[0] for f in allowed)
    )


@functools.lru_cache(maxsize=256)
def accepted(header: str | None) -> tuple[str, ...]:
    """The values of an Accept-style header (media types, language tags), lowercased, most
    wanted first: by q, then in the order given; q=0 (or a q that is not a number) left out.
    Clients send a handful of values (each parsed once), and the response cache asks on every
    hit of a page in three languages."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((header or "").split(",")):
        value, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if value and q > 0:
            ranked.append((-q, i, value.lower()))
    return tuple(value for _, _, value in sorted(ranked))


# ---- cursors -------------------------------------------------------------------------------


def encode_cursor(data: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(data)).decode().rstrip("=")


def decode_cursor(token: str) -> dict[str, Any]:
    """The cursor's content, or a 422 naming `cursor`."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = orjson.loads(raw)
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        raise invalid("cursor", "is not a cursor this API issued") from None
    if not isinstance(data, dict):
        raise invalid("cursor", "is not a cursor this API issued")
    return data


# ---- rendering -----------------------------------------------------------------------------


def default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return iso_utc(value)
    raise TypeError


def iso_utc(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def dumps(payload: Any) -> bytes:
    return orjson.dumps(
        payload,
        default=default,
        option=orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC,
    )


class Record(dict[str, Any]):
    """A rendered row that never changes once made (rows are kept per dataset version and
    shared, so callers copy before changing one): its JSON is made once, on first use, and a
    page of rows already seen is then mostly the joining of bytes."""

    __slots__ = ("_json",)
    _json: orjson.Fragment

    def json(self) -> orjson.Fragment:
        try:
            return self._json
        except AttributeError:
            self._json = orjson.Fragment(dumps(self))
            return self._json


def json_rows(rows: Iterable[Any]) -> list[Any]:
    """Rows for dumps(): a Record as its JSON made once, anything else as it is (the bytes
    are the same either way)."""
    return [row.json() if type(row) is Record else row for row in rows]


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, dt.datetime):
        return iso_utc(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def to_csv(
    rows: Iterable[Mapping[str, Any]], columns: Sequence[str], *, header: bool = True
) -> bytes:
    """RFC 4180: CRLF line ends, quotes where needed, a header row in `columns` order."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if header:
        writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(c)) for c in columns])
    return buf.getvalue().encode("utf-8")


def to_ndjson(rows: Iterable[Mapping[str, Any]]) -> bytes:
    return b"".join(dumps(row) + b"\n" for row in json_rows(rows))


def etag_value(
    version: int, path: str, query: list[tuple[str, str]], fmt: Format, prefix: str = "",
    release: str = "",
) -> str:  # fmt: skip
    """Strong ETag: a hash of the dataset version, the canonical request and `release`."""
    key = dumps([version, path, sorted(query, key=lambda kv: kv[0]), fmt.value, release])
    return f'"{prefix}{hashlib.blake2b(key, digest_size=12).hexdigest()}"'


RELEASE_SUFFIXES = frozenset({".py", ".po", ".html", ".js", ".css", ".json"})


@functools.cache
def release() -> str:
    """This code's release: a hash of the package's code, templates, scripts and catalogs
    (not its bundled data, which the dataset version covers). In every read's ETag, so that a
    new release that answers differently (a new field, new words, a new drawing) is never
    answered 304 to a client holding the old answer."""
    package = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=6)
    for path in sorted(package.rglob("*")):
        relative = path.relative_to(package)
        if path.suffix in RELEASE_SUFFIXES and relative.parts[0] not in ("_data", "_migrations"):
            digest.update(str(relative).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def etag_for(version: int, request: Request, fmt: Format, prefix: str = "") -> str:
    path = request.scope.get("root_path", "") + route_path(request.scope)  # request.url's path
    query = request.query_params.multi_items()
    return etag_value(version, path, query, fmt, prefix, release())


def matches(header: str | None, etag: str) -> bool:
    """Does If-None-Match name `etag` (weak comparison, as RFC 9110 asks for GET)?"""
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


def not_modified(etag: str, headers: Mapping[str, str] | None = None) -> Response:
    """304: no body, and nothing that describes one (no Content-Type, no Content-Length)."""
    return Response(status_code=304, headers={"ETag": etag, **(headers or {})})


def http_date(value: dt.datetime) -> str:
    from email.utils import format_datetime

    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return format_datetime(value.astimezone(dt.UTC), usegmt=True)


def unmodified_since(header: str | None, updated_at: dt.datetime | None) -> bool:
    """Does If-Modified-Since say the client has the answer as of `updated_at`?"""
    if not header or updated_at is None:
        return False
    from email.utils import parsedate_to_datetime

    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    if updated_at.tzinfo is None:
        updated_at = updated_at.replace(tzinfo=dt.UTC)
    # HTTP dates have whole seconds: an answer of 12:00:00.5 was not modified since 12:00:00.
    return since.tzinfo is not None and since >= updated_at.replace(microsecond=0)


BOM = "\ufeff".encode()
PINNED_CACHE = "public, max-age=31536000, immutable"
# Answers from this size up are compressed (CompressMiddleware, the response cache), and then
# vary with Accept-Encoding; so do streamed answers. A zip is never compressed again.
COMPRESS_MIN = 1024
INCOMPRESSIBLE = ("application/zip",)


def read_response(
    request: Request,
    *,
    version: int,
    pinned: bool,
    updated_at: dt.datetime | None,
    fmt: Format,
    build: Any,
    etag_prefix: str = "",
    headers: Mapping[str, str] | None = None,
    filename: str | None = None,
    media_type: str | None = None,
    vary: Sequence[str] = (),
) -> Response:
    """A read's answer: ETag, caching and citation headers, and 304 when the client has it.
    `vary` names the request headers besides Accept the answer depends on (Accept-Language).

    `build()` makes the body bytes (or an iterator of chunks, streamed), or (body, extra
    headers). A 304 carries the headers the 200 would (RFC 9110 15.4.5: a cache updates its
    stored answer with them), and some of those come from the body (a page's rel="next", the
    Vary of a compressed answer): so `build()` runs for a 304 too, and only its bytes are left
    out. A streamed body is never read for a 304. The response cache in front answers
    repeated 304s from memory without any of this. An answer at a pinned version
    (as_of_version or a cursor's) can never change, so it may be cached for good.
    """
    etag = etag_for(version, request, fmt, etag_prefix)
    base = base_url(request)
    out: dict[str, str] = {
        "ETag": etag,
        "Cache-Control": PINNED_CACHE if pinned else request.app.state.settings.cache_control,
        "Link": f'<{base}/v1/dataset/citation>; rel="cite-as"',
        "X-Dataset-Version": str(version),
        "Vary": ", ".join(("Accept", *vary)),
    }
    if updated_at is not None:
        out["Last-Modified"] = http_date(updated_at)
    body = build()
    if isinstance(body, tuple):
        body, extra = body
        headers = {**(headers or {}), **extra}
    for key, value in (headers or {}).items():
        out[key] = f"{out[key]}, {value}" if key == "Link" else value
    if filename and fmt is Format.csv:
        out["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    media = media_type or MEDIA[fmt]
    bom = fmt is Format.csv and getattr(request.state, "bom", False)
    if bom and isinstance(body, bytes):
        body = BOM + body
    inm = request.headers.get("if-none-match")
    if matches(inm, etag) or (
        inm is None and unmodified_since(request.headers.get("if-modified-since"), updated_at)
    ):
        if not isinstance(body, bytes):
            getattr(body, "close", lambda: None)()  # a generator never started: nothing read
        if not media.startswith(INCOMPRESSIBLE) and (
            not isinstance(body, bytes) or len(body) >= COMPRESS_MIN
        ):
            out["Vary"] += ", Accept-Encoding"  # as CompressMiddleware marks the 200
        return not_modified(etag, out)
    if bom and not isinstance(body, bytes):
        body = itertools.chain((BOM,), body)
    if not isinstance(body, bytes):  # an iterator of chunks: a large answer, streamed
        return StreamingResponse(body, media_type=media, headers=out)
    return Response(body, media_type=media, headers=out)


def base_url(request: Request) -> str:
    """Where absolute links start: PUBLIC_BASE_URL when set, whatever the request's Host;
    otherwise the request's own scheme and host (one of ALLOWED_HOSTS, see AllowedHosts)."""
    public: str = request.app.state.settings.public_base_url.rstrip("/")
    return public or str(request.base_url).rstrip("/")


def route_path(scope: Scope) -> str:
    """The request's path below the root path, which base_url ends with (uvicorn's
    --root-path puts the root path in front of the path; a root path of the app's own, behind
    a proxy that strips it, does not)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def next_link(request: Request, cursor: str | None) -> dict[str, str]:
    if cursor is None:
        return {}
    # The request's own URL with cursor= last (request.url.include_query_params, without
    # parsing the URL again), under PUBLIC_BASE_URL when set.
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
    query.append(("cursor", cursor))
    url = f"{base_url(request)}{route_path(request.scope)}?{urlencode(query)}"
    return {"Link": f'<{url}>; rel="next"'}
