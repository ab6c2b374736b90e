"""One-time import of the curators' research files into the project's data/ (kept for the record).

    uv run python scripts/build_data.py RESEARCH_DIR data/

Merges the per-period files, normalises mediator names to slugs and a few spellings, and drops
month-only publication dates (the field is a date). After this import, data/ is the source of
truth and is edited directly, reviewed like code.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

MEDIATORS = {
    "UAE": ("uae", "United Arab Emirates"),
    "Turkey": ("turkey", "Türkiye"),
    "Saudi Arabia": ("saudi-arabia", "Saudi Arabia"),
    "Qatar": ("qatar", "Qatar"),
    "Vatican": ("vatican", "Holy See (Vatican)"),
    "USA": ("usa", "United States"),
    "ICRC": ("icrc", "International Committee of the Red Cross"),
    "Belarus": ("belarus", "Belarus"),
}
CATEGORIES = {"Territorial Defence": "Territorial Defense"}
PUBLISHERS = {"Kyiv Independent": "The Kyiv Independent"}
OFFICIAL_PUBLISHERS = {"Ministry for Reintegration of Ukraine"}


def rows(directory: Path, pattern: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for path in sorted(directory.glob(pattern)):
        with path.open(newline="", encoding="utf-8") as fh:
            out.extend(csv.DictReader(fh))
    return out


# Captives named in the research files (data/name_patterns.txt refuses them): our own notes say
# what the person was, a quoted headline marks the cut.
NAMED_CAPTIVE = re.compile(r"(?:Viktor\s+)?Medvedchuk|(?:Віктор\s+|Виктор\s+)?Медведчук\w*")


def redact(row: dict[str, str]) -> dict[str, str]:
    out = dict(row)
    for key, replacement in (("notes", "a detained politician"), ("note", "a detained politician")):
        if out.get(key):
            out[key] = NAMED_CAPTIVE.sub(replacement, out[key])
    if out.get("title"):
        out["title"] = NAMED_CAPTIVE.sub("[name withheld]", out["title"])
    return out


def write(path: Path, header: list[str], data: list[dict[str, str]]) -> None:
    data = [redact(row) for row in data]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        w.writeheader()
        w.writerows(data)


def main(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    write(
        dst / "mediators.csv", ["id", "name"], [{"id": s, "name": n} for s, n in MEDIATORS.values()]
    )

    sources = []
    for r in rows(src, "sources_*.csv"):
        published = r["published"] if re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["published"]) else ""
        publisher = PUBLISHERS.get(r["publisher"], r["publisher"])
        kind = "official" if publisher in OFFICIAL_PUBLISHERS else r["kind"]
        sources.append({**r, "publisher": publisher, "published": published, "kind": kind})
    sources.sort(key=lambda r: r["id"])
    write(
        dst / "sources.csv",
        ["id", "url", "publisher", "title", "published", "kind", "language"],
        sources,
    )

    exchanges = []
    for r in rows(src, "exchanges_*.csv"):
        mediators = [MEDIATORS[m.strip()][0] for m in r["mediators"].split(";") if m.strip()]
        cats = [
            CATEGORIES.get(c.strip(), c.strip()) for c in r["ua_categories"].split(";") if c.strip()
        ]
        exchanges.append(
            {
                "id": r["id"],
                "date": r["date"],
                "kind": r["kind"],
                "ukraine_received": r["ukraine_received"],
                "russia_received": r["russia_received"],
                "mediators": ";".join(mediators),
                "ua_sequence_number": r["ua_sequence_number"],
                "ua_categories": ";".join(dict.fromkeys(cats)),
                "notes": r["notes"],
                "confidence": r["confidence"],
                "sources": r["source_ids"],
            }
        )
    exchanges.sort(key=lambda r: (r["date"], r["id"]))
    write(
        dst / "exchanges.csv",
        [
            "id",
            "date",
            "kind",
            "ukraine_received",
            "russia_received",
            "mediators",
            "ua_sequence_number",
            "ua_categories",
            "notes",
            "confidence",
            "sources",
        ],
        exchanges,
    )


# Official totals that count from a later day than 2022-02-24, read off their notes, so that
# the reconciliation compares like with like: (date, claimant, metric, value) -> (metric, from).
WINDOWS = {
    ("2022-05-06", "ua_official", "people_returned_to_ukraine", "300"): (
        "people_returned_to_ukraine",
        "2022-03-24",
    ),
    ("2023-07-07", "ua_official", "exchanges_count", "47"): ("exchanges_count", "2022-03-11"),
    ("2025-06-16", "ru_official", "bodies_returned_to_ukraine", "6060"): (
        "bodies_returned_to_ukraine",
        "2025-06-02",
    ),
    ("2025-07-23", "ru_official", "bodies_returned_to_ukraine", "7000"): (
        "bodies_returned_to_ukraine",
        "2025-06-02",
    ),
    ("2025-12-19", "ru_official", "bodies_returned_to_ukraine", "11000"): (
        "bodies_returned_to_ukraine",
        "2025-06-01",
    ),
    ("2026-02-02", "ru_official", "bodies_returned_to_ukraine", "12000"): (
        "bodies_returned_to_ukraine",
        "2025-06-01",
    ),
    ("2026-02-27", "media", "bodies_returned_to_ukraine", "16483"): (
        "bodies_returned_to_ukraine",
        "2025-01-01",
    ),
    ("2024-12-30", "ua_official", "other", "1358"): ("people_returned_to_ukraine", "2024-01-01"),
    ("2025-04-19", "ua_official", "other", "596"): ("people_returned_to_ukraine", "2025-01-01"),
    ("2026-01-20", "ua_official", "other", "10"): ("exchanges_count", "2025-01-01"),
}


def numbered(base: str, seen: dict[str, int]) -> str:
    seen[base] = seen.get(base, 0) + 1
    return base if seen[base] == 1 else f"{base}-{seen[base]}"


def provenance(src: Path, dst: Path) -> None:
    seen: dict[str, int] = {}
    claims = []
    for r in rows(src, "claims.csv"):
        claims.append(
            {
                "id": numbered(f"{r['exchange_id']}.{r['figure']}.{r['claimant']}", seen),
                "exchange": r["exchange_id"],
                "claimant": r["claimant"],
                "figure": r["figure"],
                "value": r["value"],
                "disclosed": r["disclosed"],
                "sources": r["source_ids"],
                "note": r["note"],
            }
        )
    write(
        dst / "claims.csv",
        ["id", "exchange", "claimant", "figure", "value", "disclosed", "sources", "note"],
        claims,
    )
    agreements = [
        {
            "id": r["id"],
            "name": r["name"],
            "agreed_on": r["agreed_on"],
            "agreed_ukraine_received": r["agreed_ukraine_received"],
            "agreed_russia_received": r["agreed_russia_received"],
            "stages": r["stage_exchange_ids"],
            "sources": r["source_ids"],
            "note": r["note"],
        }
        for r in rows(src, "agreements.csv")
    ]
    write(
        dst / "agreements.csv",
        [
            "id",
            "name",
            "agreed_on",
            "agreed_ukraine_received",
            "agreed_russia_received",
            "stages",
            "sources",
            "note",
        ],
        agreements,
    )
    totals = []
    seen = {}
    for r in rows(src, "official_totals.csv"):
        metric, counted_from = WINDOWS.get(
            (r["date"], r["claimant"], r["metric"], r["value"]), (r["metric"], "")
        )
        totals.append(
            {
                "id": numbered(f"{r['date']}.{r['claimant']}.{metric}", seen),
                "date": r["date"],
                "claimant": r["claimant"],
                "metric": metric,
                "value": r["value"],
                "qualifier": r["qualifier"],
                "counted_from": counted_from,
                "sources": r["source_ids"],
                "note": r["note"],
            }
        )
    write(
        dst / "official_totals.csv",
        [
            "id",
            "date",
            "claimant",
            "metric",
            "value",
            "qualifier",
            "counted_from",
            "sources",
            "note",
        ],
        totals,
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
    provenance(Path(sys.argv[1]), Path(sys.argv[2]))
