"""Statistics: every figure against values worked out by hand on tests/fixtures/small, and the
summary against the list under the same filters on the shipped data."""

from __future__ import annotations

import csv
import io

import pytest

from app.answers import Page, ReconciliationRow, Summary, TimeseriesPage
from tests.helpers import assert_problem, walk

ZERO = {
    "exchanges": 0,
    "ukraine_received": 0,
    "russia_received": 0,
    "total": 0,
    "undisclosed_ukraine_received": 0,
    "undisclosed_russia_received": 0,
}


def test_summary_by_hand(small_client):
    body = small_client.get("/v1/statistics/summary").json()
    Summary.model_validate(body)
    version = body["meta"]["dataset_version"]
    assert body == {
        "exchanges": 7,
        "ukraine_received": 189,  # 10 + 50 + 7 + 20 + 2 + 100; the leap-day swap's is unknown
        "russia_received": 128,  # 10 + 5 + 3 + 20 + 90
        "total": 317,
        "undisclosed_ukraine_received": 1,
        "undisclosed_russia_received": 2,
        "by_kind": {
            "pow_exchange": {
                "exchanges": 4,
                "ukraine_received": 130,
                "russia_received": 125,
                "total": 255,
                "undisclosed_ukraine_received": 1,
                "undisclosed_russia_received": 0,
            },
            "bodies_repatriation": {
                "exchanges": 1,
                "ukraine_received": 50,
                "russia_received": 0,
                "total": 50,
                "undisclosed_ukraine_received": 0,
                "undisclosed_russia_received": 1,
            },
            "civilian_release": {
                "exchanges": 1,
                "ukraine_received": 2,
                "russia_received": 0,
                "total": 2,
                "undisclosed_ukraine_received": 0,
                "undisclosed_russia_received": 1,
            },
            "mixed": {
                "exchanges": 1,
                "ukraine_received": 7,
                "russia_received": 3,
                "total": 10,
                "undisclosed_ukraine_received": 0,
                "undisclosed_russia_received": 0,
            },
        },
        "first_date": "2024-02-28",
        "last_date": "2025-01-02",
        "largest": {"id": "2025-01-02", "date": "2025-01-02", "total": 190},
        # gaps in date order: 1, 0 (same day), 62, 242, 1, 3 -> sorted 0 1 1 3 62 242
        "median_gap_days": 2.0,
        "longest_gap": {"from": "2024-05-01", "to": "2024-12-29", "days": 242},
        "mediated_share": round(4 / 7, 4),
        "dataset_version": version,
        "meta": {"dataset_version": version},
    }


def test_summary_under_a_filter_by_hand(small_client):
    body = small_client.get("/v1/statistics/summary?mediator=uae").json()
    assert (body["exchanges"], body["ukraine_received"], body["russia_received"]) == (2, 30, 30)
    assert body["median_gap_days"] == 305.0
    assert body["longest_gap"] == {"from": "2024-02-28", "to": "2024-12-29", "days": 305}
    assert body["mediated_share"] == 1.0


def test_summary_of_nothing_is_valid_and_empty(small_client):
    body = small_client.get("/v1/statistics/summary?since=2026-01-01").json()
    assert {k: body[k] for k in ZERO} == ZERO
    assert body["by_kind"]["mixed"] == ZERO
    assert body["first_date"] is None and body["largest"] is None
    assert body["median_gap_days"] is None and body["longest_gap"] is None
    assert body["mediated_share"] is None
    ts = small_client.get("/v1/statistics/timeseries?since=2026-01-01").json()
    assert ts["data"] == [] and ts["meta"]["count"] == 0


def test_one_event_has_no_gap(small_client):
    body = small_client.get("/v1/statistics/summary?mediator=turkey").json()
    assert body["exchanges"] == 1
    assert body["median_gap_days"] is None and body["longest_gap"] is None


def test_monthly_series_fills_empty_months(small_client):
    body = small_client.get("/v1/statistics/timeseries?cumulative=true").json()
    TimeseriesPage.model_validate(body)
    assert body["interval"] == "month" and body["cumulative"] is True
    points = body["data"]
    assert [p["period"] for p in points] == [
        "2024-02",
        "2024-03",
        "2024-04",
        "2024-05",
        "2024-06",
        "2024-07",
        "2024-08",
        "2024-09",
        "2024-10",
        "2024-11",
        "2024-12",
        "2025-01",
    ]
    feb, mar, may, dec, jan = points[0], points[1], points[3], points[10], points[11]
    assert (feb["start"], feb["end"]) == ("2024-02-01", "2024-02-29")  # a leap year's February
    assert {
        k: feb[k]
        for k in (
            "exchanges",
            "ukraine_received",
            "russia_received",
            "undisclosed_ukraine_received",
            "undisclosed_russia_received",
        )
    } == {
        "exchanges": 3,
        "ukraine_received": 60,
        "russia_received": 15,
        "undisclosed_ukraine_received": 1,
        "undisclosed_russia_received": 1,
    }
    assert mar["exchanges"] == 0 and mar["ukraine_received"] == 0
    assert mar["cumulative_ukraine_received"] == 60  # carried through empty months
    assert (may["ukraine_received"], may["russia_received"]) == (7, 3)
    assert (dec["exchanges"], dec["ukraine_received"], dec["undisclosed_russia_received"]) == (
        2,
        22,
        1,
    )
    assert (
        jan["cumulative_exchanges"],
        jan["cumulative_ukraine_received"],
        jan["cumulative_russia_received"],
    ) == (7, 189, 128)


def test_weeks_cross_the_new_year_as_iso_weeks(small_client):
    points = small_client.get("/v1/statistics/timeseries?interval=week").json()["data"]
    assert len(points) == 45  # 2024-W09 (26 Feb) to 2025-W01 (30 Dec)
    assert points[0] == {
        "period": "2024-W09",
        "start": "2024-02-26",
        "end": "2024-03-03",
        "exchanges": 3,
        "ukraine_received": 60,
        "russia_received": 15,
        "undisclosed_ukraine_received": 1,
        "undisclosed_russia_received": 1,
    }
    by = {p["period"]: p for p in points}
    assert by["2024-W52"]["exchanges"] == 1  # Sunday 29 December
    assert by["2024-W52"]["start"] == "2024-12-23"
    assert by["2025-W01"]["start"] == "2024-12-30"
    assert by["2025-W01"]["exchanges"] == 2  # Monday 30 December and Thursday 2 January
    assert by["2025-W01"]["ukraine_received"] == 102
    assert "cumulative_exchanges" not in points[0]


def test_quarters_and_years(small_client):
    q = small_client.get("/v1/statistics/timeseries?interval=quarter").json()["data"]
    assert [p["period"] for p in q] == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1"]
    assert [p["exchanges"] for p in q] == [3, 1, 0, 2, 1]
    assert (q[2]["start"], q[2]["end"]) == ("2024-07-01", "2024-09-30")
    y = small_client.get("/v1/statistics/timeseries?interval=year").json()["data"]
    assert [(p["period"], p["exchanges"], p["ukraine_received"]) for p in y] == [
        ("2024", 6, 89),
        ("2025", 1, 100),
    ]


def test_timeseries_csv_is_ready_for_a_chart(small_client):
    r = small_client.get("/v1/statistics/timeseries?cumulative=true&format=csv")
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert list(rows[0]) == [
        "period",
        "start",
        "end",
        "exchanges",
        "ukraine_received",
        "russia_received",
        "undisclosed_ukraine_received",
        "undisclosed_russia_received",
        "cumulative_exchanges",
        "cumulative_ukraine_received",
        "cumulative_russia_received",
    ]
    assert len(rows) == 12 and rows[1]["exchanges"] == "0"


@pytest.mark.parametrize("interval", ["fortnight", "WEEK", "", "day"])
def test_unknown_interval_is_a_422_problem(small_client, interval):
    assert_problem(
        small_client.get(f"/v1/statistics/timeseries?interval={interval}"), 422, "interval"
    )


def test_mediator_statistics_by_hand(small_client):
    body = small_client.get("/v1/statistics/mediators").json()
    rows = {r["id"]: r for r in body["data"]}
    assert rows["uae"] == {
        "id": "uae",
        "name": "United Arab Emirates",
        "exchanges": 2,
        "ukraine_received": 30,
        "russia_received": 30,
        "undisclosed_ukraine_received": 0,
        "undisclosed_russia_received": 0,
        "first_date": "2024-02-28",
        "last_date": "2024-12-29",
    }
    assert rows["icrc"]["undisclosed_russia_received"] == 1
    assert rows["turkey"]["exchanges"] == 1
    filtered = {
        r["id"]: r
        for r in small_client.get("/v1/statistics/mediators?since=2025-01-01").json()["data"]
    }
    assert filtered["uae"]["exchanges"] == 0 and filtered["uae"]["first_date"] is None


def test_reconciliation_by_hand(small_client):
    body = small_client.get("/v1/statistics/reconciliation").json()
    Page[ReconciliationRow].model_validate(body)
    got = {r["id"]: (r["dataset_value"], r["difference"], r["ratio"]) for r in body["data"]}
    assert got == {
        # people: ukraine_received over every kind but bodies, to the statement's date
        "2024-05-01.ua_official.people_returned_to_ukraine": (17, -3, 0.85),
        "2024-06-01.mediator.mediator_total": (None, None, None),
        # events of every kind but bodies: 28 Feb, 29 Feb (b), 1 May, 29 Dec, 30 Dec
        "2024-12-31.ua_official.exchanges_count": (5, 0, 1.0),
        "2025-01-02.ua_official.bodies_returned_to_ukraine": (50, -10, round(50 / 60, 4)),
        # counted from 1 December: 20 + 2 + 100
        "2025-01-02.ua_official.people_returned_to_ukraine": (122, 2, round(122 / 120, 4)),
    }
    only = small_client.get("/v1/statistics/reconciliation?metric=exchanges_count").json()
    assert [r["id"] for r in only["data"]] == ["2024-12-31.ua_official.exchanges_count"]


def test_agreement_delivered_against_agreed(small_client):
    body = small_client.get("/v1/agreements/fixture-deal").json()["data"]
    assert [s["id"] for s in body["stages"]] == ["2024-12-29", "2025-01-02"]
    assert body["delivered"] == {
        "stages": 2,
        "ukraine_received": 120,
        "undisclosed_ukraine_received": 0,
        "ukraine_received_share_of_agreed": 0.8,
        "russia_received": 110,
        "undisclosed_russia_received": 0,
        "russia_received_share_of_agreed": round(110 / 150, 4),
    }
    ex = small_client.get("/v1/exchanges/2025-01-02").json()["data"]
    assert ex["agreements"] == ["fixture-deal"]


def test_figure_status_by_hand(small_client):
    rows = {e["id"]: e for e in small_client.get("/v1/exchanges?limit=500").json()["data"]}
    assert rows["2024-02-28"]["figure_status"] == {
        "ukraine_received": "consistent",
        "russia_received": "single_source",
    }
    assert rows["2025-01-02"]["figure_status"]["ukraine_received"] == "disputed"
    assert rows["2025-01-02"]["figure_range"]["ukraine_received"] == {"min": 98, "max": 100}
    assert rows["2024-12-29"]["figure_status"]["russia_received"] == "single_source"
    assert rows["2024-02-29-b"]["figure_status"]["ukraine_received"] == "undisclosed"
    assert rows["2024-02-29"]["figure_status"]["russia_received"] == "undisclosed"
    for status in ("consistent", "disputed", "single_source", "undisclosed"):
        listed = small_client.get(f"/v1/exchanges?figure_status={status}&limit=500").json()
        want = sorted(
            (e["id"] for e in rows.values() if status in e["figure_status"].values()), reverse=True
        )
        assert [e["id"] for e in listed["data"]] == want, status


FILTER_SETS = [
    {},
    {"mediator": "uae"},
    {"kind": "bodies_repatriation"},
    {"since": "2025-01-01"},
    {"kind": "pow_exchange,mixed", "until": "2024-12-31"},
    {"confidence": "medium"},
    {"min_total": "300"},
    {"q": "wounded"},
    {"figure_status": "disputed"},
    {"source": "up-2022-03-24-10for10"},
    {"since": "2030-01-01"},
]


@pytest.mark.parametrize("params", FILTER_SETS)
def test_summary_agrees_with_the_list(client, params):
    rows, _ = walk(client, "/v1/exchanges", limit=500, **params)
    s = client.get("/v1/statistics/summary", params=params).json()
    assert s["exchanges"] == len(rows)
    for fig in ("ukraine_received", "russia_received"):
        assert s[fig] == sum(r[fig] for r in rows if r[fig] is not None)
        assert s[f"undisclosed_{fig}"] == sum(1 for r in rows if r[fig] is None)
    for kind, figs in s["by_kind"].items():
        assert figs["exchanges"] == sum(1 for r in rows if r["kind"] == kind)
    ts = client.get("/v1/statistics/timeseries", params={**params, "interval": "week"}).json()
    assert sum(p["exchanges"] for p in ts["data"]) == len(rows)
    assert sum(p["ukraine_received"] for p in ts["data"]) == s["ukraine_received"]
    if rows:
        dates = sorted(r["date"] for r in rows)
        assert (s["first_date"], s["last_date"]) == (dates[0], dates[-1])
        # ISO weeks, each labelled like 2024-W29, continuous from first to last
        assert all(len(p["period"]) == 8 and p["period"][4:6] == "-W" for p in ts["data"])


def test_undisclosed_figures_are_never_summed_as_zero(client):
    s = client.get("/v1/statistics/summary").json()
    assert s["undisclosed_ukraine_received"] > 0 and s["undisclosed_russia_received"] > 0
    r = client.get("/v1/exchanges?format=csv&limit=500&figure_status=undisclosed")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows
    for row in rows:
        for fig in ("ukraine_received", "russia_received"):
            if row[f"{fig}_status"] == "undisclosed":
                assert row[fig] == ""  # empty, never 0, with the status beside it
