"""GET /v1/exchanges and /v1/exchanges/{id}: the events themselves."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from app import queries
from app.config import get_settings
from app.deps import ID_RE, CursorQ, FiltersDep, FormatQ, LimitQ, ReadDep, SortQ
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
from app.schemas import ExchangeDetail, ExchangePublic, Item, Page

router = APIRouter(prefix="/v1/exchanges", tags=["exchanges"])


def parse_cursor(token: str | None, sort: str, current: int) -> tuple[int | None, Any]:
    """(pinned version, (key, id)) from a cursor issued for this sort, or a 422."""
    if token is None:
        return None, None
    data = decode_cursor(token)
    v, key, last = data.get("v"), data.get("k"), data.get("id")
    if data.get("s") != sort:
        raise invalid("cursor", "was issued for another sort order")
    if not isinstance(v, int) or not 1 <= v <= current or not isinstance(last, str):
        raise invalid("cursor", "is not a cursor this API issued")
    if sort.lstrip("-") == "date":
        if not isinstance(key, str) or len(key) != 10:
            raise invalid("cursor", "is not a cursor this API issued")
        try:
            dt.date.fromisoformat(key)
        except ValueError:
            raise invalid("cursor", "is not a cursor this API issued") from None
    elif not isinstance(key, int) or isinstance(key, bool):
        raise invalid("cursor", "is not a cursor this API issued")
    return v, (key, last)


@router.get(
    "",
    operation_id="list_exchanges",
    response_model=Page[ExchangePublic],
    responses={**LIST_FORMATS, **ERRORS},
)
def list_exchanges(
    request: Request,
    ctx: ReadDep,
    filters: FiltersDep,
    sort: SortQ = "-date",  # type: ignore[assignment]
    limit: LimitQ = 50,
    cursor: CursorQ = None,
    format: FormatQ = None,
) -> Response:
    """List exchanges, filtered, sorted and paginated."""
    fmt = negotiate(request, format)
    pinned_at, after = parse_cursor(cursor, str(sort), ctx.current)
    version = ctx.version
    if pinned_at is not None:
        if ctx.pinned and pinned_at != ctx.version:
            raise invalid("cursor", "was issued for another as_of_version")
        version = pinned_at  # every page of one walk reads the same snapshot

    def build() -> tuple[bytes, dict[str, str]]:
        rows, count = queries.list_exchanges(
            ctx.session,
            version=version,
            filters=filters,
            sort=str(sort),
            limit=limit + 1,
            after=after,
        )
        nxt = None
        if len(rows) > limit:
            rows = rows[:limit]
            key = queries.sort_value(str(sort), rows[-1])
            nxt = encode_cursor({"v": version, "s": str(sort), "k": key, "id": rows[-1]["id"]})
        if fmt is Format.csv:
            body = to_csv(rows, queries.EXCHANGE_COLUMNS)
        elif fmt is Format.ndjson:
            body = to_ndjson(rows)
        else:
            meta = {"count": count, "limit": limit, "next_cursor": nxt, "dataset_version": version}
            body = dumps({"data": rows, "meta": meta})
        return body, next_link(request, nxt)

    return read_response(
        request,
        version=version,
        pinned=ctx.pinned or pinned_at is not None,
        updated_at=ctx.updated_at,
        fmt=fmt,
        build=build,
        cache_control=get_settings().cache_control,
        filename="exchanges",
    )


@router.get(
    "/{exchange_id}",
    operation_id="get_exchange",
    response_model=Item[ExchangeDetail],
    responses=ERRORS,
)
def get_exchange(
    request: Request,
    ctx: ReadDep,
    exchange_id: Annotated[
        str,
        Path(
            max_length=80, pattern=f"^{ID_RE}$", description="The exchange's id, e.g. 2024-07-17."
        ),
    ],
) -> Response:
    """One exchange, its sources embedded."""
    row = queries.get_exchange(ctx.session, exchange_id, version=ctx.version)
    if row is None:
        raise NotFound(f"No exchange {exchange_id!r} at dataset version {ctx.version}.")
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
