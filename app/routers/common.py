"""The shapes every read answers in: a page, a whole list, one record; one place for each."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import Response

from app import queries
from app.db import Reads, read_session
from app.deps import ReadContext
from app.http import (
    Format,
    decode_cursor,
    dumps,
    encode_cursor,
    json_rows,
    next_link,
    read_response,
    to_csv,
    to_ndjson,
)
from app.middleware import HEAD_ONLY
from app.problems import invalid
from app.queries import dataset_state

Row = dict[str, Any]


def open_cursor(token: str | None, ctx: ReadContext) -> tuple[int, dict[str, Any] | None]:
    """The version a page reads (the cursor's, so a walk reads one snapshot) and its payload."""
    if token is None:
        return ctx.version, None
    data = decode_cursor(token)
    v = data.get("v")
    if isinstance(v, int) and not isinstance(v, bool) and v > ctx.current:
        ctx.need(v)  # a replica behind the cursor's version: wait for it, or 422 if none such
    if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= ctx.current:
        raise invalid("cursor", "is not a cursor this API issued")
    if ctx.pinned and v != ctx.version:
        raise invalid("cursor", "was issued for another as_of_version")
    return v, data


def render(
    rows: Sequence[Row],
    fmt: Format,
    columns: Sequence[str],
    meta: Mapping[str, Any],
    csv_row: Callable[[Row], Row] | None = None,
) -> bytes:
    """Rows as JSON (the one envelope, `{data, meta}`), CSV (in `columns` order) or NDJSON."""
    if fmt is Format.csv:
        return to_csv(map(csv_row, rows) if csv_row else rows, columns)
    if fmt is Format.ndjson:
        return to_ndjson(rows)
    return envelope(json_rows(rows), meta)


def envelope(data: Any, meta: Mapping[str, Any]) -> bytes:
    """Every JSON read's one shape: `{"data": ..., "meta": {"dataset_version": V, ...}}`."""
    return dumps({"data": data, "meta": meta})


def coverage_meta(cov: Mapping[str, Any] | None) -> dict[str, Any]:
    """`meta.coverage` of the answers that show totals: the days the curators vouch for, and
    in words that no record after them means not yet curated."""
    return {
        "coverage": {
            "from": cov["from"] if cov else None,
            "until": cov["until"] if cov else None,
            "statement": queries.coverage_statement(cov),
        }
    }


Fetch = Callable[[Reads, int | None, dict[str, Any] | None, int], tuple[list[Row], int]]
STREAM_CHUNK = 2500  # rows per chunk: each chunk counts the matches again (~10 ms per 100k)


def page(
    request: Request,
    ctx: ReadContext,
    *,
    fmt: Format,
    cursor: str | None,
    limit: int,
    fetch: Fetch,
    key: Callable[[Row], dict[str, Any]],
    columns: Sequence[str],
    filename: str,
    csv_row: Callable[[Row], Row] | None = None,
    stream: bool = False,
) -> Response:
    """One page of a keyset-paginated list; `fetch(session, version, cursor payload, n)` reads
    it. With `stream`, every page in turn, as one streamed answer (see `streamed`)."""
    if stream:
        if cursor is not None:
            raise invalid("cursor", "cannot be combined with stream=true")
        # The version answered (this opens the request's session), then that connection back:
        # the stream reads in short sessions of its own for as long as the download takes.
        version = ctx.version
        ctx.close()
        engine = request.app.state.read_engine

        def body() -> Iterator[bytes]:
            if request.scope.get(HEAD_ONLY):  # the headers alone: read nothing
                return iter(())
            return streamed(engine, version, fmt, fetch, key, columns, csv_row)

        return read_response(
            request, version=version, pinned=ctx.pinned, updated_at=ctx.updated_at,
            fmt=fmt, filename=filename, build=body,
        )  # fmt: skip
    version, after = open_cursor(cursor, ctx)

    def build() -> tuple[bytes, dict[str, str]]:
        rows, count = fetch(ctx.session, ctx.at(version), after, limit + 1)
        nxt = None
        if len(rows) > limit:
            rows = rows[:limit]
            nxt = encode_cursor({"v": version, **key(rows[-1])})
        meta = list_meta(count, limit, nxt, version)
        return render(rows, fmt, columns, meta, csv_row), next_link(request, nxt)

    return read_response(
        request,
        version=version,
        pinned=ctx.pinned or cursor is not None,
        updated_at=ctx.updated_at,
        fmt=fmt,
        build=build,
        filename=filename,
    )


def streamed(
    engine: Engine,
    version: int,
    fmt: Format,
    fetch: Fetch,
    key: Callable[[Row], dict[str, Any]],
    columns: Sequence[str],
    csv_row: Callable[[Row], Row] | None,
) -> Iterator[bytes]:
    """Every matching row, STREAM_CHUNK at a time by keyset, at the dataset version the
    request resolved: the same rows, in the same order and bytes, as walking the pages. Each
    chunk reads in a short session of its own (the live rows while `version` is still the
    current one, the rows as of `version` once a write has moved it on), so a slow download
    holds no connection and no transaction between chunks, and memory stays at one chunk."""
    if fmt is Format.csv:
        yield to_csv((), columns)
    elif fmt is Format.json:
        yield b'{"data":['
    after: dict[str, Any] | None = None
    count = 0
    while True:
        with read_session(engine) as session:
            at = None if dataset_state(session)[0] == version else version
            rows, _ = fetch(session, at, after, STREAM_CHUNK + 1)
        more = len(rows) > STREAM_CHUNK
        rows = rows[:STREAM_CHUNK]
        if rows and fmt is Format.csv:
            yield to_csv(map(csv_row, rows) if csv_row else rows, columns, header=False)
        elif rows and fmt is Format.ndjson:
            yield to_ndjson(rows)
        elif rows:
            yield (b"," if count else b"") + b",".join(dumps(row) for row in json_rows(rows))
        count += len(rows)
        if not more:
            break
        after = key(rows[-1])
    if fmt is Format.json:
        yield b'],"meta":' + dumps(list_meta(count, count, None, version)) + b"}"


def list_meta(count: int, limit: int, cursor: str | None, version: int) -> dict[str, Any]:
    """A list's `meta`: the one shape of pages, whole lists and streams."""
    return {"count": count, "limit": limit, "next_cursor": cursor, "dataset_version": version}


def whole(
    request: Request,
    ctx: ReadContext,
    *,
    fmt: Format,
    fetch: Callable[[], Iterable[Row]],
    columns: Sequence[str],
    filename: str,
    meta: Callable[[], Mapping[str, Any]] | None = None,
    csv_row: Callable[[Row], Row] | None = None,
) -> Response:
    """A list answered whole (small by nature: mediators, agreements, statistics); `meta`
    adds to the list's meta (a series' interval, the coverage)."""

    def build() -> bytes:
        rows = list(fetch())
        more = meta() if meta else {}
        return render(rows, fmt, columns, {**list_meta(len(rows), len(rows), None, ctx.version),
                                           **more}, csv_row)  # fmt: skip

    return read_response(
        request,
        version=ctx.version,
        pinned=ctx.pinned,
        updated_at=ctx.updated_at,
        fmt=fmt,
        build=build,
        filename=filename,
    )


def document(
    request: Request,
    ctx: ReadContext,
    build: Callable[[], bytes],
    *,
    etag_prefix: str = "",
    media_type: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """One document (a record, a summary, a citation) at the context's version."""
    return read_response(
        request, version=ctx.version, pinned=ctx.pinned, updated_at=ctx.updated_at,
        fmt=Format.json, build=build, etag_prefix=etag_prefix, media_type=media_type,
        headers=headers,
    )  # fmt: skip


def one(request: Request, ctx: ReadContext, row: Row) -> Response:
    """One record (`{data, meta}`); its ETag starts with its revision, for If-Match."""
    body = envelope(row, {"dataset_version": ctx.version})
    return document(request, ctx, lambda: body, etag_prefix=f"r{row['revision']}-")


def moved(request: Request, ctx: ReadContext, row: Row, to: str) -> Response:
    """301 to where a re-dated exchange went (its id is its date), the move as the body; the
    query (as_of_version, format) goes along."""
    response = one(request, ctx, row)
    if response.status_code == 200:
        query = request.url.query
        response.status_code = 301
        response.headers["location"] = (
            request.scope.get("root_path", "") + to + (f"?{query}" if query else "")
        )
    return response


def after_id(data: dict[str, Any] | None) -> str | None:
    """The id a cursor of an id-ordered list resumes after, or a 422."""
    if data is None:
        return None
    last = data.get("id")
    if not isinstance(last, str):
        raise invalid("cursor", "is not a cursor this API issued")
    return last
