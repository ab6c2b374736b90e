"""GET /v1/mediators: who brokered or hosted the exchanges."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app import queries
from app.config import get_settings
from app.deps import FormatQ, ReadDep
from app.http import Format, dumps, negotiate, read_response, to_csv, to_ndjson
from app.routers.responses import ERRORS, LIST_FORMATS
from app.schemas import MediatorPublic, Page

router = APIRouter(prefix="/v1/mediators", tags=["mediators"])
COLUMNS = ("id", "name", "exchanges")


@router.get(
    "",
    operation_id="list_mediators",
    response_model=Page[MediatorPublic],
    responses={**LIST_FORMATS, **ERRORS},
)
def list_mediators(request: Request, ctx: ReadDep, format: FormatQ = None) -> Response:
    """List mediators with how many exchanges each brokered."""
    fmt = negotiate(request, format)

    def build() -> bytes:
        rows = queries.list_mediators(ctx.session, version=ctx.version)
        if fmt is Format.csv:
            return to_csv(rows, COLUMNS)
        if fmt is Format.ndjson:
            return to_ndjson(rows)
        meta = {
            "count": len(rows),
            "limit": len(rows),
            "next_cursor": None,
            "dataset_version": ctx.version,
        }
        return dumps({"data": rows, "meta": meta})

    return read_response(
        request,
        version=ctx.version,
        pinned=ctx.pinned,
        updated_at=ctx.updated_at,
        fmt=fmt,
        build=build,
        cache_control=get_settings().cache_control,
        filename="mediators",
    )
