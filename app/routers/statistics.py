"""GET /v1/statistics/*: the numbers newsrooms chart and researchers quote.

Each takes the filters of GET /v1/exchanges, so a summary always agrees with the list it
summarises; sums count known figures only and report the events with an unknown figure apart.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app import statistics
from app.codebook import Claimant, Interval, Metric
from app.deps import FiltersDep, FormatDep, IsoDate, ReadDep, listed, split_values
from app.http import dumps
from app.problems import invalid
from app.routers import common
from app.routers.responses import ERRORS, LIST_FORMATS
from app.schemas import (
    MediatorStats,
    Page,
    ReconciliationRow,
    Summary,
    TimeseriesPage,
)

router = APIRouter(prefix="/v1/statistics", tags=["statistics"])

FIGURE_COLUMNS = (
    "exchanges", "ukraine_received", "russia_received", "undisclosed_ukraine_received",
    "undisclosed_russia_received",
)  # fmt: skip
CUMULATIVE = ("cumulative_exchanges", "cumulative_ukraine_received", "cumulative_russia_received")


@router.get("/summary", operation_id="exchange_summary", response_model=Summary, responses=ERRORS)
def exchange_summary(request: Request, ctx: ReadDep, filters: FiltersDep) -> Response:
    """Totals per side and per kind, counts, first and last date, largest event and gaps."""

    def build() -> bytes:
        body = statistics.summary(ctx.session, version=ctx.at(), filters=filters)
        return dumps(
            {**body, "dataset_version": ctx.version, "meta": {"dataset_version": ctx.version}}
        )

    return common.document(request, ctx, build)


@router.get(
    "/timeseries",
    operation_id="exchange_timeseries",
    response_model=TimeseriesPage,
    responses={**LIST_FORMATS, **ERRORS},
)
def exchange_timeseries(
    request: Request,
    ctx: ReadDep,
    fmt: FormatDep,
    filters: FiltersDep,
    interval: Annotated[
        Interval, Query(description="week (ISO), month (default), quarter or year.")
    ] = Interval.month,
    cumulative: Annotated[
        bool, Query(description="Add running sums from the first period.")
    ] = False,
) -> Response:
    """Per-period counts and sums, every period from the first event to the last, zeros included."""
    columns = ("period", "start", "end", *FIGURE_COLUMNS, *(CUMULATIVE if cumulative else ()))
    return common.whole(
        request,
        ctx,
        fmt=fmt,
        columns=columns,
        filename=f"timeseries-{interval.value}",
        top=lambda: {"interval": interval.value, "cumulative": cumulative},
        fetch=lambda: statistics.timeseries(
            ctx.session,
            version=ctx.at(),
            filters=filters,
            interval=interval.value,
            cumulative=cumulative,
        ),
    )


@router.get(
    "/mediators",
    operation_id="mediator_statistics",
    response_model=Page[MediatorStats],
    responses={**LIST_FORMATS, **ERRORS},
)
def mediator_statistics(
    request: Request, ctx: ReadDep, filters: FiltersDep, fmt: FormatDep
) -> Response:
    """Per mediator: events, people returned to each side, first and last date."""
    return common.whole(
        request,
        ctx,
        fmt=fmt,
        filename="mediator-statistics",
        columns=("id", "name", *FIGURE_COLUMNS, "first_date", "last_date"),
        fetch=lambda: statistics.mediators(ctx.session, version=ctx.at(), filters=filters),
    )


@router.get(
    "/reconciliation",
    operation_id="reconciliation",
    response_model=Page[ReconciliationRow],
    responses={**LIST_FORMATS, **ERRORS},
)
def reconciliation(
    request: Request,
    ctx: ReadDep,
    fmt: FormatDep,
    claimant: Annotated[
        list[Annotated[str, listed(Claimant)]] | None,
        Query(description=f"One or more of {', '.join(Claimant)}."),
    ] = None,
    metric: Annotated[
        list[Annotated[str, listed(Metric)]] | None,
        Query(description=f"One or more of {', '.join(Metric)}."),
    ] = None,
    since: Annotated[dt.date | None, IsoDate, Query(description="Statements on or after.")] = None,
    until: Annotated[dt.date | None, IsoDate, Query(description="Statements on or before.")] = None,
) -> Response:
    """Official running totals beside the dataset's own figure for the same window."""
    if since and until and since > until:
        raise invalid("since", "must not be after until")
    args: dict[str, Any] = {
        "claimants": split_values("claimant", claimant, set(Claimant)),
        "metrics": split_values("metric", metric, set(Metric)),
        "since": since,
        "until": until,
    }
    return common.whole(
        request,
        ctx,
        fmt=fmt,
        filename="reconciliation",
        columns=(
            "id",
            "date",
            "claimant",
            "metric",
            "qualifier",
            "value",
            "counted_from",
            "dataset_value",
            "difference",
            "ratio",
            "sources",
            "note",
        ),
        fetch=lambda: statistics.reconciliation(ctx.session, version=ctx.at(), **args),
    )
