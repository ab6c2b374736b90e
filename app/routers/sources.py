"""GET /v1/sources and /v1/sources/{id}: the publications behind every figure."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from app import queries
from app.config import get_settings
from app.deps import ID_RE, CursorQ, FormatQ, LimitQ, ReadDep, SourceFiltersDep
from app.http import (
    Format,
    decode_cursor,
    dumps,
    encode_cursor,
    negotiate,
    next_link,
    read_response,
    to_csv,
    to_ndjson,
)
from app.problems import NotFound, invalid
from app.routers.responses import ERRORS, LIST_FORMATS
from app.schemas import Item, Page, SourceDetail, SourcePublic

router = APIRouter(prefix="/v1/sources", tags=["sources"])


@router.get(
    "",
    operation_id="list_sources",
    response_model=Page[SourcePublic],
    responses={**LIST_FORMATS, **ERRORS},
)
def list_sources(
    request: Request,
    ctx: ReadDep,
    filters: SourceFiltersDep,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
    format: FormatQ = None,
) -> Response:
    """List sources in id order, filtered and paginated."""
    fmt = negotiate(request, format)
    version, after = ctx.version, None
    if cursor is not None:
        data = decode_cursor(cursor)
        v, after = data.get("v"), data.get("id")
        if not isinstance(v, int) or not 1 <= v <= ctx.current or not isinstance(after, str):
            raise invalid("cursor", "is not a cursor this API issued")
        if ctx.pinned and v != ctx.version:
            raise invalid("cursor", "was issued for another as_of_version")
        version = v

    def build() -> tuple[bytes, dict[str, str]]:
        rows, count = queries.list_sources(
            ctx.session, version=version, filters=filters, limit=limit + 1, after=after
        )
        nxt = None
        if len(rows) > limit:
            rows = rows[:limit]
            nxt = encode_cursor({"v": version, "id": rows[-1]["id"]})
        if fmt is Format.csv:
            body = to_csv(rows, queries.SOURCE_COLUMNS)
        elif fmt is Format.ndjson:
            body = to_ndjson(rows)
        else:
            meta = {"count": count, "limit": limit, "next_cursor": nxt, "dataset_version": version}
            body = dumps({"data": rows, "meta": meta})
        return body, next_link(request, nxt)

    return read_response(
        request,
        version=version,
        pinned=ctx.pinned or cursor is not None,
        updated_at=ctx.updated_at,
        fmt=fmt,
        build=build,
        cache_control=get_settings().cache_control,
        filename="sources",
    )


@router.get(
    "/{source_id}",
    operation_id="get_source",
    response_model=Item[SourceDetail],
    responses=ERRORS,
)
def get_source(
    request: Request,
    ctx: ReadDep,
    source_id: Annotated[
        str, Path(max_length=80, pattern=f"^{ID_RE}$", description="The source's id.")
    ],
) -> Response:
    """One source, with the exchanges it reports."""
    row = queries.get_source(ctx.session, source_id, version=ctx.version)
    if row is None:
        raise NotFound(f"No source {source_id!r} at dataset version {ctx.version}.")
    return read_response(
        request,
        version=ctx.version,
        pinned=ctx.pinned,
        updated_at=ctx.updated_at,
        fmt=Format.json,
        build=lambda: dumps({"data": row, "meta": {"dataset_version": ctx.version}}),
        cache_control=get_settings().cache_control,
        etag_prefix=f"r{row['revision']}-",
    )
