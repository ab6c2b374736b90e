"""Every read, in SQL. Functions take the session first and the dataset version to read at
(None: the current version, read inside the session's one snapshot, which lets the live-row
indexes answer); they never raise HTTP errors and never commit."""

from __future__ import annotations

import array
import bisect
import datetime as dt
import functools
import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, func, or_, select

from app.curation import live_clause
from app.db import READ, Reads
from app.http import Record
from app.models import (
    Agreement,
    AgreementSource,
    AgreementStage,
    Change,
    Claim,
    ClaimSource,
    Coverage,
    DatasetMeta,
    Exchange,
    ExchangeMediator,
    ExchangeSource,
    Mediator,
    MovedExchange,
    OfficialTotal,
    OfficialTotalSource,
    Source,
    table_of,
)

E = table_of(Exchange)
S = table_of(Source)
M = table_of(Mediator)
ES = table_of(ExchangeSource)
EM = table_of(ExchangeMediator)
META = table_of(DatasetMeta)
C = table_of(Claim)
CS = table_of(ClaimSource)
A = table_of(Agreement)
AST = table_of(AgreementStage)
AS = table_of(AgreementSource)
OT = table_of(OfficialTotal)
OTS = table_of(OfficialTotalSource)
COV = table_of(Coverage)
MOVED = table_of(MovedExchange)
FIGURES = ("ukraine_received", "russia_received")

# Stored columns of an exchange, then what a list row adds from claims and agreements.
STORED_COLUMNS = (
    "id", "date", "kind", "ukraine_received", "russia_received", "total", "mediators",
    "ua_sequence_number", "ua_categories", "notes", "confidence", "sources", "updated_at",
    "revision",
)  # fmt: skip
EXCHANGE_COLUMNS = (*STORED_COLUMNS, "figure_status", "figure_range", "agreements")
# CSV: figures with their status beside them, lists joined with ";".
EXCHANGE_CSV_COLUMNS = (
    "id", "date", "kind", "ukraine_received", "ukraine_received_status", "russia_received",
    "russia_received_status", "total", "mediators", "ua_sequence_number", "ua_categories",
    "notes", "confidence", "sources", "agreements", "updated_at", "revision",
)  # fmt: skip
CLAIM_COLUMNS = (
    "id", "exchange", "claimant", "figure", "value", "disclosed", "sources", "note",
    "updated_at", "revision",
)  # fmt: skip
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


def dataset_state(session: Reads) -> tuple[int, dt.datetime | None]:
    """The current dataset version (0 before the first load) and when it was written.

    Every read asks this first, so it is sent as fixed SQL (no statement to build and
    compile); the time comes back as the column type would give it: in UTC, with its zone
    (SQLite hands back the text SQLAlchemy stored, PostgreSQL the session's zone). A read
    session reads one snapshot, so it asks once (a page's counts ask again for the key)."""
    kept = session.info.get(_STATE)
    if kept is not None:
        return kept  # type: ignore[no-any-return]
    row = session.connection().exec_driver_sql(_STATE_SQL).first()
    state: tuple[int, dt.datetime | None] = (0, None)
    if row is not None:
        at = dt.datetime.fromisoformat(row[1]) if isinstance(row[1], str) else row[1]
        at = at.replace(tzinfo=dt.UTC) if at.utcoffset() is None else at.astimezone(dt.UTC)
        state = (int(row[0]), at)
    if session.info.get(READ):
        session.info[_STATE] = state
    return state


_STATE = "pow_exchanges.dataset_state"


_STATE_SQL = "SELECT version, updated_at FROM dataset_meta WHERE id = 1"


def version_time(session: Reads, version: int) -> dt.datetime | None:
    """When `version` was written (from the changelog)."""
    c = table_of(Change)
    q = select(func.max(c.c.created_at)).where(c.c.version == version)
    at: dt.datetime | None = session.execute(q).scalar()
    return at


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
    statuses: tuple[str, ...] = ()


def _like(term: str) -> str:
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


Params = dict[str, Any]


def exchange_params(f: ExchangeFilters, version: int | None) -> Params:
    """The values `f` and `version` bind, by name; which names are present (with
    `f.statuses`) is the shape of the conditions, and their values are all that differs
    between two requests of one shape."""
    p: Params = {}
    if version is not None:
        p["as_of"] = version
    if f.since:
        p["since"] = f.since
    if f.until:
        p["until"] = f.until
    if f.kinds:
        p["kinds"] = list(f.kinds)
    if f.confidences:
        p["confidences"] = list(f.confidences)
    if f.min_total is not None:
        p["min_total"] = f.min_total
    if f.mediators:
        p["mediators"] = list(f.mediators)
    if f.source:
        p["source"] = f.source
    for i, word in enumerate(f.words):
        p[f"word{i}"] = _like(word)
    return p


def _bind(p: Params, name: str) -> Any:
    return bindparam(name, p[name], expanding=isinstance(p[name], list))


def _live(table: Any, p: Params) -> ColumnElement[bool]:
    """live_clause with the version bound by name (see exchange_params)."""
    live: ColumnElement[bool] = live_clause(table, p.get("as_of"), bind_as="as_of")
    return live


def exchange_conditions(f: ExchangeFilters, version: int | None) -> list[ColumnElement[bool]]:
    """WHERE clauses selecting the exchanges live at `version` that match `f`."""
    return _conditions(exchange_params(f, version), f.statuses)


def _conditions(p: Params, statuses: tuple[str, ...]) -> list[ColumnElement[bool]]:
    """The conditions of exchange_params' values: built from `p` and `statuses` alone, so a
    statement built once per shape answers any request of that shape (see list_exchanges)."""
    conds: list[ColumnElement[bool]] = [_live(E, p)]
    if "since" in p:
        conds.append(E.c.date >= _bind(p, "since"))
    if "until" in p:
        conds.append(E.c.date <= _bind(p, "until"))
    if "kinds" in p:
        conds.append(E.c.kind.in_(_bind(p, "kinds")))
    if "confidences" in p:
        conds.append(E.c.confidence.in_(_bind(p, "confidences")))
    if "min_total" in p:
        conds.append(E.c.total >= _bind(p, "min_total"))
    if "mediators" in p:
        # An alias, so the EXISTS stays correlated to the exchange even inside a query that
        # itself selects from exchange_mediator (the per-mediator statistics).
        em = EM.alias("em_filter")
        conds.append(
            exists().where(em.c.exchange_pk == E.c.pk, em.c.mediator_id.in_(_bind(p, "mediators")))
        )
    if "source" in p:
        conds.append(
            exists().where(ES.c.exchange_pk == E.c.pk, ES.c.source_id == _bind(p, "source"))
        )
    for name in [k for k in p if k.startswith("word")]:
        pattern = _bind(p, name)
        conds.append(
            or_(
                func.lower(E.c.notes).like(pattern, escape="\\"),
                func.lower(E.c.ua_categories).like(pattern, escape="\\"),
            )
        )
    if statuses:
        conds.append(or_(*[_status_condition(st, fig, p) for st in statuses for fig in FIGURES]))
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


def _keyset(sort: str, p: Params) -> ColumnElement[bool]:
    """Rows after the cursor's (`after_key`, `after_id`) in `sort` order."""
    key, desc = SORT_KEYS[sort]
    value, last_id = _bind(p, "after_key"), _bind(p, "after_id")
    if desc:
        return or_(key < value, and_(key == value, E.c.id < last_id))
    return or_(key > value, and_(key == value, E.c.id > last_id))


def figure_status(best: int | None, values: Sequence[int]) -> tuple[str, dict[str, int] | None]:
    """The status of one side's figure given its best value and the disclosed claims.

    The same rule as `_status_condition` in SQL: undisclosed when the best value is null;
    disputed when a claim differs from it; consistent with two or more agreeing claims;
    single_source otherwise. The range spans the claims and the best value.
    """
    known = [*values, *([] if best is None else [best])]
    span = {"min": min(known), "max": max(known)} if known else None
    if best is None:
        return "undisclosed", span
    if any(v != best for v in values):
        return "disputed", span
    return ("consistent" if len(values) >= 2 else "single_source"), span


def _status_condition(status: str, figure: str, p: Params) -> ColumnElement[bool]:
    """SQL for "this side of the exchange has `status`" (see `figure_status`).

    Written as uncorrelated IN subqueries over the claims (few) rather than per-event
    lookups, so a filtered page over many events stays one index walk.
    """
    best = E.c[figure]
    if status == "undisclosed":
        return best.is_(None)
    other = E.alias("e2")
    claim = (C.c.figure == figure, C.c.disclosed.is_(True), _live(C, p))
    differing = (
        select(C.c.exchange_id)
        .join(other, and_(other.c.id == C.c.exchange_id, _live(other, p)))
        .where(*claim, C.c.value != other.c[figure])
    )
    disputed = E.c.id.in_(differing)
    if status == "disputed":
        return and_(best.is_not(None), disputed)
    many = E.c.id.in_(
        select(C.c.exchange_id).where(*claim).group_by(C.c.exchange_id).having(func.count() >= 2)
    )
    agreeing = and_(best.is_not(None), ~disputed)
    return and_(agreeing, many) if status == "consistent" else and_(agreeing, ~many)


# What a page of exchanges adds to its rows, in statements whose shape never changes: written
# as SQL once per dialect, page size and kind of version, and sent to the driver as they are.
# Through SQLAlchemy's compiler each cost about 0.2 ms a page (the expanding IN list is
# re-rendered on every call), more than the database took to answer all of them.
# Each: the SQL, with {keys} for the page's keys and {live} for the versioned table's live
# rule (written after the keys, so the version's two parameters follow them), or None when
# the table is not versioned (the links belong to one state of an exchange).
_LINKED: dict[str, tuple[str, str | None]] = {
    "mediators": ("SELECT exchange_pk, mediator_id FROM exchange_mediator "
                  "WHERE exchange_pk IN ({keys}) ORDER BY exchange_pk, position", None),
    "sources": ("SELECT exchange_pk, source_id FROM exchange_source "
                "WHERE exchange_pk IN ({keys}) ORDER BY exchange_pk, position", None),
    "claims": ("SELECT c.exchange_id, c.figure, c.value FROM claim c "
               "WHERE c.exchange_id IN ({keys}) AND c.disclosed AND {live}", "c"),
    "agreements": ("SELECT s.exchange_id, a.id FROM agreement_stage s "
                   "JOIN agreement a ON a.pk = s.agreement_pk "
                   "WHERE s.exchange_id IN ({keys}) AND {live} ORDER BY a.id", "a"),
}  # fmt: skip


@functools.lru_cache(maxsize=256)
def _linked_sql(name: str, paramstyle: str, n: int, pinned: bool) -> str:
    sql, versioned = _LINKED[name]
    mark = "?" if paramstyle == "qmark" else "%s"
    t = versioned or ""
    live = f"{t}.valid_from <= {mark} AND ({t}.valid_to IS NULL OR {t}.valid_to > {mark})"
    return sql.format(keys=", ".join([mark] * n), live=live if pinned else f"{t}.valid_to IS NULL")


def _linked(session: Reads, name: str, keys: list[Any], version: int | None) -> Sequence[Any]:
    conn = session.connection()
    pinned = version is not None and _LINKED[name][1] is not None
    sql = _linked_sql(name, conn.dialect.paramstyle, len(keys), pinned)
    params = (*keys, version, version) if pinned else tuple(keys)
    return conn.exec_driver_sql(sql, params).fetchall()


def _exchange_rows(
    session: Reads, q: Select[Any], version: int | None, params: Params | None = None
) -> tuple[list[dict[str, Any]], int | None]:
    """The rendered exchange rows of the states `q` selects (their pk, and the count of all
    matches as a second column when it counts), in its order, and that count.

    A page already rendered at this dataset version (in a read session, see _kept_rows) is
    that one statement; otherwise six whatever the page size: the states' columns, then their
    mediators, sources, claims and agreements (see _LINKED).
    """
    found_rows = session.execute(q, params).all()
    if not found_rows:
        return [], None
    count = found_rows[0][1] if len(found_rows[0]) > 1 else None
    pks = [r[0] for r in found_rows]
    store = _kept_rows(session, version)
    with _ROWS_LOCK:
        found = {pk: store[pk] for pk in pks if pk in store}
        for pk in found:  # least recently used go first
            store.move_to_end(pk)
    missing = [pk for pk in pks if pk not in found]
    if missing:
        stored = session.execute(_exchange_select().where(E.c.pk.in_(missing))).mappings()
        made = _render_rows(session, {r["pk"]: dict(r) for r in stored}, version)
        found.update(made)
        with _ROWS_LOCK:
            store.update(made)
            while len(store) > _ROWS_KEPT:
                store.popitem(last=False)
    # The kept rows themselves: read-only to callers (the single view copies the one it
    # changes), which is most of what keeping them saves.
    return [found[pk] for pk in pks], count


def _render_rows(
    session: Reads, by_pk: dict[int, dict[str, Any]], version: int | None
) -> dict[int, dict[str, Any]]:
    """The public rows of these exchange states (pk -> row): their lists from the link rows,
    each side's figure status from the claims, and the agreements, at `version`."""
    pks = list(by_pk)
    rows = list(by_pk.values())
    by_id = {r["id"]: r for r in rows}
    claimed: dict[tuple[str, str], list[int]] = {}
    for r in rows:
        r["mediators"], r["sources"], r["agreements"] = [], [], []
        r["ua_categories"] = [c for c in r["ua_categories"].split(";") if c]
    for name in ("mediators", "sources"):
        for pk, value in _linked(session, name, pks, None):
            by_pk[pk][name].append(value)
    ids = list(by_id)
    for eid, fig, value in _linked(session, "claims", ids, version):
        claimed.setdefault((eid, fig), []).append(value)
    for eid, aid in _linked(session, "agreements", ids, version):
        by_id[eid]["agreements"].append(aid)
    for r in rows:
        status, span = {}, {}
        for fig in FIGURES:
            status[fig], span[fig] = figure_status(r[fig], claimed.get((r["id"], fig), []))
        r["figure_status"], r["figure_range"] = status, span
    return {pk: Record((c, r[c]) for c in EXCHANGE_COLUMNS) for pk, r in by_pk.items()}


# Rendered rows kept per (database, dataset version): a state's row (its pk) never changes,
# and what a row adds from other records (claims, agreements) is fixed at one version, so a
# (version, pk) renders the same row for good. A page of rows already seen is then the page
# statement alone: a date window moved along a dashboard's axis mostly shows rows seen. Only
# read sessions keep rows: a write session sees a version not yet committed (and perhaps
# never: a rolled-back write's number is used again).
_ROWS: weakref.WeakKeyDictionary[Any, tuple[int, OrderedDict[int, dict[str, Any]]]] = (
    weakref.WeakKeyDictionary()
)
_ROWS_KEPT = 4096  # rows per database (a few MB): the shipped dataset is 150
_ROWS_LOCK = threading.Lock()


def _kept_rows(session: Reads, version: int | None) -> OrderedDict[int, dict[str, Any]]:
    """The rows kept for this session's database at `version` (None: the snapshot's current
    one): the newest version's only, so a write lets the old rows go at once; anything else
    gets a store of its own that nobody keeps."""
    if not session.info.get(READ):
        return OrderedDict()
    number = version if version is not None else dataset_state(session)[0]
    engine = session.get_bind()
    with _ROWS_LOCK:
        kept = _ROWS.get(engine)
        if kept is None or kept[0] < number:
            kept = _ROWS[engine] = (number, OrderedDict())
        if kept[0] != number:  # an earlier version, pinned: rendered, not kept
            return OrderedDict()
        return kept[1]


def _exchange_select() -> Select[Any]:
    cols = [E.c.pk] + [E.c[c] for c in STORED_COLUMNS if c not in ("mediators", "sources")]
    return select(*cols)


def csv_row(row: dict[str, Any]) -> dict[str, Any]:
    """An exchange row flattened for CSV: each figure's status in the column beside it."""
    out = dict(row)
    for fig in FIGURES:
        out[f"{fig}_status"] = row["figure_status"][fig]
    return out


def list_exchanges(
    session: Reads,
    *,
    version: int | None,
    filters: ExchangeFilters,
    sort: str = "-date",
    limit: int = 50,
    after: tuple[Any, str] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page of exchanges matching `filters` at `version`, and how many match in all.

    The count comes from the matches per day (DayCounts) unless the filters search words,
    whose combinations rarely repeat: then from the page's own statement."""
    by_day = None if filters.words else day_counts(session, filters, version)
    p = exchange_params(filters, version)
    if after is not None:
        value, p["after_id"] = after
        p["after_key"] = dt.date.fromisoformat(value) if sort.lstrip("-") == "date" else value
    p["limit"] = limit
    shape = (tuple(p), filters.statuses, sort, by_day is None)
    q = _PAGES.get(shape)
    if q is None:
        q = _PAGES[shape] = _page_statement(p, filters.statuses, sort, counted=by_day is None)
        if len(_PAGES) > 512:  # shapes are few; a flood of odd ones must not grow this forever
            _PAGES.clear()
    rows, count = _exchange_rows(session, q, version, p)
    if by_day is not None:
        count = by_day.between(filters.since, filters.until)
    elif not rows:
        # None match (a first page holds the first matches), or the cursor is past the last
        # match and no row carries the count.
        counted = select(func.count()).select_from(E).where(*_conditions(p, filters.statuses))
        count = 0 if after is None else session.execute(counted).scalar_one()
    return rows, int(count or 0)


@dataclass(frozen=True)
class DayCounts:
    """How many exchanges match one set of filters (all but the dates) on each day, at one
    dataset version: the count of any since/until window is then two binary searches.

    Counting is the bulk of a page's cost on a large dataset (SQLite counts row by row: about
    4 ms for 50,000 events), and dashboards mostly move the window, not the other filters. A
    dataset version never changes once written, so the counts of (database, version, filters)
    hold for good; a write makes a new version and new keys."""

    days: array.array[int]  # the days with a match, as ordinals, ascending
    running: array.array[int]  # matches up to and including each of those days

    @classmethod
    def of(cls, rows: Sequence[Any]) -> DayCounts:
        days, running, total = array.array("i"), array.array("q"), 0
        for day, n in rows:
            total += int(n)
            days.append(as_date(day).toordinal())
            running.append(total)
        return cls(days, running)

    def between(self, since: dt.date | None, until: dt.date | None) -> int:
        lo = bisect.bisect_left(self.days, since.toordinal()) if since else 0
        hi = bisect.bisect_right(self.days, until.toordinal()) if until else len(self.days)
        if hi <= lo:
            return 0
        return self.running[hi - 1] - (self.running[lo - 1] if lo else 0)


def as_date(value: Any) -> dt.date:
    """A date from what a database hands back for one (a date, a timestamp, or the text SQLite
    returns for a computed expression)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# Per engine (so two databases at the same version number never share counts), the most
# recently used filter sets; each holds a few kilobytes per thousand days.
_DAY_COUNTS: weakref.WeakKeyDictionary[Any, OrderedDict[tuple[Any, ...], DayCounts]] = (
    weakref.WeakKeyDictionary()
)
_DAY_COUNTS_KEPT = 32
_DAY_COUNTS_LOCK = threading.Lock()


def day_counts(session: Reads, filters: ExchangeFilters, version: int | None) -> DayCounts:
    """The DayCounts of `filters` (dates aside) at `version`, made by one grouped scan the
    first time and then kept."""
    number = version if version is not None else dataset_state(session)[0]
    rest = replace(filters, since=None, until=None)
    key = (number, rest)
    engine = session.get_bind()
    with _DAY_COUNTS_LOCK:
        kept = _DAY_COUNTS.setdefault(engine, OrderedDict())
        found = kept.get(key)
        if found is not None:
            kept.move_to_end(key)
            return found
    p = exchange_params(rest, version)
    q = (
        select(E.c.date, func.count())
        .where(*_conditions(p, rest.statuses))
        .group_by(E.c.date)
        .order_by(E.c.date)
    )
    made = DayCounts.of(session.execute(q).all())
    with _DAY_COUNTS_LOCK:
        kept[key] = made
        while len(kept) > _DAY_COUNTS_KEPT:
            kept.popitem(last=False)
    return made


# Page statements by shape (which parameters are bound, the statuses, the sort): built once,
# then run with each request's values. Building one cost more than the database took to run
# it (about 0.3 ms), and a statement reused keeps its cache key, so SQLAlchemy looks its
# compiled form up without walking it again.
_PAGES: dict[tuple[Any, ...], Select[Any]] = {}


def _page_statement(
    p: Params, statuses: tuple[str, ...], sort: str, *, counted: bool
) -> Select[Any]:
    conds = _conditions(p, statuses)
    key, desc = SORT_KEYS[sort]
    q = select(E.c.pk).where(*conds)
    if counted:
        # The count rides on the page's own statement (SQLite and PostgreSQL both run an
        # uncorrelated scalar subquery once): one statement to build and send instead of two.
        count = select(func.count()).select_from(E).where(*conds).scalar_subquery()
        q = q.add_columns(count.label("_count"))

    if "after_key" in p:
        q = q.where(_keyset(sort, p))
    order = (key.desc(), E.c.id.desc()) if desc else (key.asc(), E.c.id.asc())
    return q.order_by(*order).limit(_bind(p, "limit"))


def get_exchange_revision(session: Reads, exchange_id: str, *, version: int | None) -> int | None:
    """The exchange's revision at `version`, or None when it is not live then."""
    q = select(E.c.revision).where(E.c.id == exchange_id, live_clause(E, version))
    revision: int | None = session.execute(q).scalar()
    return revision


def get_exchange(session: Reads, exchange_id: str, *, version: int | None) -> dict[str, Any] | None:
    """One exchange at `version`, its sources embedded as objects."""
    q = select(E.c.pk).where(E.c.id == exchange_id, live_clause(E, version))
    rows, _ = _exchange_rows(session, q, version)
    if not rows:
        return None
    row = dict(rows[0])  # a copy: it embeds its sources and claims below
    found = {s["id"]: s for s in _source_rows(session, S.c.id.in_(row["sources"]), version)}
    row["sources"] = [found[sid] for sid in row["sources"] if sid in found]
    only = ClaimFilters(exchange=exchange_id)
    row["claims"], _ = list_claims(session, version=version, filters=only, limit=None)
    return row


def _source_rows(
    session: Reads, where: Any, version: int | None, limit: int | None = None
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


def _source_conditions(f: SourceFilters, version: int | None) -> list[ColumnElement[bool]]:
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
    session: Reads,
    *,
    version: int | None,
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


def get_source(session: Reads, source_id: str, *, version: int | None) -> dict[str, Any] | None:
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


def list_mediators(session: Reads, *, version: int | None) -> list[dict[str, Any]]:
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


def dataset_counts(session: Reads, *, version: int | None) -> dict[str, Any]:
    """Live records per table, and the first and last day an exchange is recorded."""
    first, last = session.execute(
        select(func.min(E.c.date), func.max(E.c.date)).where(live_clause(E, version))
    ).one()
    tables = {"exchanges": E, "sources": S, "mediators": M, "claims": C, "agreements": A,
              "official_totals": OT, "moved_exchanges": MOVED}  # fmt: skip
    counts = {
        name: int(session.execute(
            select(func.count()).select_from(t).where(live_clause(t, version))
        ).scalar_one())
        for name, t in tables.items()
    }  # fmt: skip
    return {"counts": counts, "records": {"first_date": first, "last_date": last}}


COVERAGE_ID = "dataset"


def get_coverage(session: Reads, *, version: int | None) -> dict[str, Any] | None:
    """The coverage the curators set (from, until, note), or None before any is set."""
    q = select(
        COV.c.from_date, COV.c.until_date, COV.c.note, COV.c.updated_at, COV.c.revision
    ).where(COV.c.id == COVERAGE_ID, live_clause(COV, version))
    row = session.execute(q).first()
    if row is None:
        return None
    return {"from": as_date(row.from_date), "until": as_date(row.until_date), "note": row.note,
            "updated_at": row.updated_at, "revision": row.revision}  # fmt: skip


def coverage_statement(coverage: Mapping[str, Any] | None) -> str:
    """The coverage in words, for every answer that shows totals."""
    if coverage is None:
        return "The curators have not set the coverage yet: no date is vouched for."
    until = coverage["until"].isoformat()
    return (
        f"Curated from {coverage['from'].isoformat()} to {until}. No record after {until} "
        "means not yet curated, not that no exchange took place."
    )


def get_moved_exchange(
    session: Reads, exchange_id: str, *, version: int | None
) -> dict[str, Any] | None:
    """Where an exchange id that is no more went (the event was re-dated), or None."""
    q = select(
        MOVED.c.id, MOVED.c.moved_to, MOVED.c.note, MOVED.c.updated_at, MOVED.c.revision
    ).where(MOVED.c.id == exchange_id, live_clause(MOVED, version))
    row = session.execute(q).mappings().first()
    return None if row is None else dict(row)


CHANGE_COLUMNS = ("seq", "version", "created_at", "actor", "action", "record_type",
                  "record_id", "reason", "before", "after")  # fmt: skip


def list_changes(
    session: Reads, *, upto: int, since_version: int | None, limit: int, after: int | None
) -> tuple[list[dict[str, Any]], int]:
    """The changelog, oldest first, up to dataset version `upto`."""
    ch = table_of(Change)
    conds: list[ColumnElement[bool]] = [ch.c.version <= upto]
    if since_version is not None:
        conds.append(ch.c.version > since_version)
    count = session.execute(select(func.count()).select_from(ch).where(*conds)).scalar_one()
    if after is not None:
        conds.append(ch.c.seq > after)
    q = select(*[ch.c[c] for c in CHANGE_COLUMNS]).where(*conds).order_by(ch.c.seq).limit(limit)
    rows = []
    for r in session.execute(q).mappings():
        row = dict(r)
        for key in ("before", "after"):
            row[key] = orjson.loads(row[key]) if row[key] else None
        rows.append(row)
    return rows, int(count)


def known_ids(session: Reads, table: Any, ids: Sequence[str], version: int | None) -> set[str]:
    q = select(table.c.id).where(table.c.id.in_(ids), live_clause(table, version))
    return set(session.execute(q).scalars())


@dataclass(frozen=True)
class ClaimFilters:
    claim_id: str | None = None
    exchange: str | None = None
    claimants: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()
    disputed: bool | None = None


def list_claims(
    session: Reads,
    *,
    version: int | None,
    filters: ClaimFilters,
    limit: int | None = 50,
    after: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Claims in id order (exchange, figure, claimant), and how many match in all."""
    conds: list[ColumnElement[bool]] = [live_clause(C, version)]
    if filters.claim_id:
        conds.append(C.c.id == filters.claim_id)
    if filters.exchange:
        conds.append(C.c.exchange_id == filters.exchange)

    if filters.claimants:
        conds.append(C.c.claimant.in_(filters.claimants))
    if filters.figures:
        conds.append(C.c.figure.in_(filters.figures))
    if filters.disputed is not None:
        at = {} if version is None else {"as_of": version}
        sides = [and_(C.c.figure == fig, _status_condition("disputed", fig, at)) for fig in FIGURES]

        disputed = exists(
            select(E.c.pk).where(E.c.id == C.c.exchange_id, live_clause(E, version), or_(*sides))
        )
        conds.append(disputed if filters.disputed else ~disputed)
    count = session.execute(select(func.count()).select_from(C).where(*conds)).scalar_one()
    if after is not None:
        conds.append(C.c.id > after)
    cols = [
        C.c.pk, C.c.id, C.c.exchange_id.label("exchange"), C.c.claimant, C.c.figure,
        C.c.value, C.c.disclosed, C.c.note, C.c.updated_at, C.c.revision,
    ]  # fmt: skip
    q = select(*cols).where(*conds).order_by(C.c.id)
    if limit is not None:
        q = q.limit(limit)
    rows = [dict(r) for r in session.execute(q).mappings()]
    if rows:
        by_pk = {r.pop("pk"): r for r in rows}
        for r in rows:
            r["sources"], r["disclosed"] = [], bool(r["disclosed"])
        links = select(CS.c.claim_pk, CS.c.source_id).where(CS.c.claim_pk.in_(list(by_pk)))
        for pk, sid in session.execute(links.order_by(CS.c.claim_pk, CS.c.position)):
            by_pk[pk]["sources"].append(sid)
    return [{c: r[c] for c in CLAIM_COLUMNS} for r in rows], int(count)


AGREEMENT_COLUMNS = (
    "id", "name", "agreed_on", "agreed_ukraine_received", "agreed_russia_received", "stages",
    "delivered", "sources", "note", "updated_at", "revision",
)  # fmt: skip


def list_agreements(
    session: Reads, *, version: int | None, agreement_id: str | None = None
) -> list[dict[str, Any]]:
    """Agreements with their stages and what the stages delivered: three queries in all."""
    conds = [live_clause(A, version)]
    if agreement_id is not None:
        conds.append(A.c.id == agreement_id)
    cols = [
        A.c.pk, A.c.id, A.c.name, A.c.agreed_on, A.c.agreed_ukraine_received,
        A.c.agreed_russia_received, A.c.note, A.c.updated_at, A.c.revision,
    ]  # fmt: skip
    q = select(*cols).where(*conds).order_by(A.c.agreed_on, A.c.id)
    rows = [dict(r) for r in session.execute(q).mappings()]
    if not rows:
        return rows
    by_pk = {r.pop("pk"): r for r in rows}
    for r in rows:
        r["stages"], r["sources"] = [], []
    sources = select(AS.c.agreement_pk, AS.c.source_id).where(AS.c.agreement_pk.in_(list(by_pk)))
    for pk, sid in session.execute(sources.order_by(AS.c.agreement_pk, AS.c.position)):
        by_pk[pk]["sources"].append(sid)
    stage_q = (
        select(
            AST.c.agreement_pk,
            E.c.id,
            E.c.date,
            E.c.kind,
            E.c.ukraine_received,
            E.c.russia_received,
        )
        .join(E, and_(E.c.id == AST.c.exchange_id, live_clause(E, version)))
        .where(AST.c.agreement_pk.in_(list(by_pk)))
        .order_by(AST.c.agreement_pk, AST.c.position)
    )
    for pk, eid, date, kind, ua, ru in session.execute(stage_q):
        stage = {"id": eid, "date": date, "kind": kind, "ukraine_received": ua,
                 "russia_received": ru}  # fmt: skip
        by_pk[pk]["stages"].append(stage)
    for r in rows:
        delivered: dict[str, Any] = {"stages": len(r["stages"])}
        for fig in FIGURES:
            known = [s[fig] for s in r["stages"] if s[fig] is not None]
            agreed = r[f"agreed_{fig}"]
            delivered[fig] = sum(known)
            delivered[f"undisclosed_{fig}"] = len(r["stages"]) - len(known)
            delivered[f"{fig}_share_of_agreed"] = round(sum(known) / agreed, 4) if agreed else None
        r["delivered"] = delivered
    return [{c: r[c] for c in AGREEMENT_COLUMNS} for r in rows]


def get_claim(session: Reads, claim_id: str, *, version: int | None) -> dict[str, Any] | None:
    """One claim at `version`."""
    rows, _ = list_claims(
        session, version=version, filters=ClaimFilters(claim_id=claim_id), limit=1
    )
    return rows[0] if rows else None
