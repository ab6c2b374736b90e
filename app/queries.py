"""Every read and aggregate, in SQL. Functions take the session first and a dataset version;
they never raise HTTP errors and never commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from app.curation import live_clause
from app.models import (
    Change,
    DatasetMeta,
    Exchange,
    ExchangeMediator,
    ExchangeSource,
    Mediator,
    Source,
    table_of,
)

E = table_of(Exchange)
S = table_of(Source)
M = table_of(Mediator)
ES = table_of(ExchangeSource)
EM = table_of(ExchangeMediator)
META = table_of(DatasetMeta)

EXCHANGE_COLUMNS = (
    "id",
    "date",
    "kind",
    "ukraine_received",
    "russia_received",
    "total",
    "mediators",
    "ua_sequence_number",
    "ua_categories",
    "notes",
    "confidence",
    "sources",
    "updated_at",
    "revision",
)
SOURCE_COLUMNS = (
    "id",
    "url",
    "publisher",
    "title",
    "published",
    "kind",
    "language",
    "updated_at",
    "revision",
)


def dataset_state(session: Session) -> tuple[int, dt.datetime | None]:
    """The current dataset version (0 before the first load) and when it was written."""
    row = session.execute(select(META.c.version, META.c.updated_at).where(META.c.id == 1)).first()
    return (int(row[0]), row[1]) if row else (0, None)


def version_time(session: Session, version: int) -> dt.datetime | None:
    """When `version` was written (from the changelog)."""
    c = table_of(Change)
    return session.execute(select(func.max(c.c.created_at)).where(c.c.version == version)).scalar()


@dataclass(frozen=True)
class ExchangeFilters:
    """The filters of GET /v1/exchanges, shared by the statistics."""

    since: dt.date | None = None
    until: dt.date | None = None
    kinds: tuple[str, ...] = ()
    mediators: tuple[str, ...] = ()
    source: str | None = None
    confidences: tuple[str, ...] = ()
    min_total: int | None = None
    words: tuple[str, ...] = field(default=())


def _like(term: str) -> str:
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def exchange_conditions(f: ExchangeFilters, version: int) -> list[ColumnElement[bool]]:
    """WHERE clauses selecting the exchanges live at `version` that match `f`."""
    conds: list[ColumnElement[bool]] = [live_clause(E, version)]
    if f.since:
        conds.append(E.c.date >= f.since)
    if f.until:
        conds.append(E.c.date <= f.until)
    if f.kinds:
        conds.append(E.c.kind.in_(f.kinds))
    if f.confidences:
        conds.append(E.c.confidence.in_(f.confidences))
    if f.min_total is not None:
        conds.append(E.c.total >= f.min_total)
    if f.mediators:
        conds.append(exists().where(EM.c.exchange_pk == E.c.pk, EM.c.mediator_id.in_(f.mediators)))
    if f.source:
        conds.append(exists().where(ES.c.exchange_pk == E.c.pk, ES.c.source_id == f.source))
    for word in f.words:
        pattern = _like(word)
        conds.append(
            or_(
                func.lower(E.c.notes).like(pattern, escape="\\"),
                func.lower(E.c.ua_categories).like(pattern, escape="\\"),
            )
        )
    return conds


SORT_KEYS: dict[str, tuple[Any, bool]] = {
    # name -> (key expression, descending)
    "date": (E.c.date, False),
    "-date": (E.c.date, True),
    "total": (func.coalesce(E.c.total, -1), False),
    "-total": (func.coalesce(E.c.total, -1), True),
}


def sort_value(sort: str, row: dict[str, Any]) -> Any:
    """The sort key of a rendered row, as the cursor stores it."""
    if sort.lstrip("-") == "date":
        return row["date"].isoformat() if isinstance(row["date"], dt.date) else row["date"]
    return -1 if row["total"] is None else row["total"]


def _keyset(sort: str, after: tuple[Any, str]) -> ColumnElement[bool]:
    key, desc = SORT_KEYS[sort]
    value, last_id = after
    if sort.lstrip("-") == "date":
        value = dt.date.fromisoformat(value)
    if desc:
        return or_(key < value, and_(key == value, E.c.id < last_id))
    return or_(key > value, and_(key == value, E.c.id > last_id))


def _exchange_rows(session: Session, q: Select[Any]) -> list[dict[str, Any]]:
    """Rendered exchange rows with their mediators and sources: three queries in all."""
    rows = [dict(r) for r in session.execute(q).mappings()]
    if not rows:
        return rows
    pks = [r.pop("pk") for r in rows]
    by_pk = dict(zip(pks, rows, strict=True))
    for r in rows:
        r["mediators"], r["sources"] = [], []
        r["ua_categories"] = [c for c in r["ua_categories"].split(";") if c]
    for table, col, name in ((EM, EM.c.mediator_id, "mediators"), (ES, ES.c.source_id, "sources")):
        links = select(table.c.exchange_pk, col).where(table.c.exchange_pk.in_(pks))
        for pk, value in session.execute(links.order_by(table.c.exchange_pk, table.c.position)):
            by_pk[pk][name].append(value)
    return [{c: r[c] for c in EXCHANGE_COLUMNS} for r in rows]


def _exchange_select() -> Select[Any]:
    cols = [E.c.pk] + [E.c[c] for c in EXCHANGE_COLUMNS if c not in ("mediators", "sources")]
    return select(*cols)


def list_exchanges(
    session: Session,
    *,
    version: int,
    filters: ExchangeFilters,
    sort: str = "-date",
    limit: int = 50,
    after: tuple[Any, str] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page of exchanges matching `filters` at `version`, and how many match in all."""
    conds = exchange_conditions(filters, version)
    count = session.execute(select(func.count()).select_from(E).where(*conds)).scalar_one()
    key, desc = SORT_KEYS[sort]
    q = _exchange_select().where(*conds)
    if after is not None:
        q = q.where(_keyset(sort, after))
    order = (key.desc(), E.c.id.desc()) if desc else (key.asc(), E.c.id.asc())
    rows = _exchange_rows(session, q.order_by(*order).limit(limit))
    return rows, int(count)


def get_exchange(session: Session, exchange_id: str, *, version: int) -> dict[str, Any] | None:
    """One exchange at `version`, its sources embedded as objects."""
    q = _exchange_select().where(E.c.id == exchange_id, live_clause(E, version))
    rows = _exchange_rows(session, q)
    if not rows:
        return None
    row = rows[0]
    found = {s["id"]: s for s in _source_rows(session, S.c.id.in_(row["sources"]), version)}
    row["sources"] = [found[sid] for sid in row["sources"] if sid in found]
    return row


def _source_rows(
    session: Session, where: Any, version: int, limit: int | None = None
) -> list[dict[str, Any]]:
    q = select(*[S.c[c] for c in SOURCE_COLUMNS]).where(where, live_clause(S, version))
    q = q.order_by(S.c.id)
    if limit is not None:
        q = q.limit(limit)
    return [dict(r) for r in session.execute(q).mappings()]


@dataclass(frozen=True)
class SourceFilters:
    kinds: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    exchange: str | None = None
    words: tuple[str, ...] = ()


def _source_conditions(f: SourceFilters, version: int) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [live_clause(S, version)]
    if f.kinds:
        conds.append(S.c.kind.in_(f.kinds))
    if f.languages:
        conds.append(S.c.language.in_(f.languages))
    if f.exchange:
        conds.append(
            S.c.id.in_(
                select(ES.c.source_id)
                .join(E, E.c.pk == ES.c.exchange_pk)
                .where(E.c.id == f.exchange, live_clause(E, version))
            )
        )
    for word in f.words:
        pattern = _like(word)
        conds.append(
            or_(
                func.lower(S.c.publisher).like(pattern, escape="\\"),
                func.lower(func.coalesce(S.c.title, "")).like(pattern, escape="\\"),
            )
        )
    return conds


def list_sources(
    session: Session,
    *,
    version: int,
    filters: SourceFilters,
    limit: int = 50,
    after: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page of sources in id order, and how many match in all."""
    conds = _source_conditions(filters, version)
    count = session.execute(select(func.count()).select_from(S).where(*conds)).scalar_one()
    if after is not None:
        conds.append(S.c.id > after)
    return _source_rows(session, and_(*conds), version, limit), int(count)


def get_source(session: Session, source_id: str, *, version: int) -> dict[str, Any] | None:
    """One source at `version` with the ids of the exchanges it reports."""
    rows = _source_rows(session, S.c.id == source_id, version)
    if not rows:
        return None
    row = rows[0]
    q = (
        select(E.c.id)
        .join(ES, ES.c.exchange_pk == E.c.pk)
        .where(ES.c.source_id == source_id, live_clause(E, version))
        .order_by(E.c.date, E.c.id)
    )
    row["exchanges"] = list(session.execute(q).scalars())
    return row


def list_mediators(session: Session, *, version: int) -> list[dict[str, Any]]:
    """Every mediator with the number of exchanges naming it, in one grouped query."""
    counts = (
        select(EM.c.mediator_id, func.count().label("n"))
        .join(E, E.c.pk == EM.c.exchange_pk)
        .where(live_clause(E, version))
        .group_by(EM.c.mediator_id)
        .subquery()
    )
    q = (
        select(M.c.id, M.c.name, func.coalesce(counts.c.n, 0).label("exchanges"))
        .outerjoin(counts, counts.c.mediator_id == M.c.id)
        .where(live_clause(M, version))
        .order_by(M.c.id)
    )
    return [dict(r) for r in session.execute(q).mappings()]


def dataset_counts(session: Session, *, version: int) -> dict[str, Any]:
    """Live records per table and the dates the exchanges cover."""
    first, last, n = session.execute(
        select(func.min(E.c.date), func.max(E.c.date), func.count()).where(live_clause(E, version))
    ).one()
    sources = session.execute(
        select(func.count()).select_from(S).where(live_clause(S, version))
    ).scalar_one()
    mediators = session.execute(
        select(func.count()).select_from(M).where(live_clause(M, version))
    ).scalar_one()
    return {
        "counts": {"exchanges": int(n), "sources": int(sources), "mediators": int(mediators)},
        "coverage": {"first_date": first, "last_date": last},
    }


def known_ids(session: Session, table: Any, ids: Sequence[str], version: int) -> set[str]:
    q = select(table.c.id).where(table.c.id.in_(ids), live_clause(table, version))
    return set(session.execute(q).scalars())
