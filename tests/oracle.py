"""An independent reading of data/ in plain Python, to check the API's answers against."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data"


def _int(value: str) -> int | None:
    return int(value) if value.strip() else None


def _list(value: str) -> list[str]:
    return [v for v in value.split(";") if v]


@lru_cache
def exchanges() -> tuple[dict[str, Any], ...]:
    with (DATA / "exchanges.csv").open(newline="", encoding="utf-8") as fh:
        rows = []
        for r in csv.DictReader(fh):
            ua, ru = _int(r["ukraine_received"]), _int(r["russia_received"])
            rows.append(
                {
                    "id": r["id"],
                    "date": r["date"],
                    "kind": r["kind"],
                    "ukraine_received": ua,
                    "russia_received": ru,
                    "total": None if ua is None or ru is None else ua + ru,
                    "mediators": _list(r["mediators"]),
                    "ua_sequence_number": _int(r["ua_sequence_number"]),
                    "ua_categories": _list(r["ua_categories"]),
                    "notes": r["notes"],
                    "confidence": r["confidence"],
                    "sources": _list(r["sources"]),
                }
            )
    return tuple(rows)


@lru_cache
def sources() -> tuple[dict[str, str], ...]:
    with (DATA / "sources.csv").open(newline="", encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def matches(e: dict[str, Any], **f: Any) -> bool:
    """Does exchange `e` pass the filters `f` (the API's parameters, parsed)?"""
    if f.get("since") and e["date"] < f["since"]:
        return False
    if f.get("until") and e["date"] > f["until"]:
        return False
    if f.get("kind") and e["kind"] not in f["kind"]:
        return False
    if f.get("mediator") and not set(e["mediators"]) & set(f["mediator"]):
        return False
    if f.get("source") and f["source"] not in e["sources"]:
        return False
    if f.get("confidence") and e["confidence"] not in f["confidence"]:
        return False
    if f.get("min_total") is not None and (e["total"] is None or e["total"] < f["min_total"]):
        return False
    for word in (f.get("q") or "").split():
        hay = (e["notes"] + " " + ";".join(e["ua_categories"])).lower()
        if word.lower() not in hay:
            return False
    return True


def sort_key(sort: str):  # type: ignore[no-untyped-def]
    field = sort.lstrip("-")
    if field == "date":
        return lambda e: (e["date"], e["id"])
    return lambda e: (-1 if e["total"] is None else e["total"], e["id"])


def expected_ids(sort: str = "-date", **f: Any) -> list[str]:
    rows = [e for e in exchanges() if matches(e, **f)]
    rows.sort(key=sort_key(sort), reverse=sort.startswith("-"))
    return [e["id"] for e in rows]


# ---- the measures (API.md, Measures): people and bodies counted apart, never added -------------

PEOPLE_KINDS = ("pow_exchange", "mixed", "civilian_release")
BODIES_KINDS = ("bodies_repatriation",)
# The ten numeric fields every statistic gives, in the order the answers give them.
MEASURES = (
    "exchanges",
    "repatriations",
    "people_to_ukraine",
    "people_to_russia",
    "bodies_to_ukraine",
    "bodies_to_russia",
    "undisclosed_people_to_ukraine",
    "undisclosed_people_to_russia",
    "undisclosed_bodies_to_ukraine",
    "undisclosed_bodies_to_russia",
)
SIDES = (("ukraine", "ukraine_received"), ("russia", "russia_received"))


def measures(rows: Any) -> dict[str, int]:
    """The ten measures over exchange records (the oracle's or the API's list rows): people
    from the kinds of living people, bodies from repatriations, undisclosed figures counted."""
    rows = list(rows)
    groups = {
        "people": [r for r in rows if r["kind"] in PEOPLE_KINDS],
        "bodies": [r for r in rows if r["kind"] in BODIES_KINDS],
    }
    out = {"exchanges": len(groups["people"]), "repatriations": len(groups["bodies"])}
    for measure, group in groups.items():
        for side, figure in SIDES:
            out[f"{measure}_to_{side}"] = sum(r[figure] for r in group if r[figure] is not None)
            out[f"undisclosed_{measure}_to_{side}"] = sum(r[figure] is None for r in group)
    return {k: out[k] for k in MEASURES}


def summary(rows: Any) -> dict[str, Any]:
    """The summary's `data` worked out from the records it summarises."""
    import datetime as dt
    import itertools
    import statistics

    rows = list(rows)
    people = sorted(
        (r for r in rows if r["kind"] in PEOPLE_KINDS), key=lambda r: (r["date"], r["id"])
    )
    bodies = sorted(
        (r for r in rows if r["kind"] in BODIES_KINDS), key=lambda r: (r["date"], r["id"])
    )
    known = [r for r in people if r["total"] is not None]
    # The largest total of living people; the earliest (date, id) among equals.
    top = min(known, key=lambda r: (-r["total"], r["date"], r["id"]), default=None)
    days = [dt.date.fromisoformat(r["date"]) for r in people]
    steps = [(a, b, (b - a).days) for a, b in itertools.pairwise(days)]
    longest = max((s for s in steps if s[2] > 0), key=lambda s: s[2], default=None)
    return {
        **measures(rows),
        "by_kind": {k: measures(r for r in rows if r["kind"] == k) for k in KINDS},
        "first_date": min((r["date"] for r in rows), default=None),
        "last_exchange": {"id": people[-1]["id"], "date": people[-1]["date"]} if people else None,
        "last_repatriation": (
            {"id": bodies[-1]["id"], "date": bodies[-1]["date"]} if bodies else None
        ),
        "largest_exchange": None
        if top is None
        else {
            "id": top["id"],
            "date": top["date"],
            "people_to_ukraine": top["ukraine_received"],
            "people_to_russia": top["russia_received"],
        },
        "median_gap_days": float(statistics.median(s[2] for s in steps)) if steps else None,
        "longest_gap": None
        if longest is None
        else {"from": longest[0].isoformat(), "to": longest[1].isoformat(), "days": longest[2]},
        "mediated_exchanges": sum(bool(r["mediators"]) for r in people),
        "mediated_repatriations": sum(bool(r["mediators"]) for r in bodies),
    }


KINDS = ("pow_exchange", "bodies_repatriation", "civilian_release", "mixed")


@lru_cache
def coverage() -> dict[str, str]:
    """data/coverage.csv's one record (from, until, note)."""
    with (DATA / "coverage.csv").open(newline="", encoding="utf-8") as fh:
        (row,) = list(csv.DictReader(fh))
    return dict(row)


@lru_cache
def moved_exchanges() -> dict[str, dict[str, str]]:
    """data/moved_exchanges.csv by old id."""
    with (DATA / "moved_exchanges.csv").open(newline="", encoding="utf-8") as fh:
        return {r["id"]: dict(r) for r in csv.DictReader(fh)}


@lru_cache
def claims() -> tuple[dict[str, Any], ...]:
    with (DATA / "claims.csv").open(newline="", encoding="utf-8") as fh:
        return tuple(
            {**r, "value": _int(r["value"]), "disclosed": r["disclosed"] == "true"}
            for r in csv.DictReader(fh)
        )


def disputed_exchanges() -> set[str]:
    """Exchanges with a side whose best value is stated and some disclosed claim differs
    from it (the codebook's rule for `disputed`)."""
    best = {e["id"]: e for e in exchanges()}
    return {
        c["exchange"]
        for c in claims()
        if c["disclosed"]
        and best[c["exchange"]][c["figure"]] is not None
        and c["value"] != best[c["exchange"]][c["figure"]]
    }
