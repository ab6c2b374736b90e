"""`meta.count` of the exchange list comes from per-day counts kept per database, dataset
version and filters (app.queries.DayCounts): it must be what counting the rows gives, for any
window, on every database, before and after a write."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from app.queries import DayCounts
from tests.conftest import use_database

DATES = st.dates(dt.date(2021, 12, 1), dt.date(2027, 1, 31))


@given(
    days=st.lists(st.tuples(DATES, st.integers(1, 5)), max_size=40, unique_by=lambda d: d[0]),
    since=st.none() | DATES,
    until=st.none() | DATES,
)
def test_a_window_counts_what_its_days_hold(days, since, until):
    rows = sorted(days)
    expected = sum(
        n for day, n in rows if (since is None or day >= since) and (until is None or day <= until)
    )
    assert DayCounts.of(rows).between(since, until) == expected


def test_every_window_over_the_shipped_data_counts_its_rows(client):
    rows = client.get("/v1/exchanges", params={"limit": 500}).json()["data"]
    dates = sorted({dt.date.fromisoformat(r["date"]) for r in rows})
    edges = [dates[0], dates[1], dates[len(dates) // 2], dates[-2], dates[-1]]
    edges += [d + dt.timedelta(days=k) for d in (dates[0], dates[-1]) for k in (-1, 1)]
    for kind in (None, "pow_exchange"):
        for since in [None, *edges]:
            for until in [None, *edges]:
                if since and until and since > until:
                    continue
                params = {"limit": 1, "since": since, "until": until, "kind": kind}
                query = {k: str(v) for k, v in params.items() if v is not None}
                meta = client.get("/v1/exchanges", params=query).json()["meta"]
                expected = [
                    r for r in rows
                    if (since is None or r["date"] >= since.isoformat())
                    and (until is None or r["date"] <= until.isoformat())
                    and (kind is None or r["kind"] == kind)
                ]  # fmt: skip
                assert meta["count"] == len(expected), query


def test_two_databases_at_one_version_keep_their_own_counts(client, small_client):
    shipped = client.get("/v1/exchanges", params={"limit": 1}).json()["meta"]
    small = small_client.get("/v1/exchanges", params={"limit": 1}).json()["meta"]
    assert shipped["dataset_version"] == small["dataset_version"]  # the case that matters
    assert small["count"] == 7 and shipped["count"] > 100
    again = client.get("/v1/exchanges", params={"limit": 1}).json()["meta"]
    assert again["count"] == shipped["count"]


def test_a_write_is_counted_at_once_and_a_pinned_read_keeps_its_count(fresh_client, fresh_url):
    from app import curation
    from app.db import write_session

    window = {"since": "2022-03-01", "until": "2022-03-05", "limit": 1}
    before = fresh_client.get("/v1/exchanges", params=window).json()["meta"]
    with use_database(fresh_url), write_session() as session:
        rec = {
            "id": "2022-03-02", "date": "2022-03-02", "kind": "pow_exchange",
            "ukraine_received": 1, "russia_received": 1, "mediators": [],
            "ua_sequence_number": None, "ua_categories": [], "notes": "test",
            "confidence": "low", "sources": ["up-2022-03-24-10for10"],
        }  # fmt: skip
        curation.apply(session, [curation.Op("exchange", "create", rec["id"], rec)], actor="test")
    after = fresh_client.get("/v1/exchanges", params=window).json()["meta"]
    assert after["dataset_version"] == before["dataset_version"] + 1
    assert after["count"] == before["count"] + 1
    pinned = {**window, "as_of_version": before["dataset_version"]}
    assert (
        fresh_client.get("/v1/exchanges", params=pinned).json()["meta"]["count"] == before["count"]
    )
