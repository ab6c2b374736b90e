"""The API's input: what curators write and the loader reads, validated with one set of
rules and messages (the answers are documented in app.answers)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
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


_REASON: TypeAdapter[str] = TypeAdapter(Reason)


def reason_problem(reason: str) -> str | None:
    """What is wrong with a change's reason written outside a request (`load --reason`, a
    reasons file), in words; None when it passes the rules of an admin write's reason."""
    try:
        _REASON.validate_python(reason)
    except ValidationError as exc:
        return error_message(exc.errors()[0])
    return None


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


def field_names(model: type[BaseModel]) -> list[str]:
    """The names a model's fields have on the wire (their alias where one is set: `from`)."""
    return [info.alias or name for name, info in model.model_fields.items()]


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


class CoverageIn(InputModel):
    """The window the curators vouch for (the dataset has one: id `dataset`)."""

    id: Literal["dataset"] = Field(default="dataset", description=field("coverage", "id"))
    from_: Annotated[dt.date, AfterValidator(check_event_date)] = Field(
        alias="from", description=field("coverage", "from")
    )
    until: Annotated[dt.date, AfterValidator(check_event_date)] = Field(
        description=field("coverage", "until")
    )
    note: Notes = Field(default="", description=field("coverage", "note"))

    @model_validator(mode="after")
    def _window(self) -> CoverageIn:
        if self.until < self.from_:
            raise ValueError("until: must not be before from")
        return self


class MovedExchangeIn(InputModel):
    """An exchange id that moved to another because the event was re-dated."""

    id: Annotated[str, StringConstraints(pattern=EXCHANGE_ID)] = Field(
        description=field("moved_exchange", "id")
    )
    moved_to: Annotated[str, StringConstraints(pattern=EXCHANGE_ID)] = Field(
        description=field("moved_exchange", "moved_to")
    )
    note: Annotated[str, text(1, 2000), NoNames] = Field(
        description=field("moved_exchange", "note")
    )

    @model_validator(mode="after")
    def _elsewhere(self) -> MovedExchangeIn:
        if self.moved_to == self.id:
            raise ValueError("moved_to: must differ from id")
        return self
