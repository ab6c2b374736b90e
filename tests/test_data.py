"""Checks over the shipped dataset itself."""

from __future__ import annotations

import collections
import re

from app.loader import read_directory
from tests import oracle
from tests.conftest import DATA


def test_shipped_files_validate():
    loaded = read_directory(DATA)
    assert loaded.problems == []
    assert len(loaded.records["exchange"]) == len(oracle.exchanges())


def test_ids_are_unique_and_follow_the_date():
    ids = [e["id"] for e in oracle.exchanges()]
    assert len(ids) == len(set(ids))
    for e in oracle.exchanges():
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}(-[b-z])?", e["id"])
        assert e["id"].startswith(e["date"])
    # A suffixed id only where its day has an event without suffix.
    days = {e["id"] for e in oracle.exchanges()}
    for rid in days:
        if len(rid) > 10:
            assert rid[:10] in days, rid


def test_every_exchange_is_cited_by_known_sources():
    known = {s["id"] for s in oracle.sources()}
    for e in oracle.exchanges():
        assert e["sources"], e["id"]
        assert set(e["sources"]) <= known, e["id"]


def test_totals_equal_the_sum_of_the_sides(client):
    from tests.helpers import walk

    rows, _ = walk(client, "/v1/exchanges", limit=500)
    for r in rows:
        ua, ru = r["ukraine_received"], r["russia_received"]
        assert r["total"] == (None if ua is None or ru is None else ua + ru)


def test_17_july_2024_is_95_for_95_uae_54th():
    e = next(x for x in oracle.exchanges() if x["id"] == "2024-07-17")
    assert (e["ukraine_received"], e["russia_received"]) == (95, 95)
    assert e["mediators"] == ["uae"] and e["ua_sequence_number"] == 54


def test_vocabularies_are_normalised():
    mediators = collections.Counter(m for e in oracle.exchanges() for m in e["mediators"])
    assert set(mediators) <= {
        "uae",
        "turkey",
        "saudi-arabia",
        "qatar",
        "vatican",
        "usa",
        "icrc",
        "belarus",
    }
    cats = {c for e in oracle.exchanges() for c in e["ua_categories"]}
    assert "Territorial Defence" not in cats  # one spelling: Territorial Defense


def test_undisclosed_figures_stay_empty_not_zero():
    # 2025-07-23: Kyiv gave no number (research notes); the row keeps both sides unknown.
    e = next(x for x in oracle.exchanges() if x["id"] == "2025-07-23")
    assert e["ukraine_received"] is None and e["russia_received"] is None
    assert not any(
        e["ukraine_received"] == 0 or e["russia_received"] == 0 for e in oracle.exchanges()
    )


def test_no_sequence_number_is_used_twice():
    seq = collections.Counter(
        e["ua_sequence_number"] for e in oracle.exchanges() if e["ua_sequence_number"] is not None
    )
    # Staged exchanges share Ukraine's number (65th over 23-25 May 2025; 66th over 9-10 June).
    repeated = {n for n, c in seq.items() if c > 1}
    assert repeated <= {53, 65, 66}, repeated
