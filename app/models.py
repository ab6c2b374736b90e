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


LIVE_COVERING = ("valid_to", "date", "id", "kind", "ukraine_received", "russia_received",
                 "total", "pk")  # fmt: skip
# Kind first, for the summary: each kind is one range scan (no sort by kind). Not led by
# valid_to, so the planner never takes it for a plain list (it then sorted 100k rows by date).
KIND_LIVE = ("kind", "valid_to", "date", "ukraine_received", "russia_received", "total", "pk")
# By primary key, for the joins from the mediator links: a link's event is found in this
# narrow index instead of its whole row (per-mediator statistics, 94 -> 70 ms on 100,000
# events; the mediated counts of the summary, 44 -> 29 ms).
PK_MEASURES = ("pk", "valid_to", "date", "kind", "ukraine_received", "russia_received")


class Exchange(Versioned, table=True):
    __tablename__ = "exchange"
    __table_args__ = (
        Index(None, "id", "valid_from", unique=True),
        # Live rows in date order with every column the statistics read: the aggregates are
        # index-only scans, and a page of the default sort walks it in order.
        Index("ix_exchange_live_covering", *LIVE_COVERING),
        Index("ix_exchange_kind_live", *KIND_LIVE),
        Index("ix_exchange_pk_measures", *PK_MEASURES),
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
    __table_args__ = (
        Index(None, "source_id", "exchange_pk"),
        # A page's links in order, from the index alone (no sort, no table lookups).
        Index(None, "exchange_pk", "position", "source_id"),
    )
    pk: int | None = Field(default=None, primary_key=True)
    exchange_pk: int = Field(
        sa_column=Column(Integer, ForeignKey("exchange.pk", ondelete="CASCADE"), nullable=False)
    )
    source_id: str = Field(max_length=80)
    position: int


class ExchangeMediator(SQLModel, table=True):
    """A mediator named by one state of an exchange."""

    __tablename__ = "exchange_mediator"
    __table_args__ = (
        Index(None, "mediator_id", "exchange_pk"),
        # A page's links in order, from the index alone (no sort, no table lookups).
        Index(None, "exchange_pk", "position", "mediator_id"),
    )
    pk: int | None = Field(default=None, primary_key=True)
    # Indexed alone as well: the summary counts mediated events by walking this narrow index
    # in exchange_pk order (18 ms on 100,000 events; through the wider one the planner chose
    # another way round, 70 ms).
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


class Claim(Versioned, table=True):
    """What one claimant said about one figure of one exchange."""

    __tablename__ = "claim"
    __table_args__ = (
        Index(None, "id", "valid_from", unique=True),
        # Covering: a page's disclosed live claims without visiting the table.
        Index(None, "exchange_id", "figure", "valid_to", "disclosed", "value"),
        Index(None, "valid_to"),
        CheckConstraint(
            "claimant IN ('ua_official','ru_official','mediator','media','other')",
            name="claimant",
        ),
        CheckConstraint("figure IN ('ukraine_received','russia_received')", name="figure"),
        CheckConstraint(
            "(disclosed AND value IS NOT NULL AND value >= 0) OR (NOT disclosed AND value IS NULL)",
            name="value_disclosed",
        ),
    )
    exchange_id: str = Field(max_length=80)
    claimant: str = Field(max_length=20)
    figure: str = Field(max_length=20)
    value: int | None = None
    disclosed: bool
    note: str = Field(default="", sa_column=Column(Text, nullable=False))


class ClaimSource(SQLModel, table=True):
    __tablename__ = "claim_source"
    __table_args__ = (Index(None, "source_id", "claim_pk"),)
    pk: int | None = Field(default=None, primary_key=True)
    claim_pk: int = Field(
        sa_column=Column(
            Integer, ForeignKey("claim.pk", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    source_id: str = Field(max_length=80)
    position: int


class Agreement(Versioned, table=True):
    """A deal carried out in stages, each stage an exchange."""

    __tablename__ = "agreement"
    __table_args__ = (Index(None, "id", "valid_from", unique=True), Index(None, "valid_to"))
    name: str = Field(max_length=300)
    agreed_on: dt.date | None = None
    agreed_ukraine_received: int | None = None
    agreed_russia_received: int | None = None
    note: str = Field(default="", sa_column=Column(Text, nullable=False))


class AgreementStage(SQLModel, table=True):
    __tablename__ = "agreement_stage"
    __table_args__ = (Index(None, "exchange_id", "agreement_pk"),)
    pk: int | None = Field(default=None, primary_key=True)
    agreement_pk: int = Field(
        sa_column=Column(
            Integer, ForeignKey("agreement.pk", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    exchange_id: str = Field(max_length=80)
    position: int


class AgreementSource(SQLModel, table=True):
    __tablename__ = "agreement_source"
    __table_args__ = (Index(None, "source_id", "agreement_pk"),)
    pk: int | None = Field(default=None, primary_key=True)
    agreement_pk: int = Field(
        sa_column=Column(
            Integer, ForeignKey("agreement.pk", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    source_id: str = Field(max_length=80)
    position: int


class OfficialTotal(Versioned, table=True):
    """A running total as an official (or outlet) stated it on a day."""

    __tablename__ = "official_total"
    __table_args__ = (
        Index(None, "id", "valid_from", unique=True),
        Index(None, "valid_to", "date"),
        CheckConstraint("qualifier IN ('exact','more_than','about')", name="qualifier"),
    )
    date: dt.date
    claimant: str = Field(max_length=20)
    metric: str = Field(max_length=40)
    value: int
    qualifier: str = Field(max_length=20)
    counted_from: dt.date | None = None
    note: str = Field(default="", sa_column=Column(Text, nullable=False))


class OfficialTotalSource(SQLModel, table=True):
    __tablename__ = "official_total_source"
    __table_args__ = (Index(None, "source_id", "official_total_pk"),)
    pk: int | None = Field(default=None, primary_key=True)
    official_total_pk: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("official_total.pk", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    source_id: str = Field(max_length=80)
    position: int


class IdempotencyKey(SQLModel, table=True):
    """The first answer to a create sent with Idempotency-Key, replayed to its retries."""

    __tablename__ = "idempotency_key"
    __table_args__ = (Index(None, "actor", "key", unique=True),)
    pk: int | None = Field(default=None, primary_key=True)
    actor: str = Field(max_length=80)
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    status: int
    headers: str = Field(sa_column=Column(Text, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: dt.datetime


class Coverage(Versioned, table=True):
    """The window the curators vouch for (one record, id "dataset"): from `from_date` to
    `until_date` every known event is recorded; no record after it means "not yet curated"."""

    __tablename__ = "coverage"
    __table_args__ = (
        Index(None, "id", "valid_from", unique=True),
        Index(None, "valid_to"),
        CheckConstraint("from_date <= until_date", name="window"),
    )
    from_date: dt.date
    until_date: dt.date
    note: str = Field(default="", sa_column=Column(Text, nullable=False))


class MovedExchange(Versioned, table=True):
    """An exchange id that is no more because the event was re-dated (the id is its date):
    reads of the old id answer with where it went."""

    __tablename__ = "moved_exchange"
    __table_args__ = (
        Index(None, "id", "valid_from", unique=True),
        Index(None, "valid_to", "id"),
    )
    moved_to: str = Field(max_length=80)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
