"""Tables. Every curated record keeps each of its states as a row valid between two versions.

A state is live at dataset version V when `valid_from <= V` and (`valid_to` is null or
`valid_to > V`). A write never updates a state in place: it closes the live row and inserts the
next one, so any earlier version can be read back with the same query (docs/design.md).
Link rows (an exchange's sources and mediators) belong to one state of their parent and are
written with it, never changed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, MetaData, Table, Text
from sqlmodel import Field, SQLModel

# One naming convention, so that constraint names are identical on SQLite and PostgreSQL and
# Alembic's batch mode can find them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a table model (for SQL that reads columns, not objects)."""
    return model.__table__  # type: ignore[attr-defined,no-any-return]


class Versioned(SQLModel):
    """Columns every versioned state row carries."""

    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(max_length=80)
    valid_from: int
    valid_to: int | None = Field(default=None)
    revision: int
    updated_at: dt.datetime


class DatasetMeta(SQLModel, table=True):
    """The one row holding the dataset's current version; every write bumps it first."""

    __tablename__ = "dataset_meta"
    id: int = Field(default=1, primary_key=True)
    name: str = Field(max_length=80)
    version: int = Field(default=0)
    updated_at: dt.datetime


class Mediator(Versioned, table=True):
    __tablename__ = "mediator"
    __table_args__ = (
        Index(None, "id", "valid_from", unique=True),
        Index(None, "valid_to"),
    )
    name: str = Field(max_length=200)


class Source(Versioned, table=True):
    __tablename__ = "source"
    __table_args__ = (
        Index(None, "id", "valid_from", unique=True),
        Index(None, "valid_to", "id"),
        CheckConstraint("kind IN ('official','media','social','ngo','dataset')", name="kind"),
    )
    url: str = Field(max_length=2000)
    publisher: str = Field(max_length=200)
    title: str | None = Field(default=None, max_length=500)
    published: dt.date | None = None
    kind: str = Field(max_length=20)
    language: str = Field(max_length=2)


class Exchange(Versioned, table=True):
    __tablename__ = "exchange"
    __table_args__ = (
        Index(None, "id", "valid_from", unique=True),
        Index(None, "valid_to", "date", "id"),
        Index(None, "date", "id"),
        Index(None, "total", "id"),
        CheckConstraint(
            "kind IN ('pow_exchange','bodies_repatriation','civilian_release','mixed')",
            name="kind",
        ),
        CheckConstraint("confidence IN ('high','medium','low')", name="confidence"),
        CheckConstraint(
            "(ukraine_received IS NULL OR ukraine_received >= 0) AND "
            "(russia_received IS NULL OR russia_received >= 0)",
            name="counts_non_negative",
        ),
    )
    date: dt.date
    kind: str = Field(max_length=30)
    ukraine_received: int | None = None
    russia_received: int | None = None
    # Kept on the row (written by curation) so that sorting and min_total use an index.
    total: int | None = None
    ua_sequence_number: int | None = None
    # Stored joined with ";" (validation forbids ";" inside a category); served as a list.
    ua_categories: str = Field(default="", sa_column=Column(Text, nullable=False))
    notes: str = Field(default="", sa_column=Column(Text, nullable=False))
    confidence: str = Field(max_length=10)


class ExchangeSource(SQLModel, table=True):
    """A source cited by one state of an exchange."""

    __tablename__ = "exchange_source"
    __table_args__ = (Index(None, "source_id", "exchange_pk"),)
    pk: int | None = Field(default=None, primary_key=True)
    exchange_pk: int = Field(
        sa_column=Column(
            Integer, ForeignKey("exchange.pk", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    source_id: str = Field(max_length=80)
    position: int


class ExchangeMediator(SQLModel, table=True):
    """A mediator named by one state of an exchange."""

    __tablename__ = "exchange_mediator"
    __table_args__ = (Index(None, "mediator_id", "exchange_pk"),)
    pk: int | None = Field(default=None, primary_key=True)
    exchange_pk: int = Field(
        sa_column=Column(
            Integer, ForeignKey("exchange.pk", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    mediator_id: str = Field(max_length=80)
    position: int


class Change(SQLModel, table=True):
    """The audit log and public changelog: one row per record changed by an accepted write."""

    __tablename__ = "change"
    __table_args__ = (Index(None, "version", "seq"), Index(None, "record_type", "record_id"))
    seq: int | None = Field(default=None, primary_key=True)
    version: int
    created_at: dt.datetime
    actor: str = Field(max_length=80)
    action: str = Field(max_length=20)
    record_type: str = Field(max_length=30)
    record_id: str = Field(max_length=80)
    before: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    after: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reason: str | None = Field(default=None, max_length=1000)
