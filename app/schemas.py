"""The API's shapes: admin/loader input (validated) and public output (documented).

Output is rendered straight from SQL rows to bytes on the hot path; these public models exist
for the OpenAPI document and for tests, which check every answer against them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.config import JsonDict

from app.codebook import (
    FIRST_DATE,
    Claimant,
    Confidence,
    Figure,
    FigureStatus,
    Kind,
    Metric,
    Qualifier,
    SourceKind,
    field,
)
from app.privacy import find_name

SLUG = r"^[a-z0-9][a-z0-9-]*[a-z0-9]$"
EXCHANGE_ID = r"^\d{4}-\d{2}-\d{2}(-[b-z])?$"
Slug = Annotated[str, StringConstraints(pattern=SLUG, min_length=2, max_length=80)]
Text = Annotated[str, StringConstraints(max_length=2000)]

# Free text: tabs and line breaks, no other control characters. The rules are patterns so
# that the OpenAPI document states them; PATTERN_MESSAGES says each in words.
#
# Nor may free text start with = + - @ (or a tab or a carriage return): a spreadsheet opening
# a CSV answer or the export reads such a cell as a formula (OWASP "CSV Injection"), so it is
# refused where text comes in and never reaches a CSV cell (SECURITY.md, Spreadsheets). The
# rule is on the first character after the whitespace the input models strip (str.strip()'s
# set, spelled out: JSON Schema and pydantic differ on \s), so the pattern says what is kept.
SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
FORMULA = "=+-@"  # with a tab and a carriage return: what a spreadsheet takes for a formula
_FIRST = r"=+\-@\x00-\x20\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
TEXT = rf"^[{SPACE}]*(?:[^{_FIRST}][^\x00-\x08\x0b-\x1f\x7f]*)?$"
# The same for a text that may not be empty: something is left once the spaces are stripped.
TEXT1 = rf"^[{SPACE}]*[^{_FIRST}][^\x00-\x08\x0b-\x1f\x7f]*$"
CATEGORY = rf"^[{SPACE}]*[^;{_FIRST}][^;\x00-\x1f\x7f]*$"
# No space or control character (C0, DEL, C1), spelled out: JSON Schema and pydantic differ on \s.
URL = r"^https?://[^\x00-\x20\x7f-\x9f/$.?#][^\x00-\x20\x7f-\x9f]*$"
LANGUAGE = r"^[a-z]{2}$"
# The search parameter q: at most 10 words separated by spaces, no control characters.
Q_WORD = r"[^ \x00-\x1f\x7f]+"
Q = rf"^ *(?:{Q_WORD}(?: +{Q_WORD}){{0,9}} *)?$"
PATTERN_MESSAGES = {
    Q: "at most 10 words separated by spaces, no control characters",
    SLUG: "must be lowercase letters, digits and inner hyphens",
    LANGUAGE: "must be a two-letter ISO 639-1 code in lowercase",
    TEXT: "must not start with =, +, - or @ (a spreadsheet would take it for a formula) nor "
    "contain control characters other than tabs and line breaks",
    TEXT1: "must not start with =, +, - or @ (a spreadsheet would take it for a formula) nor "
    "contain control characters other than tabs and line breaks",
    CATEGORY: "must not start with =, +, - or @ (a spreadsheet would take it for a formula) "
    "nor contain ';' or control characters",
    URL: "must be an http(s) URL without spaces or control characters",
}
UNIQUE: JsonDict = {"uniqueItems": True}


def _no_names(value: str) -> str:
    name = find_name(value)
    if name is not None:
        raise ValueError(
            f'looks like a personal name ("{name}"): captives are never named; '
            "reword it (see data/name_patterns.txt)"
        )
    return value


def text(min_length: int, max_length: int, pattern: str | None = None) -> StringConstraints:
    """Free text (TEXT, or TEXT1 when it may not be empty) or `pattern`, bounded."""
    if pattern is None:
        pattern = TEXT1 if min_length else TEXT
    return StringConstraints(min_length=min_length, max_length=max_length, pattern=pattern)


# Free text a curator writes is patterned, bounded, and never a captive's name.
NoNames = AfterValidator(_no_names)
# A change's reason (a query parameter of every admin write, and `load --reason`): the text
# rules, stated in the schema by hand because a validator hides a query's pattern from it.
REASON_MAX = 1000
Reason = Annotated[
    str,
    StringConstraints(max_length=REASON_MAX, pattern=TEXT),
    NoNames,
    WithJsonSchema({"type": "string", "maxLength": REASON_MAX, "pattern": TEXT}),
]


def _integral(value: Any) -> Any:
    """JSON Schema counts 12.0 as an integer, so a client may send it: take it as 12."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Integral = BeforeValidator(_integral)
Count = Annotated[int, Field(ge=0, le=1_000_000), Integral]
Sources = Annotated[list[Slug], Field(min_length=1, max_length=100, json_schema_extra=UNIQUE)]
Notes = Annotated[str, text(0, 2000), NoNames]
Url = Annotated[str, StringConstraints(pattern=URL, max_length=2000)]


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def check_event_date(value: dt.date) -> dt.date:
    """Dates run from 2022-02-24 to today (UTC)."""
    if value < dt.date.fromisoformat(FIRST_DATE):
        raise ValueError(f"must be on or after {FIRST_DATE}")
    if value > today():
        raise ValueError("must not be in the future")
    return value


def error_message(err: Any) -> str:
    """One pydantic error in words: a rule written as a pattern is said as PATTERN_MESSAGES."""
    message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    if err.get("type") == "string_pattern_mismatch":
        message = PATTERN_MESSAGES.get((err.get("ctx") or {}).get("pattern", ""), message)
    return message


def describe_error(err: Any) -> tuple[str, str]:
    """(field, message) for one pydantic error. A whole-record rule names its field by
    starting its message with "field: ", so the loader and the API can both point at it."""
    loc = [str(p) for p in err.get("loc", ())]
    message = error_message(err)
    if not loc:
        name, sep, rest = message.partition(": ")
        if sep and re.fullmatch(r"[a-z_]+", name):
            return name, rest
        return "row", message
    return ".".join(loc), message


def no_repeats(model: BaseModel, *names: str) -> None:
    """The rule behind each list's uniqueItems, with the list named in the error."""
    for name in names:
        values = getattr(model, name)
        if len(set(values)) != len(values):
            raise ValueError(f"{name}: lists the same value twice")


class InputModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ExchangeIn(InputModel):
    """An exchange as a curator writes it (the CSV loader validates each row with this model)."""

    id: Annotated[str, StringConstraints(pattern=EXCHANGE_ID)] | None = Field(
        default=None, description=field("exchange", "id") + " Derived from the date when omitted."
    )
    date: Annotated[dt.date, AfterValidator(check_event_date)] = Field(
        description=field("exchange", "date")
    )
    kind: Kind = Field(description=field("exchange", "kind"))
    ukraine_received: Count | None = Field(
        default=None, description=field("exchange", "ukraine_received")
    )
    russia_received: Count | None = Field(
        default=None, description=field("exchange", "russia_received")
    )
    mediators: list[Slug] = Field(
        default_factory=list,
        max_length=20,
        description=field("exchange", "mediators"),
        json_schema_extra=UNIQUE,
    )
    ua_sequence_number: Annotated[int, Field(ge=1, le=100_000), Integral] | None = Field(
        default=None, description=field("exchange", "ua_sequence_number")
    )
    ua_categories: list[Annotated[str, text(1, 100, CATEGORY), NoNames]] = Field(
        default_factory=list,
        max_length=50,
        description=field("exchange", "ua_categories"),
        json_schema_extra=UNIQUE,
    )
    notes: Notes = Field(default="", description=field("exchange", "notes"))
    confidence: Confidence = Field(description=field("exchange", "confidence"))
    sources: Sources = Field(description=field("exchange", "sources"))

    @model_validator(mode="after")
    def _id_matches_date(self) -> ExchangeIn:
        if self.id is not None and not self.id.startswith(self.date.isoformat()):
            raise ValueError(f"id: must start with the date {self.date.isoformat()}")
        no_repeats(self, "mediators", "sources", "ua_categories")
        return self


class SourceIn(InputModel):
    """A source as a curator writes it."""

    id: Slug = Field(description=field("source", "id"))
    url: Url = Field(description=field("source", "url"))
    publisher: Annotated[str, text(1, 200), NoNames] = Field(
        description=field("source", "publisher")
    )
    title: Annotated[str, text(1, 500), NoNames] | None = Field(
        default=None, description=field("source", "title")
    )
    published: dt.date | None = Field(default=None, description=field("source", "published"))
    kind: SourceKind = Field(description=field("source", "kind"))
    language: Annotated[str, StringConstraints(pattern=LANGUAGE)] = Field(
        description=field("source", "language")
    )

    @field_validator("published")
    @classmethod
    def _not_future(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and value > today():
            raise ValueError("must not be in the future")
        return value


class MediatorIn(InputModel):
    """A mediator of the fixed vocabulary."""

    id: Slug = Field(description=field("mediator", "id"))
    name: Annotated[str, text(1, 200), NoNames] = Field(description=field("mediator", "name"))


CLAIM_ID = r"^\d{4}-\d{2}-\d{2}(-[b-z])?\.(ukraine_received|russia_received)\.[a-z_]+(-\d+)?$"
TOTAL_ID = r"^\d{4}-\d{2}-\d{2}\.[a-z_]+\.[a-z_]+(-\d+)?$"


# value is stated exactly when disclosed is true (the default): said in JSON Schema as well.
DISCLOSED_RULE: JsonDict = {
    "if": {"properties": {"disclosed": {"const": False}}, "required": ["disclosed"]},
    "then": {"properties": {"value": {"type": "null"}}},
    "else": {"properties": {"value": {"type": "integer"}}, "required": ["value"]},
}


class ClaimIn(InputModel):
    """One claimant's figure for one side of one exchange."""

    model_config = ConfigDict(json_schema_extra=DISCLOSED_RULE)

    id: Annotated[str, StringConstraints(pattern=CLAIM_ID)] | None = Field(
        default=None, description=field("claim", "id") + " Derived when omitted."
    )
    exchange: Annotated[str, StringConstraints(pattern=EXCHANGE_ID)] = Field(
        description=field("claim", "exchange")
    )
    claimant: Claimant = Field(description=field("claim", "claimant"))
    figure: Figure = Field(description=field("claim", "figure"))
    value: Count | None = Field(default=None, description=field("claim", "value"))
    disclosed: bool = Field(default=True, description=field("claim", "disclosed"))
    sources: Sources = Field(description=field("claim", "sources"))
    note: Notes = Field(default="", description=field("claim", "note"))

    @model_validator(mode="after")
    def _value_matches_disclosed(self) -> ClaimIn:
        if self.disclosed and self.value is None:
            raise ValueError("value: is required when disclosed is true")
        if not self.disclosed and self.value is not None:
            raise ValueError("value: must be empty when disclosed is false")
        if self.id is not None and not self.id.startswith(f"{self.exchange}.{self.figure}."):
            raise ValueError(f"id: must start with {self.exchange}.{self.figure}.")
        no_repeats(self, "sources")
        return self


class AgreementIn(InputModel):
    """A deal carried out in stages."""

    id: Slug = Field(description=field("agreement", "id"))
    name: Annotated[str, text(1, 300), NoNames] = Field(description=field("agreement", "name"))
    agreed_on: Annotated[dt.date, AfterValidator(check_event_date)] | None = Field(
        default=None, description=field("agreement", "agreed_on")
    )
    agreed_ukraine_received: Count | None = Field(
        default=None, description=field("agreement", "agreed_ukraine_received")
    )
    agreed_russia_received: Count | None = Field(
        default=None, description=field("agreement", "agreed_russia_received")
    )
    stages: list[Annotated[str, StringConstraints(pattern=EXCHANGE_ID)]] = Field(
        default_factory=list,
        max_length=100,
        description=field("agreement", "stages"),
        json_schema_extra=UNIQUE,
    )

    sources: Sources = Field(description=field("agreement", "sources"))
    note: Notes = Field(default="", description=field("agreement", "note"))

    @model_validator(mode="after")
    def _no_repeats(self) -> AgreementIn:
        no_repeats(self, "stages", "sources")
        return self


class OfficialTotalIn(InputModel):
    """A running total as stated on a day."""

    id: Annotated[str, StringConstraints(pattern=TOTAL_ID)] | None = Field(
        default=None, description=field("official_total", "id") + " Derived when omitted."
    )
    date: Annotated[dt.date, AfterValidator(check_event_date)] = Field(
        description=field("official_total", "date")
    )
    claimant: Claimant = Field(description=field("official_total", "claimant"))
    metric: Metric = Field(description=field("official_total", "metric"))
    value: Count = Field(description=field("official_total", "value"))
    qualifier: Qualifier = Field(description=field("official_total", "qualifier"))
    counted_from: Annotated[dt.date, AfterValidator(check_event_date)] | None = Field(
        default=None, description=field("official_total", "counted_from")
    )
    sources: Sources = Field(description=field("official_total", "sources"))
    note: Notes = Field(default="", description=field("official_total", "note"))

    @model_validator(mode="after")
    def _window(self) -> OfficialTotalIn:
        if self.counted_from is not None and self.counted_from > self.date:
            raise ValueError("counted_from: must not be after date")
        prefix = f"{self.date.isoformat()}.{self.claimant}.{self.metric}"
        if self.id is not None and not self.id.startswith(prefix):
            raise ValueError(f"id: must start with {prefix}")
        return self


# ---- public shapes -------------------------------------------------------------------------


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


class Coverage(BaseModel):
    first_date: dt.date | None
    last_date: dt.date | None


class DatasetInfo(BaseModel):
    """The dataset as a whole."""

    name: str = Field(description=field("dataset", "name"))
    title: str
    version: int = Field(description=field("dataset", "version"))
    updated_at: dt.datetime | None = Field(description=field("dataset", "updated_at"))
    license: str = Field(description=field("dataset", "license"))
    citation: str = Field(description=field("dataset", "citation"))
    counts: dict[str, int] = Field(description="Live records per table.")
    coverage: Coverage
    meta: ItemMeta


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


def dump(value: Any) -> Any:
    """Model to plain data, for tests and fixtures."""
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


class KindFigures(BaseModel):
    exchanges: int
    ukraine_received: int = Field(description="Sum over known figures.")
    russia_received: int = Field(description="Sum over known figures.")
    total: int = Field(description="ukraine_received + russia_received (known figures).")
    undisclosed_ukraine_received: int = Field(description="Events whose figure is unknown.")
    undisclosed_russia_received: int = Field(description="Events whose figure is unknown.")


class Largest(BaseModel):
    id: str
    date: dt.date
    total: int


class Gap(BaseModel):
    from_: dt.date = Field(alias="from")
    to: dt.date
    days: int


class Summary(KindFigures):
    """Totals over the exchanges matching the filters; unknown figures are counted apart."""

    by_kind: dict[Kind, KindFigures] = Field(description="The same figures per kind.")
    first_date: dt.date | None
    last_date: dt.date | None
    largest: Largest | None = Field(description="The event with the largest known total.")
    median_gap_days: float | None = Field(
        description="Median of the day differences between consecutive events."
    )
    longest_gap: Gap | None
    mediated_share: float | None = Field(description="Fraction of events with a mediator.")
    dataset_version: int = Field(description=field("dataset", "version"))
    meta: ItemMeta


class Point(BaseModel):
    """One period of the series; with cumulative=true also the running sums."""

    period: str = Field(examples=["2024-W29", "2024-07", "2024-Q3", "2024"])
    start: dt.date
    end: dt.date
    exchanges: int
    ukraine_received: int
    russia_received: int
    undisclosed_ukraine_received: int = Field(
        description="Events in the period whose figure is unknown: the sum leaves them out."
    )
    undisclosed_russia_received: int
    cumulative_exchanges: int | None = None
    cumulative_ukraine_received: int | None = None
    cumulative_russia_received: int | None = None


class TimeseriesPage(BaseModel):
    interval: str
    cumulative: bool
    data: list[Point]
    meta: Meta


class MediatorStats(BaseModel):
    id: str
    name: str
    exchanges: int
    ukraine_received: int
    russia_received: int
    undisclosed_ukraine_received: int
    undisclosed_russia_received: int
    first_date: dt.date | None
    last_date: dt.date | None


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
        description="The dataset's own count of the same thing over the same window; null "
        "for a metric the dataset cannot count."
    )
    difference: int | None = Field(description="dataset_value - value.")
    ratio: float | None = Field(description="dataset_value / value.")
    sources: list[str]
    note: str


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
    """Every enum value and field, defined in words."""

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
    fields: dict[str, dict[str, str]]
    rules: dict[str, str]
    meta: ItemMeta
