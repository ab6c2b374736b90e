"""GET /v1/sources and /v1/sources/{id}: the publications behind every figure."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from app import queries
from app.answers import Item, Page, SourceDetail, SourcePublic
from app.db import Reads
from app.deps import ID_RE, CursorQ, FormatDep, LimitQ, ReadDep, SourceFiltersDep, StreamQ
from app.problems import NotFound
from app.routers import common
from app.routers.responses import ERRORS, LIST_FORMATS

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
    fmt: FormatDep,
    filters: SourceFiltersDep,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
    stream: StreamQ = False,
) -> Response:
    """List sources in id order, filtered and paginated."""

    def fetch(session: Reads, version: int | None, after: dict[str, Any] | None, n: int) -> Any:
        return queries.list_sources(
            session, version=version, filters=filters, limit=n, after=common.after_id(after)
        )

    return common.page(
        request,
        ctx,
        fmt=fmt,
        cursor=cursor,
        limit=limit,
        stream=stream,
        fetch=fetch,
        key=lambda row: {"id": row["id"]},
        columns=queries.SOURCE_COLUMNS,
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
    row = queries.get_source(ctx.session, source_id, version=ctx.at())
    if row is None:
        raise NotFound(f"No source {source_id!r} at dataset version {ctx.version}.")
    return common.one(request, ctx, row)
