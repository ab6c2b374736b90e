"""GET /v1/statistics/*: the numbers newsrooms chart and researchers quote.

Each takes the filters of GET /v1/exchanges, so a summary always agrees with the list it
summarises. People returned alive and bodies of the fallen are two measures, never added
together; every numeric field names its measure and side (app.codebook.MEASURES). Sums count
stated figures only and report the events with an undisclosed figure apart. Every answer's
meta carries the coverage: after its end the dataset is not yet curated.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app import statistics
from app.answers import (
    MediatorStatsPage,
    ReconciliationPage,
    SummaryAnswer,
    TimeseriesPage,
)
from app.codebook import CUMULATIVE_PREFIX, MEASURE_FIELDS, Claimant, Interval, Metric
from app.deps import FiltersDep, FormatDep, IsoDate, ReadDep, listed, one_or_more, split_values
from app.problems import invalid
from app.routers import common
from app.routers.responses import ERRORS, LIST_FORMATS

router = APIRouter(prefix="/v1/statistics", tags=["statistics"])

FIGURE_COLUMNS = MEASURE_FIELDS
CUMULATIVE = tuple(f"{CUMULATIVE_PREFIX}{k}" for k in MEASURE_FIELDS)


@router.get(
    "/summary", operation_id="exchange_summary", response_model=SummaryAnswer, responses=ERRORS
)
def exchange_summary(request: Request, ctx: ReadDep, filters: FiltersDep) -> Response:
    """People and bodies returned to each side (apart), per kind, the last exchange and
    repatriation, the largest exchange, and the gaps between exchanges of living people."""

    def build() -> bytes:
        body = statistics.summary(ctx.session, version=ctx.at(), filters=filters)
        coverage = ctx.coverage()
        return common.envelope(
            body, {"dataset_version": ctx.version, **common.coverage_meta(coverage)}
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
    """Per-period measures, people and bodies apart, every period of the coverage (within
    since/until) with empty periods as zeros, and no period after the coverage's end."""
    columns = ("period", "start", "end", *FIGURE_COLUMNS, *(CUMULATIVE if cumulative else ()))

    def fetch() -> list[dict[str, Any]]:
        return statistics.timeseries(
            ctx.session, version=ctx.at(), filters=filters, interval=interval.value,
            cumulative=cumulative, coverage=ctx.coverage(),
        )  # fmt: skip

    def meta() -> dict[str, Any]:
        return {"interval": interval.value, "cumulative": cumulative,
                **common.coverage_meta(ctx.coverage())}  # fmt: skip

    return common.whole(
        request,
        ctx,
        fmt=fmt,
        columns=columns,
        filename=f"timeseries-{interval.value}",
        meta=meta,
        fetch=fetch,
    )


@router.get(
    "/mediators",
    operation_id="mediator_statistics",
    response_model=MediatorStatsPage,
    responses={**LIST_FORMATS, **ERRORS},
)
def mediator_statistics(
    request: Request, ctx: ReadDep, filters: FiltersDep, fmt: FormatDep
) -> Response:
    """Per mediator: the measures, people and bodies apart, and its first and last date."""
    return common.whole(
        request,
        ctx,
        fmt=fmt,
        filename="mediator-statistics",
        columns=("id", "name", *FIGURE_COLUMNS, "first_date", "last_date"),
        meta=lambda: common.coverage_meta(ctx.coverage()),
        fetch=lambda: statistics.mediators(ctx.session, version=ctx.at(), filters=filters),
    )


@router.get(
    "/reconciliation",
    operation_id="reconciliation",
    response_model=ReconciliationPage,
    responses={**LIST_FORMATS, **ERRORS},
)
def reconciliation(
    request: Request,
    ctx: ReadDep,
    fmt: FormatDep,
    claimant: Annotated[
        list[Annotated[str, listed(Claimant)]] | None,
        Query(description=one_or_more(Claimant)),
    ] = None,
    metric: Annotated[
        list[Annotated[str, listed(Metric)]] | None,
        Query(description=one_or_more(Metric)),
    ] = None,
    since: Annotated[dt.date | None, IsoDate, Query(description="Statements on or after.")] = None,
    until: Annotated[dt.date | None, IsoDate, Query(description="Statements on or before.")] = None,
) -> Response:
    """Official running totals beside the dataset's own figure counted from the same base,
    each marked within or outside the coverage."""
    if since and until and since > until:
        raise invalid("since", "must not be after until")
    args: dict[str, Any] = {
        "claimants": split_values("claimant", claimant, set(Claimant)),
        "metrics": split_values("metric", metric, set(Metric)),
        "since": since,
        "until": until,
    }

    def fetch() -> list[dict[str, Any]]:
        return statistics.reconciliation(
            ctx.session, version=ctx.at(), coverage=ctx.coverage(), **args
        )

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
            "within_coverage",
            "sources",
            "note",
        ),
        meta=lambda: common.coverage_meta(ctx.coverage()),
        fetch=fetch,
    )
