"""GET /v1/claims: who claimed which figure, with sources."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from app import queries
from app.answers import ClaimPublic, Item, Page
from app.codebook import Claimant, Figure
from app.db import Reads
from app.deps import (
    ID_RE,
    CursorQ,
    FormatDep,
    LimitQ,
    ReadDep,
    StreamQ,
    listed,
    one_or_more,
    split_values,
)
from app.problems import NotFound
from app.routers import common
from app.routers.responses import ERRORS, LIST_FORMATS

router = APIRouter(prefix="/v1/claims", tags=["claims"])


@router.get(
    "",
    operation_id="list_claims",
    response_model=Page[ClaimPublic],
    responses={**LIST_FORMATS, **ERRORS},
)
def list_claims(
    request: Request,
    ctx: ReadDep,
    fmt: FormatDep,
    exchange: Annotated[
        str | None,
        Query(
            max_length=80, pattern=f"^{ID_RE}$", description="Only claims about this exchange id."
        ),
    ] = None,
    claimant: Annotated[
        list[Annotated[str, listed(Claimant)]] | None,
        Query(description=one_or_more(Claimant)),
    ] = None,
    figure: Annotated[
        list[Annotated[str, listed(Figure)]] | None,
        Query(description=one_or_more(Figure)),
    ] = None,
    disputed: Annotated[
        bool | None,
        Query(description="true: only claims about a disputed figure; false: only the others."),
    ] = None,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
    stream: StreamQ = False,
) -> Response:
    """List claims in id order (exchange, figure, claimant), filtered and paginated."""
    filters = queries.ClaimFilters(
        exchange=exchange,
        claimants=split_values("claimant", claimant, set(Claimant)),
        figures=split_values("figure", figure, set(Figure)),
        disputed=disputed,
    )

    def fetch(session: Reads, version: int | None, after: dict[str, Any] | None, n: int) -> Any:
        return queries.list_claims(
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
        columns=queries.CLAIM_COLUMNS,
        filename="claims",
    )


@router.get(
    "/{claim_id}", operation_id="get_claim", response_model=Item[ClaimPublic], responses=ERRORS
)
def get_claim(
    request: Request,
    ctx: ReadDep,
    claim_id: Annotated[
        str, Path(max_length=120, pattern=f"^{ID_RE}$", description="The claim's id.")
    ],
) -> Response:
    """One claim."""
    row = queries.get_claim(ctx.session, claim_id, version=ctx.at())
    if row is None:
        raise NotFound(f"No claim {claim_id!r} at dataset version {ctx.version}.")
    return common.one(request, ctx, row)
