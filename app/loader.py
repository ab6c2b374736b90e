"""Reads the curated CSV files and validates every row before anything is written.

Problems are reported all at once as `file:line: column: what is wrong`. The records it returns
go to `curation.replace_all`, the one writer.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.curation import REFERENCES, SPECS, Record, canonical
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
    describe_error,
    field_names,
)

csv.field_size_limit(1_000_000)


@dataclass(frozen=True)
class FileSpec:
    record_type: str
    filename: str
    model: type[InputModel]
    lists: tuple[str, ...] = ()
    ints: tuple[str, ...] = ()
    # A file older dataset folders (and exports) do not have: missing means no such records.
    optional: bool = False


FILES: tuple[FileSpec, ...] = (
    FileSpec("mediator", "mediators.csv", MediatorIn),
    FileSpec("source", "sources.csv", SourceIn),
    FileSpec(
        "exchange",
        "exchanges.csv",
        ExchangeIn,
        lists=("mediators", "ua_categories", "sources"),
        ints=("ukraine_received", "russia_received", "ua_sequence_number"),
    ),
    FileSpec("claim", "claims.csv", ClaimIn, lists=("sources",)),
    FileSpec("agreement", "agreements.csv", AgreementIn, lists=("stages", "sources")),
    FileSpec("official_total", "official_totals.csv", OfficialTotalIn, lists=("sources",)),
    FileSpec("coverage", "coverage.csv", CoverageIn, optional=True),
    FileSpec("moved_exchange", "moved_exchanges.csv", MovedExchangeIn, optional=True),
)
FILENAMES = {spec.record_type: spec.filename for spec in FILES}
REASONS_HEADER = ("record_type", "record_id", "reason")


class LoadError(Exception):
    """The files hold problems; nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the data files")
        self.problems = problems


@dataclass
class Loaded:
    records: dict[str, dict[str, Record]] = field(default_factory=dict)
    lines: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _cell(spec: FileSpec, name: str, raw: str) -> Any:
    value = raw.strip()
    if name in spec.lists:
        return [part.strip() for part in value.split(";") if part.strip()]
    if value == "" and name not in ("notes",):
        return None
    return value


def _describe(err: dict[str, Any]) -> tuple[str, str]:
    column, msg = describe_error(err)
    head, _, rest = column.partition(".")
    if rest.isdigit():  # a list column: name the item
        return head, f"item {int(rest) + 1}: {msg}"
    return column, msg


def read_file(
    path: Path,
    spec: FileSpec,
    problems: list[str],
    tick: Callable[[], None] | None = None,
    seen_at: dict[str, int] | None = None,
) -> dict[str, Record]:
    """Validate one file; append its problems; return its valid records by id."""
    out: dict[str, Record] = {}
    seen_at = {} if seen_at is None else seen_at
    fields = field_names(spec.model)
    required = {
        name for name, info in zip(fields, spec.model.model_fields.values(), strict=True)
        if info.is_required()
    }  # fmt: skip
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        unknown = [h for h in header if h not in fields]
        missing = [f for f in fields if f not in header and f in required]
        for h in unknown:
            problems.append(f"{path}:1: {h}: unknown column")
        for f in missing:
            problems.append(f"{path}:1: {f}: required column is missing")
        if unknown or missing:
            return out
        line = 1
        for row in reader:
            start, line = line + 1, reader.line_num
            if tick:
                tick()
            if None in row or any(v is None for v in row.values()):
                problems.append(f"{path}:{start}: row: wrong number of cells")
                continue
            data = {k: _cell(spec, k, v) for k, v in row.items()}
            data = {k: v for k, v in data.items() if v is not None}
            try:
                model = spec.model.model_validate(data)
            except ValidationError as exc:
                for err in exc.errors():
                    column, msg = _describe(dict(err))
                    problems.append(f"{path}:{start}: {column}: {msg}")
                continue
            rec = canonical(SPECS[spec.record_type], model)
            rid = rec["id"]
            if rid is None:
                problems.append(f"{path}:{start}: id: is required in the data files")
                continue
            if rid in out:
                problems.append(
                    f"{path}:{start}: id: {rid!r} duplicates the row on line {seen_at[rid]}"
                )
                continue
            out[rid] = rec
            seen_at[rid] = start
    return out


def read_directory(directory: Path, tick: Callable[[], None] | None = None) -> Loaded:
    """Every file of the dataset, validated, with cross-file references checked."""
    loaded = Loaded()
    for spec in FILES:
        path = directory / spec.filename
        if not path.exists():
            if not spec.optional:
                loaded.problems.append(f"{path}:0: file: is missing")
            loaded.records[spec.record_type] = {}
            continue
        lines = loaded.lines.setdefault(spec.record_type, {})
        loaded.records[spec.record_type] = read_file(path, spec, loaded.problems, tick, lines)
    check_references(directory, loaded)
    check_coverage(directory, loaded)
    return loaded


def check_references(directory: Path, loaded: Loaded) -> None:
    """Every id a record cites exists in the file it refers to."""
    for type_, fieldname, target in REFERENCES:
        path = directory / FILENAMES[type_]
        lines = loaded.lines.get(type_, {})
        for rid, rec in loaded.records.get(type_, {}).items():
            refs = rec[fieldname]
            for ref in refs if isinstance(refs, list) else [refs]:
                if ref not in loaded.records.get(target, {}):
                    loaded.problems.append(
                        f"{path}:{lines.get(rid, 0)}: {fieldname}: unknown {target} {ref!r}"
                    )


def check_coverage(directory: Path, loaded: Loaded) -> None:
    """No event outside the coverage; no id both an exchange and moved (as the writer checks)."""
    exchanges = loaded.records.get("exchange", {})
    lines = loaded.lines.get("exchange", {})
    for cov in loaded.records.get("coverage", {}).values():
        for rid, rec in exchanges.items():
            if not cov["from"] <= rec["date"] <= cov["until"]:
                loaded.problems.append(
                    f"{directory / FILENAMES['exchange']}:{lines.get(rid, 0)}: date: {rec['date']} "
                    f"is outside the coverage in {FILENAMES['coverage']} ({cov['from']} to "
                    f"{cov['until']})"
                )
    moved_lines = loaded.lines.get("moved_exchange", {})
    for rid in loaded.records.get("moved_exchange", {}):
        if rid in exchanges:
            loaded.problems.append(
                f"{directory / FILENAMES['moved_exchange']}:{moved_lines.get(rid, 0)}: id: {rid!r} "
                f"is also an exchange in {FILENAMES['exchange']}"
            )


def read_reasons(path: Path) -> tuple[dict[tuple[str, str], str], list[str]]:
    """A reasons file (`record_type,record_id,reason`): the changelog reason of each record a
    load changes, in place of the load's one --reason; and its problems."""
    from app.schemas import reason_problem

    reasons: dict[tuple[str, str], str] = {}
    problems: list[str] = []
    known = {spec.record_type for spec in FILES}
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != REASONS_HEADER:
            return {}, [f"{path}:1: header: must be {','.join(REASONS_HEADER)}"]
        for row in reader:
            line = reader.line_num
            # A short row leaves its last fields None (DictReader).
            kind, rid, reason = ((row[k] or "").strip() for k in REASONS_HEADER)
            problem = "must be 1 to 1000 characters" if not reason else reason_problem(reason)
            if kind not in known:
                problems.append(f"{path}:{line}: record_type: {kind!r} is not a record type")
            elif problem is not None:
                problems.append(f"{path}:{line}: reason: {problem}")
            elif (kind, rid) in reasons:
                problems.append(f"{path}:{line}: record_id: {kind} {rid!r} is listed twice")
            else:
                reasons[(kind, rid)] = reason
    return reasons, problems


def count_rows(directory: Path) -> int:
    total = 0
    for spec in FILES:
        path = directory / spec.filename
        if path.exists():
            with path.open(newline="", encoding="utf-8") as fh:
                total += sum(1 for _ in csv.DictReader(fh))
    return total
