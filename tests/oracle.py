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
