"""GET /v1/mediators: who brokered or hosted the exchanges."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app import queries
from app.answers import MediatorPublic, Page
from app.deps import FormatDep, ReadDep
from app.routers import common
from app.routers.responses import ERRORS, LIST_FORMATS

router = APIRouter(prefix="/v1/mediators", tags=["mediators"])


@router.get(
    "",
    operation_id="list_mediators",
    response_model=Page[MediatorPublic],
    responses={**LIST_FORMATS, **ERRORS},
)
def list_mediators(request: Request, ctx: ReadDep, fmt: FormatDep) -> Response:
    """List mediators with how many exchanges each brokered."""
    return common.whole(
        request,
        ctx,
        fmt=fmt,
        columns=("id", "name", "exchanges"),
        filename="mediators",
        fetch=lambda: queries.list_mediators(ctx.session, version=ctx.at()),
    )
