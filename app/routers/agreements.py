"""GET /v1/agreements and /v1/agreements/{id}: staged deals, agreed against delivered."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from app import queries
from app.answers import AgreementPublic, Item, Page
from app.deps import ID_RE, FormatDep, ReadDep
from app.problems import NotFound
from app.routers import common
from app.routers.responses import ERRORS, LIST_FORMATS

router = APIRouter(prefix="/v1/agreements", tags=["agreements"])
CSV_COLUMNS = (
    "id", "name", "agreed_on", "agreed_ukraine_received", "agreed_russia_received", "stages",
    "delivered_stages", "delivered_ukraine_received", "undisclosed_ukraine_received",
    "delivered_russia_received", "undisclosed_russia_received", "sources", "note",
    "updated_at", "revision",
)  # fmt: skip


def csv_row(row: dict[str, Any]) -> dict[str, Any]:
    d = row["delivered"]
    return {
        **row,
        "stages": [s["id"] for s in row["stages"]],
        "delivered_stages": d["stages"],
        "delivered_ukraine_received": d["ukraine_received"],
        "undisclosed_ukraine_received": d["undisclosed_ukraine_received"],
        "delivered_russia_received": d["russia_received"],
        "undisclosed_russia_received": d["undisclosed_russia_received"],
    }


@router.get(
    "",
    operation_id="list_agreements",
    response_model=Page[AgreementPublic],
    responses={**LIST_FORMATS, **ERRORS},
)
def list_agreements(request: Request, ctx: ReadDep, fmt: FormatDep) -> Response:
    """List staged agreements with what their stages delivered."""
    return common.whole(
        request,
        ctx,
        fmt=fmt,
        columns=CSV_COLUMNS,
        csv_row=csv_row,
        filename="agreements",
        fetch=lambda: queries.list_agreements(ctx.session, version=ctx.at()),
    )


@router.get(
    "/{agreement_id}",
    operation_id="get_agreement",
    response_model=Item[AgreementPublic],
    responses=ERRORS,
)
def get_agreement(
    request: Request,
    ctx: ReadDep,
    agreement_id: Annotated[
        str, Path(max_length=80, pattern=f"^{ID_RE}$", description="The agreement's id.")
    ],
) -> Response:
    """One agreement: agreed figures, its stages and delivered so far against agreed."""
    rows = queries.list_agreements(ctx.session, version=ctx.at(), agreement_id=agreement_id)
    if not rows:
        raise NotFound(f"No agreement {agreement_id!r} at dataset version {ctx.version}.")
    return common.one(request, ctx, rows[0])
