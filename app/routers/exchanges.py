"""GET /v1/exchanges, /v1/exchanges/{id} and its claims: the events themselves."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from app import queries
from app.answers import ClaimPublic, ExchangeDetail, ExchangePublic, Item, MovedExchange, Page
from app.db import Reads
from app.deps import ID_RE, ExchangeListQuery, FormatDep, ReadDep, read_context_of
from app.http import negotiate
from app.problems import NotFound, invalid
from app.routers import common
from app.routers.responses import ERRORS, LIST_FORMATS

router = APIRouter(prefix="/v1/exchanges", tags=["exchanges"])
ExchangeId = Annotated[
    str,
    Path(max_length=80, pattern=f"^{ID_RE}$", description="The exchange's id, e.g. 2024-07-17."),
]


def keyset(data: dict[str, Any] | None, sort: str) -> tuple[Any, str] | None:
    """The (sort key, id) a cursor issued for `sort` resumes after, or a 422."""
    if data is None:
        return None
    key, last = data.get("k"), data.get("id")
    bad = invalid("cursor", "is not a cursor this API issued")
    if data.get("s") != sort:
        raise invalid("cursor", "was issued for another sort order")
    if not isinstance(last, str):
        raise bad
    if sort.lstrip("-") == "date":
        try:
            dt.date.fromisoformat(key if isinstance(key, str) and len(key) == 10 else "")
        except ValueError:
            raise bad from None
    elif not isinstance(key, int) or isinstance(key, bool):
        raise bad
    return key, last


@router.get(
    "",
    operation_id="list_exchanges",
    response_model=Page[ExchangePublic],
    responses={**LIST_FORMATS, **ERRORS},
)
def list_exchanges(request: Request, params: Annotated[ExchangeListQuery, Query()]) -> Response:
    """List exchanges, filtered, sorted and paginated."""
    # One model for every parameter: the fast lane (app.fastlane) reads a request with it
    # too and calls this very function, so both parse, refuse and answer alike.
    ctx = read_context_of(request, params.as_of_version)
    try:
        fmt = negotiate(request, params.format)
        request.state.bom = params.bom
        filters = params.filters()
        order = str(params.sort)

        def fetch(session: Reads, version: int | None, after: dict[str, Any] | None, n: int) -> Any:
            return queries.list_exchanges(
                session,
                version=version,
                filters=filters,
                sort=order,
                limit=n,
                after=keyset(after, order),
            )

        def key(row: dict[str, Any]) -> dict[str, Any]:
            return {"s": order, "k": queries.sort_value(order, row), "id": row["id"]}

        return common.page(
            request,
            ctx,
            fmt=fmt,
            cursor=params.cursor,
            limit=params.limit,
            stream=params.stream,
            fetch=fetch,
            key=key,
            columns=queries.EXCHANGE_CSV_COLUMNS,
            csv_row=queries.csv_row,
            filename="exchanges",
        )
    finally:
        ctx.close()


MOVED: dict[int | str, dict[str, Any]] = {
    301: {
        "model": Item[MovedExchange],
        "description": "The event was re-dated, so its id changed: `Location` names the new "
        "id (the query kept), and the body says why.",
        "headers": {
            "Location": {"description": "Where the exchange is now.", "schema": {"type": "string"}}
        },
    }
}


def _moved_or_missing(request: Request, ctx: ReadDep, exchange_id: str, tail: str) -> Response:
    """301 to the new id when the exchange moved, else 404."""
    move = queries.get_moved_exchange(ctx.session, exchange_id, version=ctx.at())
    if move is None:
        raise NotFound(f"No exchange {exchange_id!r} at dataset version {ctx.version}.")
    return common.moved(request, ctx, move, f"/v1/exchanges/{move['moved_to']}{tail}")


@router.get(
    "/{exchange_id}",
    operation_id="get_exchange",
    response_model=Item[ExchangeDetail],
    responses={**MOVED, **ERRORS},
)
def get_exchange(request: Request, ctx: ReadDep, exchange_id: ExchangeId) -> Response:
    """One exchange, its sources and claims embedded (301 to its new id if it was re-dated)."""
    row = queries.get_exchange(ctx.session, exchange_id, version=ctx.at())
    if row is None:
        return _moved_or_missing(request, ctx, exchange_id, "")
    return common.one(request, ctx, row)


@router.get(
    "/{exchange_id}/claims",
    operation_id="list_exchange_claims",
    response_model=Page[ClaimPublic],
    responses={**LIST_FORMATS, **MOVED, **ERRORS},
)
def list_exchange_claims(
    request: Request, ctx: ReadDep, exchange_id: ExchangeId, fmt: FormatDep
) -> Response:
    """Every claimant's figure for one exchange, with its sources."""
    if queries.get_exchange_revision(ctx.session, exchange_id, version=ctx.at()) is None:
        return _moved_or_missing(request, ctx, exchange_id, "/claims")
    only = queries.ClaimFilters(exchange=exchange_id)
    return common.whole(
        request,
        ctx,
        fmt=fmt,
        columns=queries.CLAIM_COLUMNS,
        filename=f"claims-{exchange_id}",
        fetch=lambda: queries.list_claims(ctx.session, version=ctx.at(), filters=only, limit=None)[
            0
        ],
    )
