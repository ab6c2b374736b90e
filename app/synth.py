"""A synthetic dataset for scale: plausible events, sources and claims, never the real data.

Written through the one writer (curation.replace_all) like any load, so indexes, history and
the audit log look as they would after real use. Ids carry an `s` so no one mistakes them.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from app.codebook import FIRST_DATE
from app.curation import Record

MEDIATORS = (
    ("uae", "United Arab Emirates"), ("turkey", "Türkiye"), ("saudi-arabia", "Saudi Arabia"),
    ("qatar", "Qatar"), ("vatican", "Holy See (Vatican)"), ("usa", "United States"),
    ("icrc", "International Committee of the Red Cross"), ("belarus", "Belarus"),
)  # fmt: skip
KINDS = ("pow_exchange", "bodies_repatriation", "civilian_release", "mixed")
KIND_WEIGHTS = (48, 41, 2, 9)
CATEGORIES = ("Armed Forces", "National Guard", "Border Guard", "Navy", "civilians",
              "Territorial Defense", "wounded")  # fmt: skip


def build(
    events: int, *, seed: int = 7, today: dt.date | None = None
) -> dict[str, dict[str, Record]]:
    """`events` synthetic exchanges (about one source per ten events) as canonical records."""
    rng = random.Random(seed)
    first = dt.date.fromisoformat(FIRST_DATE)
    last = today or dt.datetime.now(dt.UTC).date()
    span = (last - first).days
    n_sources = max(10, events // 10)
    sources = {
        f"synth-s{i}": {
            "id": f"synth-s{i}", "url": f"https://example.org/synthetic/{i}",
            "publisher": f"Synthetic outlet {i % 97}", "title": f"Synthetic report {i}",
            "published": (first + dt.timedelta(days=rng.randrange(span + 1))).isoformat(),
            "kind": rng.choice(("official", "media", "media", "social")),
            "language": rng.choice(("en", "uk", "ru")),
        }
        for i in range(n_sources)
    }  # fmt: skip
    exchanges: dict[str, Record] = {}
    claims: dict[str, Record] = {}
    for i in range(events):
        day = first + dt.timedelta(days=rng.randrange(span + 1))
        kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
        size = int(rng.lognormvariate(4.3, 1.0)) + 1
        ua: int | None = size
        ru: int | None = size if kind != "bodies_repatriation" else rng.randrange(0, 80)
        if rng.random() < 0.05:
            ua = None
        if rng.random() < 0.3:
            ru = None
        rid = f"{day.isoformat()}-s{i}"
        mediators = rng.sample([m for m, _ in MEDIATORS], k=rng.choice((0, 0, 1, 1, 2)))
        exchanges[rid] = {
            "id": rid, "date": day.isoformat(), "kind": kind, "ukraine_received": ua,
            "russia_received": ru, "mediators": mediators,
            "ua_sequence_number": None,
            "ua_categories": rng.sample(CATEGORIES, k=rng.randrange(0, 4)),
            "notes": f"Synthetic event {i} for scale tests.",
            "confidence": rng.choice(("high", "high", "medium", "low")),
            "sources": [f"synth-s{j}" for j in sorted(rng.sample(range(n_sources), k=2))],
        }  # fmt: skip
        if ua is not None and rng.random() < 0.1:
            for claimant, value in (("ua_official", ua), ("ru_official", ua - rng.randrange(0, 3))):
                cid = f"{rid}.ukraine_received.{claimant}"
                claims[cid] = {
                    "id": cid, "exchange": rid, "claimant": claimant,
                    "figure": "ukraine_received", "value": value, "disclosed": True,
                    "sources": exchanges[rid]["sources"][:1], "note": "",
                }  # fmt: skip
    mediator_records: dict[str, Record] = {m: {"id": m, "name": n} for m, n in MEDIATORS}
    empty: dict[str, Any] = {}
    return {
        "mediator": mediator_records, "source": sources, "exchange": exchanges,
        "claim": claims, "agreement": empty, "official_total": empty,
    }  # fmt: skip
