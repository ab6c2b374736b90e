"""The API's answers, as documented in OpenAPI: records, pages and the statistics.

Answers are rendered straight from SQL rows to bytes on the hot path; these models exist for
the OpenAPI document and for the tests, which check every answer against them. Every JSON read
has one envelope, `{"data": ..., "meta": {"dataset_version": V, ...}}`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from app.codebook import (
    COVERAGE_RULE,
    MEASURES,
    Claimant,
    Confidence,
    Figure,
    FigureStatus,
    Interval,
    Kind,
    Metric,
    Qualifier,
    SourceKind,
    field,
)


class FigureStatuses(BaseModel):
    ukraine_received: FigureStatus
    russia_received: FigureStatus


class Range(BaseModel):
    min: int
    max: int


class FigureRanges(BaseModel):
    ukraine_received: Range | None
    russia_received: Range | None


class ClaimPublic(BaseModel):
    """One claimant's figure for one side of one exchange."""

    id: str = Field(description=field("claim", "id"))
    exchange: str = Field(description=field("claim", "exchange"))
    claimant: Claimant = Field(description=field("claim", "claimant"))
    figure: Figure = Field(description=field("claim", "figure"))
    value: int | None = Field(description=field("claim", "value"))
    disclosed: bool = Field(description=field("claim", "disclosed"))
    sources: list[str] = Field(description=field("claim", "sources"))
    note: str = Field(description=field("claim", "note"))
    updated_at: dt.datetime = Field(description=field("claim", "updated_at"))
    revision: int = Field(description=field("claim", "revision"))


class Stage(BaseModel):
    id: str
    date: dt.date
    kind: Kind
    ukraine_received: int | None
    russia_received: int | None


class Delivered(BaseModel):
    """What the stages delivered: sums over known figures, undisclosed stages apart."""

    stages: int
    ukraine_received: int
    undisclosed_ukraine_received: int
    ukraine_received_share_of_agreed: float | None
    russia_received: int
    undisclosed_russia_received: int
    russia_received_share_of_agreed: float | None


class AgreementPublic(BaseModel):
    """A deal carried out in stages, agreed against delivered."""

    id: str = Field(description=field("agreement", "id"))
    name: str = Field(description=field("agreement", "name"))
    agreed_on: dt.date | None = Field(description=field("agreement", "agreed_on"))
    agreed_ukraine_received: int | None = Field(
        description=field("agreement", "agreed_ukraine_received")
    )
    agreed_russia_received: int | None = Field(
        description=field("agreement", "agreed_russia_received")
    )
    stages: list[Stage] = Field(description=field("agreement", "stages"))
    delivered: Delivered
    sources: list[str] = Field(description=field("agreement", "sources"))
    note: str = Field(description=field("agreement", "note"))
    updated_at: dt.datetime = Field(description=field("agreement", "updated_at"))
    revision: int = Field(description=field("agreement", "revision"))


class ExchangePublic(BaseModel):
    """One exchange as lists show it."""

    id: str = Field(description=field("exchange", "id"), examples=["2024-07-17"])
    date: dt.date = Field(description=field("exchange", "date"))
    kind: Kind = Field(description=field("exchange", "kind"))
    ukraine_received: int | None = Field(description=field("exchange", "ukraine_received"))
    russia_received: int | None = Field(description=field("exchange", "russia_received"))
    total: int | None = Field(description=field("exchange", "total"))
    mediators: list[str] = Field(description=field("exchange", "mediators"))
    ua_sequence_number: int | None = Field(description=field("exchange", "ua_sequence_number"))
    ua_categories: list[str] = Field(description=field("exchange", "ua_categories"))
    notes: str = Field(description=field("exchange", "notes"))
    confidence: Confidence = Field(description=field("exchange", "confidence"))
    sources: list[str] = Field(description=field("exchange", "sources"))
    updated_at: dt.datetime = Field(description=field("exchange", "updated_at"))
    revision: int = Field(description=field("exchange", "revision"))
    figure_status: FigureStatuses = Field(description=field("exchange", "figure_status"))
    figure_range: FigureRanges = Field(description=field("exchange", "figure_range"))
    agreements: list[str] = Field(description=field("exchange", "agreements"))


class SourcePublic(BaseModel):
    """One source as lists show it."""

    id: str = Field(description=field("source", "id"))
    url: str = Field(description=field("source", "url"))
    publisher: str = Field(description=field("source", "publisher"))
    title: str | None = Field(description=field("source", "title"))
    published: dt.date | None = Field(description=field("source", "published"))
    kind: SourceKind = Field(description=field("source", "kind"))
    language: str = Field(description=field("source", "language"))
    updated_at: dt.datetime = Field(description=field("source", "updated_at"))
    revision: int = Field(description=field("source", "revision"))


class ExchangeDetail(ExchangePublic):
    """One exchange with its sources embedded."""

    sources: list[SourcePublic] = Field(description=field("exchange", "sources"))  # type: ignore[assignment]
    claims: list[ClaimPublic] = Field(description=field("exchange", "claims"))


class SourceDetail(SourcePublic):
    """One source with the exchanges it reports."""

    exchanges: list[str] = Field(description=field("source", "exchanges"))


class MediatorPublic(BaseModel):
    id: str = Field(description=field("mediator", "id"))
    name: str = Field(description=field("mediator", "name"))
    exchanges: int = Field(description=field("mediator", "exchanges"))


class Meta(BaseModel):
    """Paging and provenance of a list answer."""

    count: int = Field(description="How many records match the filters, over all pages.")
    limit: int = Field(description="The page size asked for.")
    next_cursor: str | None = Field(
        description="Pass as cursor for the next page; null on the last page."
    )
    dataset_version: int = Field(description=field("dataset", "version"))


class ItemMeta(BaseModel):
    dataset_version: int = Field(description=field("dataset", "version"))


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    data: list[T]
    meta: Meta


class Item(BaseModel, Generic[T]):
    data: T
    meta: ItemMeta


class CoverageWindow(BaseModel):
    """The days the curators vouch for."""

    model_config = ConfigDict(populate_by_name=True)

    from_: dt.date | None = Field(alias="from", description=field("coverage", "from"))
    until: dt.date | None = Field(description=field("coverage", "until"))


class CoverageStatement(CoverageWindow):
    """The coverage, and what it means for the totals beside it, in words."""

    statement: str = Field(description=COVERAGE_RULE)


class CoverageRecord(CoverageWindow):
    """The coverage as the curators set it."""

    note: str = Field(description=field("coverage", "note"))
    updated_at: dt.datetime = Field(description=field("coverage", "updated_at"))
    revision: int = Field(description=field("coverage", "revision"))


class MovedExchange(BaseModel):
    """An exchange id that moved to another (the event was re-dated)."""

    id: str = Field(description=field("moved_exchange", "id"))
    moved_to: str = Field(description=field("moved_exchange", "moved_to"))
    note: str = Field(description=field("moved_exchange", "note"))
    updated_at: dt.datetime = Field(description=field("moved_exchange", "updated_at"))
    revision: int = Field(description=field("moved_exchange", "revision"))


class StatsMeta(ItemMeta):
    coverage: CoverageStatement


class StatsListMeta(Meta):
    coverage: CoverageStatement


class RecordDates(BaseModel):
    first_date: dt.date | None = Field(description="The first day an exchange is recorded.")
    last_date: dt.date | None = Field(description="The last day an exchange is recorded.")


class DatasetCoverage(CoverageWindow):
    note: str | None = Field(description=field("coverage", "note"))


class DatasetInfo(BaseModel):
    """The dataset as a whole."""

    name: str = Field(description=field("dataset", "name"))
    title: str
    version: int = Field(description=field("dataset", "version"))
    updated_at: dt.datetime | None = Field(description=field("dataset", "updated_at"))
    license: str = Field(description=field("dataset", "license"))
    citation: str = Field(description=field("dataset", "citation"))
    counts: dict[str, int] = Field(description="Live records per table.")
    coverage: DatasetCoverage = Field(description=field("dataset", "coverage"))
    records: RecordDates


def _measure(name: str) -> Any:
    return Field(description=MEASURES[name])


class Measures(BaseModel):
    """People returned alive and bodies of the fallen, per side, never added together; the
    undisclosed counts beside each sum (codebook.MEASURES)."""

    exchanges: int = _measure("exchanges")
    repatriations: int = _measure("repatriations")
    people_to_ukraine: int = _measure("people_to_ukraine")
    undisclosed_people_to_ukraine: int = _measure("undisclosed_people_to_ukraine")
    people_to_russia: int = _measure("people_to_russia")
    undisclosed_people_to_russia: int = _measure("undisclosed_people_to_russia")
    bodies_to_ukraine: int = _measure("bodies_to_ukraine")
    undisclosed_bodies_to_ukraine: int = _measure("undisclosed_bodies_to_ukraine")
    bodies_to_russia: int = _measure("bodies_to_russia")
    undisclosed_bodies_to_russia: int = _measure("undisclosed_bodies_to_russia")


class EventRef(BaseModel):
    id: str
    date: dt.date


class LargestExchange(EventRef):
    """The exchange of living people with the largest total (both sides' figures stated)."""

    people_to_ukraine: int = _measure("people_to_ukraine")
    people_to_russia: int = _measure("people_to_russia")


class Gap(BaseModel):
    from_: dt.date = Field(alias="from")
    to: dt.date
    days: int


class Summary(Measures):
    """The measures over the exchanges matching the filters; undisclosed is counted apart."""

    by_kind: dict[Kind, Measures] = Field(description="The same measures per kind.")
    first_date: dt.date | None = Field(description="The first event of any kind.")
    last_exchange: EventRef | None = Field(
        description="The latest exchange of living people (any kind but bodies_repatriation)."
    )
    last_repatriation: EventRef | None = Field(
        description="The latest repatriation of bodies of the fallen."
    )
    largest_exchange: LargestExchange | None
    median_gap_days: float | None = Field(
        description="Median of the day differences between consecutive exchanges of living "
        "people (date order; two on one day make a gap of 0)."
    )
    longest_gap: Gap | None = Field(
        description="The longest wait between two consecutive exchanges of living people."
    )
    mediated_exchanges: int = Field(description="Exchanges of living people with a mediator.")
    mediated_repatriations: int = Field(description="Repatriations with a mediator.")


class SummaryAnswer(BaseModel):
    data: Summary
    meta: StatsMeta


def _cumulative(name: str) -> Any:
    return Field(default=None, description=f"Running sum from the first period: {MEASURES[name]}")


class Point(Measures):
    """One period of the series; with cumulative=true also the running sums."""

    period: str = Field(examples=["2024-W29", "2024-07", "2024-Q3", "2024"])
    start: dt.date
    end: dt.date
    cumulative_exchanges: int | None = _cumulative("exchanges")
    cumulative_repatriations: int | None = _cumulative("repatriations")
    cumulative_people_to_ukraine: int | None = _cumulative("people_to_ukraine")
    cumulative_undisclosed_people_to_ukraine: int | None = _cumulative(
        "undisclosed_people_to_ukraine"
    )
    cumulative_people_to_russia: int | None = _cumulative("people_to_russia")
    cumulative_undisclosed_people_to_russia: int | None = _cumulative(
        "undisclosed_people_to_russia"
    )
    cumulative_bodies_to_ukraine: int | None = _cumulative("bodies_to_ukraine")
    cumulative_undisclosed_bodies_to_ukraine: int | None = _cumulative(
        "undisclosed_bodies_to_ukraine"
    )
    cumulative_bodies_to_russia: int | None = _cumulative("bodies_to_russia")
    cumulative_undisclosed_bodies_to_russia: int | None = _cumulative(
        "undisclosed_bodies_to_russia"
    )


class TimeseriesMeta(StatsListMeta):
    interval: Interval
    cumulative: bool


class TimeseriesPage(BaseModel):
    data: list[Point]
    meta: TimeseriesMeta


class MediatorStats(Measures):
    id: str
    name: str
    first_date: dt.date | None
    last_date: dt.date | None


class MediatorStatsPage(BaseModel):
    data: list[MediatorStats]
    meta: StatsListMeta


class ReconciliationRow(BaseModel):
    """A stated running total beside the dataset's own figure for the same window."""

    id: str = Field(description=field("official_total", "id"))
    date: dt.date = Field(description=field("official_total", "date"))
    claimant: Claimant = Field(description=field("official_total", "claimant"))
    metric: Metric = Field(description=field("official_total", "metric"))
    qualifier: Qualifier = Field(description=field("official_total", "qualifier"))
    value: int = Field(description=field("official_total", "value"))
    counted_from: dt.date | None = Field(description=field("official_total", "counted_from"))
    dataset_value: int | None = Field(
        description="The dataset's own count of the same thing over the same window (from "
        "counted_from, else 2022-02-24, to the statement's date); null for a metric the "
        "dataset cannot count."
    )
    difference: int | None = Field(description="dataset_value - value.")
    ratio: float | None = Field(description="dataset_value / value.")
    within_coverage: bool | None = Field(
        description="False when the statement is dated outside the coverage (the dataset is "
        "not yet curated there, so the comparison says nothing); null before a coverage is set."
    )
    sources: list[str]
    note: str


class ReconciliationPage(BaseModel):
    data: list[ReconciliationRow]
    meta: StatsListMeta


class ProblemError(BaseModel):
    name: str = Field(description="The parameter or field that was wrong.")
    location: str = Field(description="Where it was: query, path, header, body, file.")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemError] | None = None

    model_config = ConfigDict(json_schema_extra={"additionalProperties": True})


class ChangePublic(BaseModel):
    """One accepted change to one record."""

    seq: int = Field(description="Position in the changelog.")
    version: int = Field(description="The dataset version the change made.")
    created_at: dt.datetime
    actor: str = Field(description="The curator's token name, or loader / synth.")
    action: str = Field(description="create, update, delete or restore.")
    record_type: str
    record_id: str
    reason: str | None
    before: dict[str, Any] | None = Field(description="The record before (null on create).")
    after: dict[str, Any] | None = Field(description="The record after (null on delete).")


class Codebook(BaseModel):
    """Every enum value, measure and field, defined in words."""

    kinds: dict[str, str]
    confidences: dict[str, str]
    source_kinds: dict[str, str]
    claimants: dict[str, str]
    figures: dict[str, str]
    figure_statuses: dict[str, str]
    qualifiers: dict[str, str]
    metrics: dict[str, str]
    intervals: dict[str, str]
    sorts: dict[str, str]
    measures: dict[str, str]
    fields: dict[str, dict[str, str]]
    rules: dict[str, str]


class Deleted(BaseModel):
    id: str
    record_type: str
    deleted: bool = True


def dump(value: Any) -> Any:
    """Model to plain data, for tests and fixtures."""
    return value.model_dump(mode="json", by_alias=True) if isinstance(value, BaseModel) else value
