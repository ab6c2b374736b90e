"""The one module that writes: CSV loads, admin writes and restores, each audited and versioned.

Every write goes through `apply`: it first bumps the dataset version (which takes the write
lock on both databases, so writers queue), then closes and inserts record states, appends the
audit entries, and checks references, all in the caller's one transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from pydantic import BaseModel
from sqlalchemy import Date, Table, and_, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from app.codebook import DATASET_NAME
from app.db import Reads
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
from app.problems import BadRequest, Conflict, Invalid, NotFound, PreconditionFailed
from app.schemas import (
    AgreementIn,
    ClaimIn,
    CoverageIn,
    ExchangeIn,
    InputModel,
    MediatorIn,
    MovedExchangeIn,
    OfficialTotalIn,
    SourceIn,
    field_names,
)

Action = Literal["create", "update", "delete", "restore"]
Record = dict[str, Any]


@dataclass(frozen=True)
class Link:
    """A list field stored as child rows of a state: `field` -> `table.column`, in order."""

    field: str
    table: Table
    column: str
    parent: str  # the child's column holding the parent state's pk


@dataclass(frozen=True)
class Spec:
    """How one record type maps between its canonical form and its tables."""

    name: str
    table: Table
    model: type[InputModel]
    links: tuple[Link, ...] = ()
    joined: tuple[str, ...] = ()  # list fields stored joined with ";" in one column
    derived: Mapping[str, Any] = field(default_factory=dict)  # column -> fn(record)
    renamed: Mapping[str, str] = field(default_factory=dict)  # field -> column

    def column(self, name: str) -> str:
        return self.renamed.get(name, name)

    @property
    def fields(self) -> list[str]:
        return field_names(self.model)

    @property
    def scalar_fields(self) -> list[str]:
        linked = {ln.field for ln in self.links}
        return [f for f in self.fields if f not in linked]

    @functools.cached_property
    def date_columns(self) -> tuple[str, ...]:
        """The columns of a calendar date, which a record carries as ISO text."""
        return tuple(c.name for c in self.table.c if isinstance(c.type, Date))


def _total(record: Record) -> int | None:
    ua, ru = record.get("ukraine_received"), record.get("russia_received")
    return None if ua is None or ru is None else int(ua) + int(ru)


_t = table_of


SPECS: dict[str, Spec] = {
    "mediator": Spec("mediator", _t(Mediator), MediatorIn),
    "source": Spec("source", _t(Source), SourceIn),
    "exchange": Spec(
        "exchange",
        _t(Exchange),
        ExchangeIn,
        links=(
            Link("mediators", _t(ExchangeMediator), "mediator_id", "exchange_pk"),
            Link("sources", _t(ExchangeSource), "source_id", "exchange_pk"),
        ),
        joined=("ua_categories",),
        derived={"total": _total},
    ),
    "claim": Spec(
        "claim",
        _t(Claim),
        ClaimIn,
        links=(Link("sources", _t(ClaimSource), "source_id", "claim_pk"),),
        renamed={"exchange": "exchange_id"},
    ),
    "agreement": Spec(
        "agreement",
        _t(Agreement),
        AgreementIn,
        links=(
            Link("stages", _t(AgreementStage), "exchange_id", "agreement_pk"),
            Link("sources", _t(AgreementSource), "source_id", "agreement_pk"),
        ),
    ),
    "official_total": Spec(
        "official_total",
        _t(OfficialTotal),
        OfficialTotalIn,
        links=(Link("sources", _t(OfficialTotalSource), "source_id", "official_total_pk"),),
    ),
    "coverage": Spec(
        "coverage",
        _t(Coverage),
        CoverageIn,
        renamed={"from": "from_date", "until": "until_date"},
    ),
    "moved_exchange": Spec("moved_exchange", _t(MovedExchange), MovedExchangeIn),
}
# Order matters: a load writes referenced records before the records that cite them.
LOAD_ORDER = ("mediator", "source", "coverage", "exchange", "moved_exchange", "claim",
              "agreement", "official_total")  # fmt: skip

# (record type, field, referenced record type): every id a record cites must be live.
REFERENCES: tuple[tuple[str, str, str], ...] = (
    ("exchange", "mediators", "mediator"),
    ("exchange", "sources", "source"),
    ("claim", "exchange", "exchange"),
    ("claim", "sources", "source"),
    ("agreement", "stages", "exchange"),
    ("agreement", "sources", "source"),
    ("official_total", "sources", "source"),
    ("moved_exchange", "moved_to", "exchange"),
)


@dataclass
class Op:
    """One change to one record."""

    type: str
    action: Action
    id: str
    record: Record | None = None  # canonical record for create/update
    expected_revision: int | None = None


@dataclass
class Result:
    version: int | None
    revisions: dict[tuple[str, str], int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def canonical(spec: Spec, model: BaseModel, record_id: str | None = None) -> Record:
    """A validated input as the canonical record: plain JSON values in the model's field order."""
    data: Record = model.model_dump(mode="json", by_alias=True)
    if record_id is not None:
        data["id"] = record_id
    return data


# ---- reading states back as canonical records ---------------------------------------------


def live_clause(table: Any, version: int | None = None, *, bind_as: str | None = None) -> Any:
    """The states live at `version` (or now, when None).

    `bind_as` binds the version under that name, so a statement kept and run again with
    other values takes the new version from its parameters (see queries.list_exchanges); one
    statement must then not hold two different versions under the one name."""
    if version is None:
        return table.c.valid_to.is_(None)
    at: Any = bindparam(bind_as, version) if bind_as else version
    return and_(
        table.c.valid_from <= at,
        (table.c.valid_to.is_(None)) | (table.c.valid_to > at),
    )


def states(session: Reads, spec: Spec, where: Any) -> dict[str, tuple[int, int, Record]]:
    """Canonical records of the states matching `where`: id -> (pk, revision, record)."""
    t = spec.table
    rows = session.execute(select(t).where(where)).mappings().all()
    out: dict[str, tuple[int, int, Record]] = {}
    by_pk: dict[int, Record] = {}
    for row in rows:
        rec: Record = {}
        for name in spec.scalar_fields:
            value = row[spec.column(name)]
            if name in spec.joined:
                value = [v for v in (value or "").split(";") if v]
            rec[name] = jsonable(value)
        for ln in spec.links:
            rec[ln.field] = []
        out[row["id"]] = (row["pk"], row["revision"], rec)
        by_pk[row["pk"]] = rec
    for ln in spec.links:
        if not by_pk:
            break
        parent = ln.table.c[ln.parent]
        q = (
            select(parent, ln.table.c[ln.column])
            .join(t, t.c.pk == parent)
            .where(where)
            .order_by(parent, ln.table.c.position)
        )
        for pk, value in session.execute(q):
            by_pk[pk][ln.field].append(value)
    # Field order as the model declares it, so records compare and serialise stably.
    for key, (pk, rev, rec) in out.items():
        out[key] = (pk, rev, {name: rec[name] for name in spec.fields})
    return out


def live_records(session: Session, type_: str) -> dict[str, tuple[int, int, Record]]:
    spec = SPECS[type_]
    return states(session, spec, live_clause(spec.table))


# ---- the writer ---------------------------------------------------------------------------


def _bump(session: Session, at: dt.datetime) -> int:
    meta = _t(DatasetMeta)
    done = session.execute(
        update(meta).where(meta.c.id == 1).values(version=meta.c.version + 1, updated_at=at)
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        session.execute(insert(meta).values(id=1, name=DATASET_NAME, version=1, updated_at=at))
    return int(session.execute(select(meta.c.version).where(meta.c.id == 1)).scalar_one())


def lock(session: Session) -> None:
    """Take the write lock without changing anything (the row lock on PostgreSQL, the
    reserved lock on SQLite), so that what this transaction reads next stays true."""
    meta = _t(DatasetMeta)
    session.execute(update(meta).where(meta.c.id == 1).values(version=meta.c.version))


def current_version(session: Reads) -> int:
    meta = _t(DatasetMeta)
    value = session.execute(select(meta.c.version).where(meta.c.id == 1)).scalar()
    return int(value or 0)


def _insert_states(
    session: Session,
    spec: Spec,
    version: int,
    at: dt.datetime,
    items: list[tuple[Record, int]],
) -> None:
    """Insert new states (record, revision) valid from `version`, with their link rows."""
    if not items:
        return
    t = spec.table
    rows = []
    for rec, revision in items:
        row = {spec.column(name): rec[name] for name in spec.scalar_fields}
        for name in spec.joined:
            row[name] = ";".join(rec[name])
        for col, fn in spec.derived.items():
            row[col] = fn(rec)
        for name in spec.date_columns:
            if isinstance(row.get(name), str):
                row[name] = dt.date.fromisoformat(row[name])
        row.update(valid_from=version, valid_to=None, revision=revision, updated_at=at)
        rows.append(row)
    session.execute(insert(t), rows)
    if not spec.links:
        return
    ids = {rec["id"] for rec, _ in items}
    pks = {
        rid: pk
        for rid, pk in session.execute(select(t.c.id, t.c.pk).where(t.c.valid_from == version))
        if rid in ids
    }
    for ln in spec.links:
        children = [
            {ln.parent: pks[rec["id"]], ln.column: value, "position": i}
            for rec, _ in items
            for i, value in enumerate(rec[ln.field])
        ]
        if children:
            session.execute(insert(ln.table), children)


def _close(
    session: Session, spec: Spec, version: int, record_id: str, expected_revision: int | None
) -> bool:
    """Close the live state; with `expected_revision`, only if it still has that revision.

    The check and the close are one UPDATE, so racing writers on one revision get one winner.
    """
    t = spec.table
    cond = (t.c.id == record_id) & t.c.valid_to.is_(None)
    if expected_revision is not None:
        cond = cond & (t.c.revision == expected_revision)
    done = session.execute(update(t).where(cond).values(valid_to=version))
    return bool(done.rowcount)  # type: ignore[attr-defined]


def _last_state(session: Session, spec: Spec, record_id: str) -> tuple[int, int, Record] | None:
    t = spec.table
    newest = select(func.max(t.c.valid_from)).where(t.c.id == record_id).scalar_subquery()
    found = states(session, spec, (t.c.id == record_id) & (t.c.valid_from == newest))
    return found.get(record_id)


def _check_references(session: Session) -> None:
    """After the changes: no live record cites a record that is not live."""
    for type_, fieldname, target in REFERENCES:
        spec, t = SPECS[type_], SPECS[target].table
        parent = spec.table
        link = next((ln for ln in spec.links if ln.field == fieldname), None)
        if link is None:
            col = parent.c[spec.column(fieldname)]
            q = select(parent.c.id, col)
        else:
            col = link.table.c[link.column]
            q = select(parent.c.id, col).join(parent, parent.c.pk == link.table.c[link.parent])
        q = q.where(parent.c.valid_to.is_(None))
        q = q.where(~col.in_(select(t.c.id).where(t.c.valid_to.is_(None)))).limit(5)
        broken = session.execute(q).all()
        if broken:
            pairs = ", ".join(f"{type_} {x} cites {y}" for x, y in broken)
            raise Conflict(f"the change would leave a reference to a missing {target}: {pairs}")


def _check_coverage(session: Session) -> None:
    """After the changes: no live exchange is dated outside the coverage (records after its end
    would be events the curators do not vouch for, and the time series stop at its end)."""
    cov, e = _t(Coverage), _t(Exchange)
    window = session.execute(
        select(cov.c.from_date, cov.c.until_date).where(cov.c.valid_to.is_(None))
    ).first()
    if window is None:
        return
    outside = (
        session.execute(
            select(e.c.id)
            .where(e.c.valid_to.is_(None), (e.c.date < window[0]) | (e.c.date > window[1]))
            .order_by(e.c.id)
            .limit(5)
        )
        .scalars()
        .all()
    )
    if outside:
        raise Conflict(
            f"exchange {', '.join(outside)} would be dated outside the coverage "
            f"({window[0].isoformat()} to {window[1].isoformat()}): change coverage.until "
            "first (PATCH /v1/admin/coverage), or the date"
        )


def _check_moves(session: Session) -> None:
    """After the changes: an id that moved is not also a live exchange (reads would not know
    which to answer)."""
    m, e = _t(MovedExchange), _t(Exchange)
    both = (
        session.execute(
            select(m.c.id)
            .where(m.c.valid_to.is_(None), m.c.id.in_(select(e.c.id).where(e.c.valid_to.is_(None))))
            .limit(5)
        )
        .scalars()
        .all()
    )
    if both:
        raise Conflict(f"exchange {', '.join(both)} is live and recorded as moved at once")


def _audit(
    session: Session,
    version: int,
    at: dt.datetime,
    actor: str,
    reason: str | None,
    entries: list[tuple[Op, Record | None, Record | None]],
    reasons: Mapping[tuple[str, str], str] | None = None,
) -> None:
    rows = [
        {
            "version": version,
            "created_at": at,
            "actor": actor,
            "action": op.action,
            "record_type": op.type,
            "record_id": op.id,
            "before": orjson.dumps(before).decode() if before is not None else None,
            "after": orjson.dumps(after).decode() if after is not None else None,
            "reason": (reasons or {}).get((op.type, op.id), reason),
        }
        for op, before, after in entries
    ]
    if rows:
        session.execute(insert(_t(Change)), rows)


def apply(
    session: Session,
    ops: list[Op],
    *,
    actor: str,
    reason: str | None = None,
    live: Mapping[str, dict[str, tuple[int, int, Record]]] | None = None,
    last_revisions: Mapping[str, Mapping[str, int]] | None = None,
    reasons: Mapping[tuple[str, str], str] | None = None,
) -> Result:
    """Apply `ops` as one new dataset version (or nothing at all when `ops` is empty).

    Raises NotFound, Conflict or PreconditionFailed and leaves the transaction to be rolled back.
    `live` and `last_revisions` may carry what the caller already read inside this
    transaction, so a large load costs a few queries rather than a few per record.
    `reasons` gives some records a reason of their own, in place of `reason`.
    """
    if not ops:
        return Result(version=None)
    at = now()
    version = _bump(session, at)
    result = Result(version=version)
    entries: list[tuple[Op, Record | None, Record | None]] = []
    inserts: dict[str, list[tuple[Record, int]]] = {name: [] for name in SPECS}
    for op in ops:
        spec = SPECS[op.type]
        current = (live or {}).get(op.type, {}).get(op.id) if live is not None else None
        if current is None and op.action != "create" and live is None:
            current = states(
                session, spec, (spec.table.c.id == op.id) & spec.table.c.valid_to.is_(None)
            ).get(op.id)
        if op.action == "create":
            if live is None and _exists_live(session, spec, op.id):
                raise Conflict(f"{op.type} {op.id!r} already exists")
            if last_revisions is not None:
                revision = last_revisions.get(op.type, {}).get(op.id, 0) + 1
            else:
                previous = _last_state(session, spec, op.id)
                revision = previous[1] + 1 if previous else 1
            assert op.record is not None
            inserts[op.type].append((op.record, revision))
            entries.append((op, None, op.record))
        elif op.action in ("update", "delete"):
            if current is None:
                raise NotFound(f"no {op.type} {op.id!r}")
            if not _close(session, spec, version, op.id, op.expected_revision):
                raise PreconditionFailed(
                    f"{op.type} {op.id!r} has changed since revision {op.expected_revision}; "
                    "read it again and retry"
                )
            revision = current[1] + 1
            if op.action == "update":
                assert op.record is not None
                inserts[op.type].append((op.record, revision))
                entries.append((op, current[2], op.record))
            else:
                entries.append((op, current[2], None))
        else:  # restore
            if current is not None or _exists_live(session, spec, op.id):
                raise Conflict(f"{op.type} {op.id!r} is not deleted")
            last = _last_state(session, spec, op.id)
            if last is None:
                raise NotFound(f"no {op.type} {op.id!r} was ever recorded")
            revision = last[1] + 1
            inserts[op.type].append((last[2], revision))
            entries.append((op, None, last[2]))
        result.revisions[(op.type, op.id)] = revision
        result.counts[op.action] = result.counts.get(op.action, 0) + 1
    for name in LOAD_ORDER:
        _insert_states(session, SPECS[name], version, at, inserts[name])
    _audit(session, version, at, actor, reason, entries, reasons)
    _check_references(session)
    _check_coverage(session)
    _check_moves(session)
    return result


def _exists_live(session: Session, spec: Spec, record_id: str) -> bool:
    t = spec.table
    q = select(t.c.pk).where((t.c.id == record_id) & t.c.valid_to.is_(None)).limit(1)
    return session.execute(q).first() is not None


def diff(
    wanted: Mapping[str, Mapping[str, Record]],
    live: Mapping[str, Mapping[str, tuple[int, int, Record]]],
) -> list[Op]:
    """The ops that turn the live records into `wanted`: creates, updates, then deletes."""
    ops: list[Op] = []
    for name in LOAD_ORDER:
        have, want = live.get(name, {}), wanted.get(name, {})
        for rid, rec in want.items():
            if rid not in have:
                ops.append(Op(name, "create", rid, rec))
            elif have[rid][2] != rec:
                ops.append(Op(name, "update", rid, rec))
    # Deletes last and in reverse order, so nothing is left citing a deleted record.
    for name in reversed(LOAD_ORDER):
        have, want = live.get(name, {}), wanted.get(name, {})
        ops.extend(Op(name, "delete", rid) for rid in have if rid not in want)
    return ops


def replace_all(
    session: Session,
    wanted: Mapping[str, Mapping[str, Record]],
    *,
    actor: str,
    reason: str | None = None,
    reasons: Mapping[tuple[str, str], str] | None = None,
) -> Result:
    """Make the live dataset equal `wanted` (a whole load) as one version, or change nothing."""
    # Take the write lock before reading, so the diff is against what this transaction sees.
    lock(session)
    live = {name: live_records(session, name) for name in LOAD_ORDER}
    ops = diff(wanted, live)
    revisions = {name: last_revisions(session, name) for name in LOAD_ORDER}
    return apply(
        session, ops, actor=actor, reason=reason, live=live, last_revisions=revisions,
        reasons=reasons,
    )  # fmt: skip


def last_revisions(session: Session, type_: str) -> dict[str, int]:
    """The newest revision of every record ever written, deleted ones included."""
    t = SPECS[type_].table
    q = select(t.c.id, func.max(t.c.revision)).group_by(t.c.id)
    return {rid: int(rev) for rid, rev in session.execute(q)}


# ---- single-record writes (the admin API) ---------------------------------------------------


def validation_problems(exc: Exception) -> list[dict[str, str]]:
    """A pydantic ValidationError as problem `errors`, naming each field."""
    from pydantic import ValidationError

    from app.schemas import describe_error

    assert isinstance(exc, ValidationError)
    out = []
    for err in exc.errors():
        name, message = describe_error(err)
        out.append(
            {"name": "body" if name == "row" else name, "location": "body", "message": message}
        )
    return out


def validate(type_: str, raw: bytes, *, record_id: str | None = None) -> Record:
    """Strict JSON validation with the loader's model: the same rules and messages."""
    from pydantic import ValidationError

    spec = SPECS[type_]
    try:
        model = spec.model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            raise BadRequest("The body is not valid JSON.") from None
        problems = validation_problems(exc)
        raise Invalid(
            "; ".join(f"{p['name']}: {p['message']}" for p in problems), errors=problems
        ) from None
    rec = canonical(spec, model)
    if record_id is not None:
        if rec.get("id") not in (None, record_id):
            raise Invalid(
                "id: does not match the id in the path",
                errors=[
                    {
                        "name": "id",
                        "location": "body",
                        "message": "does not match the id in the path",
                    }
                ],
            )
        rec["id"] = record_id
    return rec


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def _ever_ids(session: Session, type_: str, prefix: str) -> set[str]:
    t = SPECS[type_].table
    q = select(t.c.id).where(t.c.id.like(prefix.replace("%", "") + "%")).distinct()
    return set(session.execute(q).scalars())


def derive_id(session: Session, type_: str, rec: Record) -> str:
    """An id for a create that omitted it: never one used before, deleted records included."""
    if type_ == "exchange":
        base = str(rec["date"])
        taken = _ever_ids(session, type_, base)
        for suffix in ["", *[f"-{c}" for c in "bcdefghijklmnopqrstuvwxyz"]]:
            if base + suffix not in taken:
                return base + suffix
        raise Conflict(f"every id for {base} is taken (26 events on one day)")
    if type_ == "claim":
        base = f"{rec['exchange']}.{rec['figure']}.{rec['claimant']}"
    elif type_ == "official_total":
        base = f"{rec['date']}.{rec['claimant']}.{rec['metric']}"
    else:
        raise Invalid(
            "id: is required", errors=[{"name": "id", "location": "body", "message": "is required"}]
        )
    taken = _ever_ids(session, type_, base)
    n = 1
    while (base if n == 1 else f"{base}-{n}") in taken:
        n += 1
    return base if n == 1 else f"{base}-{n}"


def check_references(session: Session, type_: str, rec: Record) -> None:
    """422 naming the field when a record cites an id that is not live."""
    for owner, fieldname, target in REFERENCES:
        if owner != type_:
            continue
        refs = rec[fieldname] if isinstance(rec[fieldname], list) else [rec[fieldname]]
        t = SPECS[target].table
        q = select(t.c.id).where(t.c.id.in_(refs), t.c.valid_to.is_(None))
        missing = [r for r in refs if r not in set(session.execute(q).scalars())]
        if missing:
            message = f"unknown {target} {', '.join(repr(m) for m in missing)}"
            raise Invalid(
                f"{fieldname}: {message}",
                errors=[{"name": fieldname, "location": "body", "message": message}],
            )


def live_record(session: Session, type_: str, record_id: str) -> tuple[int, int, Record] | None:
    spec = SPECS[type_]
    t = spec.table
    return states(session, spec, (t.c.id == record_id) & t.c.valid_to.is_(None)).get(record_id)


def write_one(
    session: Session,
    type_: str,
    action: Action,
    record_id: str,
    record: Record | None,
    *,
    actor: str,
    reason: str | None,
    expected_revision: int | None,
    recreate: bool = False,
) -> Result:
    """One admin write, validated against the live state read under the write lock.
    `recreate`: a create may follow a delete (the coverage, which has no restore route)."""
    lock(session)
    if action == "create":
        if live_record(session, type_, record_id) is not None:
            raise Conflict(f"{type_} {record_id!r} already exists")
        deleted = _last_state(session, SPECS[type_], record_id) is not None
        if deleted and not recreate:
            raise Conflict(f"{type_} {record_id!r} was deleted; restore it instead")
    if record is not None:
        check_references(session, type_, record)
    op = Op(type_, action, record_id, record, expected_revision)
    return apply(session, [op], actor=actor, reason=reason)
