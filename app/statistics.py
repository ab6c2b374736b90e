"""Aggregates over exchanges, in SQL, under the same filters as the list (so they agree).

The one dialect seam is here: turning a date into the start of its period, and the days
between two dates. Gap-filling of empty periods happens after the query, over the (small)
list of periods.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    case,
    cast,
    distinct,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from app.codebook import Kind
from app.curation import live_clause
from app.queries import (
    EM,
    FIGURES,
    OT,
    OTS,
    E,
    ExchangeFilters,
    M,
    as_date,
    exchange_conditions,
)

BODIES = Kind.bodies_repatriation.value


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def period_start(session: Session, column: Any, interval: str) -> ColumnElement[Any]:
    """The first day of the week (ISO, Monday), month, quarter or year holding `column`."""
    if _dialect(session) == "postgresql":
        return cast(func.date_trunc(interval, column), Date)
    if interval == "week":
        back = (cast(func.strftime("%w", column), Integer) + 6) % 7
        return func.date(column, func.printf("-%d days", back))
    if interval == "month":
        return func.date(column, "start of month")
    if interval == "quarter":
        back = (cast(func.strftime("%m", column), Integer) - 1) % 3
        return func.date(column, "start of month", func.printf("-%d months", back))
    return func.date(column, "start of year")


def days_between(session: Session, later: Any, earlier: Any) -> ColumnElement[Any]:
    if _dialect(session) == "postgresql":
        diff: ColumnElement[Any] = later - earlier
        return diff
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def next_start(start: dt.date, interval: str) -> dt.date:
    if interval == "week":
        return start + dt.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[interval]
    y, m = divmod(start.month - 1 + months, 12)
    return dt.date(start.year + y, m + 1, 1)


def period_label(start: dt.date, interval: str) -> str:
    if interval == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if interval == "month":
        return f"{start.year}-{start.month:02d}"
    if interval == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def _figures() -> list[Any]:
    """count, sums over known figures, and how many events left each figure unknown."""
    return [
        func.count().label("exchanges"),
        func.coalesce(func.sum(E.c.ukraine_received), 0).label("ukraine_received"),
        func.coalesce(func.sum(E.c.russia_received), 0).label("russia_received"),
        (func.count() - func.count(E.c.ukraine_received)).label("undisclosed_ukraine_received"),
        (func.count() - func.count(E.c.russia_received)).label("undisclosed_russia_received"),
    ]


def _with_total(row: dict[str, Any]) -> dict[str, Any]:
    row = {k: int(v) for k, v in row.items()}
    row["total"] = row["ukraine_received"] + row["russia_received"]
    return row


FIGURE_KEYS = (
    "exchanges", "ukraine_received", "russia_received", "undisclosed_ukraine_received",
    "undisclosed_russia_received",
)  # fmt: skip


def summary(session: Session, *, version: int | None, filters: ExchangeFilters) -> dict[str, Any]:
    """Totals, per-kind figures, dates, the largest event and the gaps between events.

    Four queries: the figures of each kind (a UNION ALL of one range scan per kind over the
    kind-first covering index: no sort, where a GROUP BY kind sorted every row), the mediated
    events counted from the mediator links, the largest event looked up by its total, and the
    gaps over the distinct days. The totals are the sums of the per-kind rows.
    """
    conds = exchange_conditions(filters, version)
    per_kind = [
        select(
            literal(kind).label("kind"),
            *_figures(),
            func.min(E.c.date).label("first_date"),
            func.max(E.c.date).label("last_date"),
            func.max(E.c.total).label("largest"),
        ).where(*conds, E.c.kind == kind)
        for kind in (filters.kinds or [k.value for k in Kind])
    ]
    rows = session.execute(union_all(*per_kind)).mappings()
    groups = [dict(r) for r in rows if r["exchanges"]]
    zero = dict.fromkeys(FIGURE_KEYS, 0)
    by_kind = {k.value: _with_total(zero) for k in Kind}
    for g in groups:
        by_kind[g["kind"]] = _with_total({k: g[k] for k in FIGURE_KEYS})
    out: dict[str, Any] = _with_total({k: sum(int(g[k]) for g in groups) for k in FIGURE_KEYS})
    n = out["exchanges"]
    out["by_kind"] = by_kind
    out["first_date"] = min((as_date(g["first_date"]) for g in groups), default=None)
    out["last_date"] = max((as_date(g["last_date"]) for g in groups), default=None)
    top = max((g["largest"] for g in groups if g["largest"] is not None), default=None)
    out["largest"] = None
    if top is not None:
        row = session.execute(
            select(E.c.id, E.c.date, E.c.total)
            .where(*conds, E.c.total == top)
            .order_by(E.c.date, E.c.id)
            .limit(1)
        ).one()
        out["largest"] = {"id": row.id, "date": as_date(row.date), "total": int(row.total)}
    out.update(_gaps(session, conds, n))
    mediated_n = 0
    if n:
        mediated_n = session.execute(
            select(func.count(distinct(EM.c.exchange_pk)))
            .select_from(EM)
            .join(E, E.c.pk == EM.c.exchange_pk)
            .where(*conds)
        ).scalar_one()
    out["mediated_share"] = round(mediated_n / n, 4) if n else None

    return out


def _gaps(session: Session, conds: list[ColumnElement[bool]], n: int) -> dict[str, Any]:
    """Median and longest gap in days between consecutive events (date order; same day = 0).

    Events sharing a day contribute gaps of 0, so the gaps are n - D zeros plus the D - 1
    differences between the D distinct days: one grouped query, however many events.
    """
    if n < 2:
        return {"median_gap_days": None, "longest_gap": None}
    days = select(E.c.date.label("day")).where(*conds).group_by(E.c.date).subquery()
    prev = func.lag(days.c.day).over(order_by=days.c.day)
    pairs = select(prev.label("from_date"), days.c.day.label("to_date")).subquery()
    diff = days_between(session, pairs.c.to_date, pairs.c.from_date)
    rows = session.execute(
        select(pairs.c.from_date, pairs.c.to_date, diff.label("days"))
        .where(pairs.c.from_date.is_not(None))
        .order_by(pairs.c.from_date)
    ).all()
    gaps = sorted([0] * (n - 1 - len(rows)) + [int(r.days) for r in rows])
    m = len(gaps)
    median = (gaps[(m - 1) // 2] + gaps[m // 2]) / 2
    # All events on one day: no gap between two days, so no longest gap to show.
    longest = max(rows, key=lambda r: int(r.days), default=None)  # the earliest among equals
    if longest is None:
        return {"median_gap_days": median, "longest_gap": None}
    return {
        "median_gap_days": median,
        "longest_gap": {
            "from": as_date(longest.from_date),
            "to": as_date(longest.to_date),
            "days": int(longest.days),
        },
    }


def timeseries(
    session: Session,
    *,
    version: int | None,
    filters: ExchangeFilters,
    interval: str,
    cumulative: bool,
) -> list[dict[str, Any]]:
    """Per-period counts and sums from the first event to the last, empty periods as zeros."""
    # Aggregate per day first (an index-only scan in date order), then bucket the few
    # thousand days into periods: the period arithmetic runs per day, not per event.
    daily = (
        select(E.c.date.label("day"), *_figures())
        .where(*exchange_conditions(filters, version))
        .group_by(E.c.date)
        .subquery()
    )
    inner = select(period_start(session, daily.c.day, interval).label("start"), daily).subquery()
    figures = [
        func.sum(inner.c.exchanges).label("exchanges"),
        *[func.sum(inner.c[k]).label(k) for k in (
            "ukraine_received", "russia_received", "undisclosed_ukraine_received",
            "undisclosed_russia_received")],
    ]  # fmt: skip
    running = [
        func.sum(func.sum(inner.c[k])).over(order_by=inner.c.start).label(f"cumulative_{k}")
        for k in ("exchanges", *FIGURES)
    ]
    q = select(inner.c.start, *figures, *running).group_by(inner.c.start).order_by(inner.c.start)
    found = {as_date(r["start"]): r for r in session.execute(q).mappings()}
    if not found:
        return []
    points = []
    day, last = min(found), max(found)
    carried = {"cumulative_exchanges": 0, "cumulative_ukraine_received": 0,
               "cumulative_russia_received": 0}  # fmt: skip
    while day <= last:
        after = next_start(day, interval)
        row = found.get(day)
        point: dict[str, Any] = {
            "period": period_label(day, interval),
            "start": day,
            "end": after - dt.timedelta(days=1),
        }
        for key in ("exchanges", "ukraine_received", "russia_received",
                    "undisclosed_ukraine_received", "undisclosed_russia_received"):  # fmt: skip
            point[key] = int(row[key]) if row else 0
        if row:
            carried = {k: int(row[k]) for k in carried}
        if cumulative:
            point.update(carried)
        points.append(point)
        day = after
    return points


def mediators(
    session: Session, *, version: int | None, filters: ExchangeFilters
) -> list[dict[str, Any]]:
    """Per mediator: events, sums over known figures, undisclosed counts, first and last date."""
    conds = exchange_conditions(filters, version)
    per = (
        select(
            EM.c.mediator_id.label("id"),
            *_figures(),
            func.min(E.c.date).label("first_date"),
            func.max(E.c.date).label("last_date"),
        )
        .join(E, E.c.pk == EM.c.exchange_pk)
        .where(*conds)
        .group_by(EM.c.mediator_id)
        .subquery()
    )
    q = (
        select(M.c.id, M.c.name, per)
        .outerjoin(per, per.c.id == M.c.id)
        .where(live_clause(M, version))
        .order_by(func.coalesce(per.c.exchanges, 0).desc(), M.c.id)
    )
    out = []
    for r in session.execute(q).mappings():
        row = {"id": r["id"], "name": r["name"]}
        for key in ("exchanges", "ukraine_received", "russia_received",
                    "undisclosed_ukraine_received", "undisclosed_russia_received"):  # fmt: skip
            row[key] = int(r[key] or 0)
        row["first_date"] = as_date(r["first_date"]) if r["first_date"] else None
        row["last_date"] = as_date(r["last_date"]) if r["last_date"] else None
        out.append(row)
    return out


def reconciliation(
    session: Session,
    *,
    version: int | None,
    claimants: tuple[str, ...] = (),
    metrics: tuple[str, ...] = (),
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Each stated running total beside the dataset's own figure for the same window.

    people_returned_to_ukraine: ukraine_received over every kind but bodies_repatriation;
    bodies_returned_to_ukraine: ukraine_received over bodies_repatriation; exchanges_count:
    events of every kind but bodies_repatriation; other metrics: null. Each counted over the
    events dated from `counted_from` (or the start) to the statement's date.
    """
    living = E.c.kind != BODIES
    daily = (
        select(
            E.c.date.label("day"),
            func.coalesce(func.sum(case((living, E.c.ukraine_received))), 0).label("people"),
            func.coalesce(func.sum(case((~living, E.c.ukraine_received))), 0).label("bodies"),
            func.sum(case((living, 1), else_=0)).label("events"),
        )
        .where(live_clause(E, version))
        .group_by(E.c.date)
        .subquery()
    )

    def window(col: Any) -> Any:
        since_day = func.coalesce(OT.c.counted_from, literal(dt.date(2022, 2, 24), Date))
        return (
            select(func.coalesce(func.sum(col), 0))
            .where(daily.c.day <= OT.c.date, daily.c.day >= since_day)
            .scalar_subquery()
        )

    dataset_value = case(
        (OT.c.metric == "people_returned_to_ukraine", window(daily.c.people)),
        (OT.c.metric == "bodies_returned_to_ukraine", window(daily.c.bodies)),
        (OT.c.metric == "exchanges_count", window(daily.c.events)),
        else_=None,
    )
    conds = [live_clause(OT, version)]
    if claimants:
        conds.append(OT.c.claimant.in_(claimants))
    if metrics:
        conds.append(OT.c.metric.in_(metrics))
    if since:
        conds.append(OT.c.date >= since)
    if until:
        conds.append(OT.c.date <= until)
    q = (
        select(OT.c.pk, OT.c.id, OT.c.date, OT.c.claimant, OT.c.metric, OT.c.qualifier,
               OT.c.value, OT.c.counted_from, OT.c.note, dataset_value.label("dataset_value"))
        .where(*conds)
        .order_by(OT.c.date, OT.c.id)
    )  # fmt: skip
    rows = [dict(r) for r in session.execute(q).mappings()]
    by_pk = {r.pop("pk"): r for r in rows}
    for r in rows:
        r["sources"] = []
        r["date"] = as_date(r["date"])
        r["counted_from"] = as_date(r["counted_from"]) if r["counted_from"] else None
        dv = r["dataset_value"]
        r["dataset_value"] = None if dv is None else int(dv)
        r["difference"] = None if dv is None else int(dv) - r["value"]
        r["ratio"] = None if dv is None or not r["value"] else round(int(dv) / r["value"], 4)
    if by_pk:
        links = select(OTS.c.official_total_pk, OTS.c.source_id).where(
            OTS.c.official_total_pk.in_(list(by_pk))
        )
        for pk, sid in session.execute(links.order_by(OTS.c.official_total_pk, OTS.c.position)):
            by_pk[pk]["sources"].append(sid)
    return rows
