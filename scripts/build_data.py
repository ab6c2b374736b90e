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


def write(path: Path, header: list[str], data: list[dict[str, str]]) -> None:
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


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
