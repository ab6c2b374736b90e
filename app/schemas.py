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
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from app.codebook import FIRST_DATE, Confidence, Kind, SourceKind, field

SLUG = r"^[a-z0-9][a-z0-9-]*[a-z0-9]$"
EXCHANGE_ID = r"^\d{4}-\d{2}-\d{2}(-[b-z])?$"
Slug = Annotated[str, StringConstraints(pattern=SLUG, min_length=2, max_length=80)]
Text = Annotated[str, StringConstraints(max_length=2000)]


def _no_control(value: str) -> str:
    if re.search(r"[\x00-\x08\x0b-\x1f\x7f]", value):
        raise ValueError("must not contain control characters")
    return value


Clean = Annotated[str, AfterValidator(_no_control)]


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def check_event_date(value: dt.date) -> dt.date:
    """Dates run from 2022-02-24 to today (UTC)."""
    if value < dt.date.fromisoformat(FIRST_DATE):
        raise ValueError(f"must be on or after {FIRST_DATE}")
    if value > today():
        raise ValueError("must not be in the future")
    return value


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
    ukraine_received: Annotated[int, Field(ge=0, le=1_000_000)] | None = Field(
        default=None, description=field("exchange", "ukraine_received")
    )
    russia_received: Annotated[int, Field(ge=0, le=1_000_000)] | None = Field(
        default=None, description=field("exchange", "russia_received")
    )
    mediators: list[Slug] = Field(
        default_factory=list, max_length=20, description=field("exchange", "mediators")
    )
    ua_sequence_number: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        default=None, description=field("exchange", "ua_sequence_number")
    )
    ua_categories: list[
        Annotated[Clean, StringConstraints(min_length=1, max_length=100, pattern=r"^[^;]+$")]
    ] = Field(default_factory=list, max_length=50, description=field("exchange", "ua_categories"))
    notes: Annotated[Clean, StringConstraints(max_length=2000)] = Field(
        default="", description=field("exchange", "notes")
    )
    confidence: Confidence = Field(description=field("exchange", "confidence"))
    sources: list[Slug] = Field(
        min_length=1, max_length=100, description=field("exchange", "sources")
    )

    @model_validator(mode="after")
    def _id_matches_date(self) -> ExchangeIn:
        if self.id is not None and not self.id.startswith(self.date.isoformat()):
            raise ValueError(f"id {self.id!r} must start with the date {self.date.isoformat()}")
        for name in ("mediators", "sources", "ua_categories"):
            values = getattr(self, name)
            if len(set(values)) != len(values):
                raise ValueError(f"{name} lists the same value twice")
        return self


class SourceIn(InputModel):
    """A source as a curator writes it."""

    id: Slug = Field(description=field("source", "id"))
    url: Annotated[
        Clean, StringConstraints(pattern=r"^https?://[^\s/$.?#][^\s]*$", max_length=2000)
    ] = Field(description=field("source", "url"))
    publisher: Annotated[Clean, StringConstraints(min_length=1, max_length=200)] = Field(
        description=field("source", "publisher")
    )
    title: Annotated[Clean, StringConstraints(min_length=1, max_length=500)] | None = Field(
        default=None, description=field("source", "title")
    )
    published: dt.date | None = Field(default=None, description=field("source", "published"))
    kind: SourceKind = Field(description=field("source", "kind"))
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] = Field(
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
    name: Annotated[Clean, StringConstraints(min_length=1, max_length=200)] = Field(
        description=field("mediator", "name")
    )


# ---- public shapes -------------------------------------------------------------------------


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
