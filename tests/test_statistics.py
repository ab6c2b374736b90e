"""Statistics: every figure against values worked out by hand on tests/fixtures/small (which has
no coverage), the ten measures against sums over the list under the same filters on the
shipped data, the coverage they span, and the rule that people and bodies are never added."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from typing import Any

import pytest

from app.answers import (
    MediatorStatsPage,
    ReconciliationPage,
    SummaryAnswer,
    TimeseriesPage,
)
from tests import oracle
from tests.helpers import assert_problem, walk

MEASURES = oracle.MEASURES
ZERO = dict.fromkeys(MEASURES, 0)
INTERVALS = ("week", "month", "quarter", "year")
NO_COVERAGE = {
    "from": None,
    "until": None,
    "statement": "The curators have not set the coverage yet: no date is vouched for.",
}


def figures(**values: int) -> dict[str, int]:
    """The ten measures: zero but for `values`."""
    assert set(values) <= set(MEASURES), values
    return {**ZERO, **values}


def pick(row: dict[str, Any], names: Any = MEASURES) -> dict[str, Any]:
    return {k: row[k] for k in names}


# The small dataset's first events, all in the week of 26 February 2024 (and so in February).
LATE_FEBRUARY_2024 = figures(
    exchanges=2,
    repatriations=1,
    people_to_ukraine=10,
    people_to_russia=15,
    bodies_to_ukraine=50,
    undisclosed_people_to_ukraine=1,
    undisclosed_bodies_to_russia=1,
)


# ---- by hand, on tests/fixtures/small ---------------------------------------------------------
# 2024-02-28 pow 10/10 uae; 2024-02-29 bodies 50/- icrc; 2024-02-29-b pow -/5; 2024-05-01 mixed
# 7/3; 2024-12-29 pow 20/20 uae; 2024-12-30 civilian 2/-; 2025-01-02 pow 100/90 turkey.


def test_summary_by_hand(small_client):
    body = small_client.get("/v1/statistics/summary").json()
    SummaryAnswer.model_validate(body)
    version = body["meta"]["dataset_version"]
    assert body == {
        "data": {
            "exchanges": 6,  # every event but the leap-day repatriation
            "repatriations": 1,
            "people_to_ukraine": 139,  # 10 + 7 + 20 + 2 + 100; the leap-day swap's is unknown
            "people_to_russia": 128,  # 10 + 5 + 3 + 20 + 90
            "bodies_to_ukraine": 50,
            "bodies_to_russia": 0,
            "undisclosed_people_to_ukraine": 1,
            "undisclosed_people_to_russia": 1,
            "undisclosed_bodies_to_ukraine": 0,
            "undisclosed_bodies_to_russia": 1,
            "by_kind": {
                "pow_exchange": figures(
                    exchanges=4,
                    people_to_ukraine=130,
                    people_to_russia=125,
                    undisclosed_people_to_ukraine=1,
                ),
                "bodies_repatriation": figures(
                    repatriations=1, bodies_to_ukraine=50, undisclosed_bodies_to_russia=1
                ),
                "civilian_release": figures(
                    exchanges=1, people_to_ukraine=2, undisclosed_people_to_russia=1
                ),
                "mixed": figures(exchanges=1, people_to_ukraine=7, people_to_russia=3),
            },
            "first_date": "2024-02-28",
            "last_exchange": {"id": "2025-01-02", "date": "2025-01-02"},
            "last_repatriation": {"id": "2024-02-29", "date": "2024-02-29"},
            "largest_exchange": {
                "id": "2025-01-02",
                "date": "2025-01-02",
                "people_to_ukraine": 100,
                "people_to_russia": 90,
            },
            # gaps between exchanges of living people in date order: 1, 62, 242, 1, 3 (the
            # repatriation of 29 February is no exchange) -> sorted 1 1 3 62 242
            "median_gap_days": 3.0,
            "longest_gap": {"from": "2024-05-01", "to": "2024-12-29", "days": 242},
            "mediated_exchanges": 3,  # uae twice, turkey
            "mediated_repatriations": 1,  # icrc
        },
        "meta": {"dataset_version": version, "coverage": NO_COVERAGE},
    }
    assert body["data"] == oracle.summary(small_rows(small_client))


def small_rows(c: Any, **params: Any) -> list[dict[str, Any]]:
    rows, _ = walk(c, "/v1/exchanges", limit=500, **params)
    return rows


def test_summary_under_a_filter_by_hand(small_client):
    body = small_client.get("/v1/statistics/summary?mediator=uae").json()["data"]
    assert pick(body) == figures(exchanges=2, people_to_ukraine=30, people_to_russia=30)
    assert body["median_gap_days"] == 305.0
    assert body["longest_gap"] == {"from": "2024-02-28", "to": "2024-12-29", "days": 305}
    assert (body["mediated_exchanges"], body["mediated_repatriations"]) == (2, 0)
    assert body["last_repatriation"] is None


def test_bodies_only_give_zeros_for_people(small_client):
    body = small_client.get("/v1/statistics/summary?kind=bodies_repatriation").json()["data"]
    assert pick(body) == figures(
        repatriations=1, bodies_to_ukraine=50, undisclosed_bodies_to_russia=1
    )
    assert body["last_exchange"] is None and body["largest_exchange"] is None
    assert body["last_repatriation"] == {"id": "2024-02-29", "date": "2024-02-29"}
    assert body["median_gap_days"] is None and body["longest_gap"] is None
    assert (body["mediated_exchanges"], body["mediated_repatriations"]) == (0, 1)


def test_summary_of_nothing_is_valid_and_empty(small_client):
    body = small_client.get("/v1/statistics/summary?since=2026-01-01").json()
    SummaryAnswer.model_validate(body)
    assert body["data"] == {
        **ZERO,
        "by_kind": dict.fromkeys(oracle.KINDS, ZERO),
        "first_date": None,
        "last_exchange": None,
        "last_repatriation": None,
        "largest_exchange": None,
        "median_gap_days": None,
        "longest_gap": None,
        "mediated_exchanges": 0,
        "mediated_repatriations": 0,
    }
    ts = small_client.get("/v1/statistics/timeseries?since=2026-01-01").json()
    assert ts["data"] == [] and ts["meta"]["count"] == 0


def test_one_exchange_has_no_gap(small_client):
    body = small_client.get("/v1/statistics/summary?mediator=turkey").json()["data"]
    assert body["exchanges"] == 1
    assert body["median_gap_days"] is None and body["longest_gap"] is None


def test_monthly_series_fills_empty_months(small_client):
    body = small_client.get("/v1/statistics/timeseries?cumulative=true").json()
    TimeseriesPage.model_validate(body)
    assert body["meta"] == {
        "count": 12,
        "limit": 12,
        "next_cursor": None,
        "dataset_version": body["meta"]["dataset_version"],
        "interval": "month",
        "cumulative": True,
        "coverage": NO_COVERAGE,
    }
    points = body["data"]
    # No coverage is set: the series runs from the first event's month to the last one's.
    assert [p["period"] for p in points] == [
        "2024-02", "2024-03", "2024-04", "2024-05", "2024-06", "2024-07", "2024-08", "2024-09",
        "2024-10", "2024-11", "2024-12", "2025-01",
    ]  # fmt: skip
    feb, mar, may, dec, jan = points[0], points[1], points[3], points[10], points[11]
    assert feb == {
        "period": "2024-02",
        "start": "2024-02-01",
        "end": "2024-02-29",  # a leap year's February
        **LATE_FEBRUARY_2024,
        **{f"cumulative_{k}": v for k, v in pick(feb).items()},
    }
    assert pick(mar) == ZERO
    # carried through empty months, people and bodies apart
    assert (mar["cumulative_people_to_ukraine"], mar["cumulative_bodies_to_ukraine"]) == (10, 50)
    assert pick(may) == figures(exchanges=1, people_to_ukraine=7, people_to_russia=3)
    assert pick(dec) == figures(
        exchanges=2, people_to_ukraine=22, people_to_russia=20, undisclosed_people_to_russia=1
    )
    assert {k: jan[f"cumulative_{k}"] for k in MEASURES} == pick(
        small_client.get("/v1/statistics/summary").json()["data"]
    )


def test_weeks_cross_the_new_year_as_iso_weeks(small_client):
    points = small_client.get("/v1/statistics/timeseries?interval=week").json()["data"]
    assert len(points) == 45  # 2024-W09 (26 Feb) to 2025-W01 (30 Dec)
    assert points[0] == {
        "period": "2024-W09",
        "start": "2024-02-26",
        "end": "2024-03-03",
        **LATE_FEBRUARY_2024,
    }
    by = {p["period"]: p for p in points}
    assert by["2024-W52"]["exchanges"] == 1  # Sunday 29 December
    assert by["2024-W52"]["start"] == "2024-12-23"
    assert by["2025-W01"]["start"] == "2024-12-30"
    assert by["2025-W01"]["exchanges"] == 2  # Monday 30 December and Thursday 2 January
    assert by["2025-W01"]["people_to_ukraine"] == 102
    assert not any(k.startswith("cumulative_") for k in points[0])


def test_quarters_and_years(small_client):
    q = small_client.get("/v1/statistics/timeseries?interval=quarter").json()["data"]
    assert [p["period"] for p in q] == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1"]
    assert [(p["exchanges"], p["repatriations"]) for p in q] == [
        (2, 1), (1, 0), (0, 0), (2, 0), (1, 0),
    ]  # fmt: skip
    assert (q[2]["start"], q[2]["end"]) == ("2024-07-01", "2024-09-30")
    y = small_client.get("/v1/statistics/timeseries?interval=year").json()["data"]
    assert [
        (p["period"], p["exchanges"], p["people_to_ukraine"], p["bodies_to_ukraine"]) for p in y
    ] == [("2024", 5, 39, 50), ("2025", 1, 100, 0)]


def test_timeseries_csv_is_ready_for_a_chart(small_client):
    r = small_client.get("/v1/statistics/timeseries?cumulative=true&format=csv")
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert list(rows[0]) == [
        "period",
        "start",
        "end",
        *MEASURES,
        *(f"cumulative_{k}" for k in MEASURES),
    ]
    assert len(rows) == 12 and rows[1]["exchanges"] == "0"
    plain = small_client.get("/v1/statistics/timeseries?format=csv").text
    assert plain.splitlines()[0] == ",".join(["period", "start", "end", *MEASURES])


@pytest.mark.parametrize("interval", ["fortnight", "WEEK", "", "day"])
def test_unknown_interval_is_a_422_problem(small_client, interval):
    assert_problem(
        small_client.get(f"/v1/statistics/timeseries?interval={interval}"), 422, "interval"
    )


def test_mediator_statistics_by_hand(small_client):
    body = small_client.get("/v1/statistics/mediators").json()
    MediatorStatsPage.model_validate(body)
    assert body["meta"]["coverage"] == NO_COVERAGE
    # Most exchanges of living people first, then most events, then by id.
    assert body["data"] == [
        {
            "id": "uae",
            "name": "United Arab Emirates",
            **figures(exchanges=2, people_to_ukraine=30, people_to_russia=30),
            "first_date": "2024-02-28",
            "last_date": "2024-12-29",
        },
        {
            "id": "turkey",
            "name": "Türkiye",
            **figures(exchanges=1, people_to_ukraine=100, people_to_russia=90),
            "first_date": "2025-01-02",
            "last_date": "2025-01-02",
        },
        {
            "id": "icrc",
            "name": "International Committee of the Red Cross",
            **figures(repatriations=1, bodies_to_ukraine=50, undisclosed_bodies_to_russia=1),
            "first_date": "2024-02-29",
            "last_date": "2024-02-29",
        },
    ]
    header = small_client.get("/v1/statistics/mediators?format=csv").text.splitlines()[0]
    assert header == ",".join(["id", "name", *MEASURES, "first_date", "last_date"])
    filtered = {
        r["id"]: r
        for r in small_client.get("/v1/statistics/mediators?since=2025-01-01").json()["data"]
    }
    assert pick(filtered["uae"]) == ZERO and filtered["uae"]["first_date"] is None


def test_reconciliation_by_hand(small_client):
    body = small_client.get("/v1/statistics/reconciliation").json()
    ReconciliationPage.model_validate(body)
    assert body["meta"]["coverage"] == NO_COVERAGE
    got = {
        r["id"]: (r["dataset_value"], r["difference"], r["ratio"], r["within_coverage"])
        for r in body["data"]
    }
    assert got == {
        # people: ukraine_received over every kind but bodies, to the statement's date; no
        # coverage is set, so no row says whether it falls within it
        "2024-05-01.ua_official.people_returned_to_ukraine": (17, -3, 0.85, None),
        "2024-06-01.mediator.mediator_total": (None, None, None, None),
        # events of every kind but bodies: 28 Feb, 29 Feb (b), 1 May, 29 Dec, 30 Dec
        "2024-12-31.ua_official.exchanges_count": (5, 0, 1.0, None),
        "2025-01-02.ua_official.bodies_returned_to_ukraine": (50, -10, round(50 / 60, 4), None),
        # counted from 1 December: 20 + 2 + 100
        "2025-01-02.ua_official.people_returned_to_ukraine": (
            122, 2, round(122 / 120, 4), None,
        ),
    }  # fmt: skip
    only = small_client.get("/v1/statistics/reconciliation?metric=exchanges_count").json()
    assert [r["id"] for r in only["data"]] == ["2024-12-31.ua_official.exchanges_count"]
    header = small_client.get("/v1/statistics/reconciliation?format=csv").text.splitlines()[0]
    assert header == (
        "id,date,claimant,metric,qualifier,value,counted_from,dataset_value,difference,ratio,"
        "within_coverage,sources,note"
    )


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


# ---- on the shipped data: every statistic is a sum over the list it summarises ----------------

FILTER_SETS = [
    {},
    {"mediator": "uae"},
    {"mediator": "icrc"},
    {"kind": "bodies_repatriation"},
    {"kind": "civilian_release"},
    {"kind": "mixed,bodies_repatriation", "since": "2023-01-01"},
    {"since": "2025-01-01"},
    {"until": "2023-10-19"},
    {"since": "2023-09-15", "until": "2023-10-06"},
    {"kind": "pow_exchange,mixed", "until": "2024-12-31"},
    {"confidence": "medium"},
    {"confidence": "low,medium", "kind": "bodies_repatriation"},
    {"min_total": "300"},
    {"q": "wounded"},
    {"q": "bodies"},
    {"figure_status": "disputed"},
    {"figure_status": "undisclosed"},
    {"source": "up-2022-03-24-10for10"},
    {"since": "2026-06-01"},
    {"since": "2030-01-01"},
]


def window(params: dict[str, str]) -> tuple[str, str] | None:
    """The days a series spans: the coverage, within since/until."""
    cov = oracle.coverage()
    lo = max(cov["from"], params.get("since", cov["from"]))
    hi = min(cov["until"], params.get("until", cov["until"]))
    return (lo, hi) if lo <= hi else None


@pytest.mark.parametrize("params", FILTER_SETS, ids=lambda p: "&".join(map("=".join, p.items())))
def test_summary_agrees_with_the_list(client, params):
    rows, _ = walk(client, "/v1/exchanges", limit=500, **params)
    want = oracle.measures(rows)
    s = client.get("/v1/statistics/summary", params=params).json()["data"]
    assert pick(s) == want
    assert s["exchanges"] + s["repatriations"] == len(rows)
    for kind, got in s["by_kind"].items():
        assert got == oracle.measures(r for r in rows if r["kind"] == kind), kind
    assert s == oracle.summary(rows)

    for interval in INTERVALS:
        ts = client.get(
            "/v1/statistics/timeseries",
            params={**params, "interval": interval, "cumulative": "true"},
        ).json()
        points = ts["data"]
        assert {k: sum(p[k] for p in points) for k in MEASURES} == want, interval
        span = window(params)
        if span is None:
            assert points == [], interval
            continue
        # Every period of the window, none past the coverage's end, zeros included.
        assert points[0]["start"] <= span[0] <= points[0]["end"], (interval, points[0])
        assert points[-1]["start"] <= span[1] <= points[-1]["end"], (interval, points[-1])
        for a, b in itertools.pairwise(points):
            assert dt.date.fromisoformat(a["end"]) + dt.timedelta(days=1) == (
                dt.date.fromisoformat(b["start"])
            )
        assert {k: points[-1][f"cumulative_{k}"] for k in MEASURES} == want, interval
        if interval == "week":
            # ISO weeks, each labelled like 2024-W29
            assert all(re.fullmatch(r"\d{4}-W\d\d", p["period"]) for p in points)

    per = client.get("/v1/statistics/mediators", params=params).json()["data"]
    assert {m["id"] for m in per} == {
        "belarus", "icrc", "qatar", "saudi-arabia", "turkey", "uae", "usa", "vatican",
    }  # fmt: skip
    for m in per:
        mine = [r for r in rows if m["id"] in r["mediators"]]
        assert pick(m) == oracle.measures(mine), m["id"]
        assert m["first_date"] == min((r["date"] for r in mine), default=None)
        assert m["last_date"] == max((r["date"] for r in mine), default=None)


def test_golden_figures_of_the_shipped_data(client):
    every = oracle.exchanges()
    s = client.get("/v1/statistics/summary").json()
    assert pick(s["data"]) == oracle.measures(every)
    assert (s["data"]["exchanges"], s["data"]["repatriations"]) == (84, 66)
    assert s["data"]["by_kind"]["pow_exchange"]["exchanges"] == 68
    assert s["data"]["by_kind"]["mixed"]["exchanges"] == 13
    assert s["data"]["by_kind"]["civilian_release"]["exchanges"] == 3
    # Ukraine's own count of people freed in 2024.
    year = client.get("/v1/statistics/timeseries", params={"interval": "year"}).json()["data"]
    by_year = {p["period"]: p for p in year}
    assert by_year["2024"]["people_to_ukraine"] == 1358
    assert by_year["2024"]["people_to_ukraine"] == sum(
        e["ukraine_received"] or 0
        for e in every
        if e["date"].startswith("2024") and e["kind"] in oracle.PEOPLE_KINDS
    )


def test_undisclosed_figures_are_never_summed_as_zero(client):
    s = client.get("/v1/statistics/summary").json()["data"]
    assert s["undisclosed_people_to_ukraine"] > 0 and s["undisclosed_people_to_russia"] > 0
    assert s["undisclosed_bodies_to_russia"] > 0
    r = client.get("/v1/exchanges?format=csv&limit=500&figure_status=undisclosed")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows
    for row in rows:
        for fig in ("ukraine_received", "russia_received"):
            if row[f"{fig}_status"] == "undisclosed":
                assert row[fig] == ""  # empty, never 0, with the status beside it


# ---- the coverage: totals say how far the curators vouch, series stop there ------------------


def test_statistics_carry_the_coverage(client):
    cov = oracle.coverage()
    assert (cov["from"], cov["until"]) == ("2022-02-24", "2026-06-07")
    for url in (
        "/v1/statistics/summary",
        "/v1/statistics/timeseries",
        "/v1/statistics/mediators",
        "/v1/statistics/reconciliation",
    ):
        meta = client.get(url).json()["meta"]
        assert meta["coverage"]["from"] == "2022-02-24", url
        assert meta["coverage"]["until"] == "2026-06-07", url
        statement = meta["coverage"]["statement"]
        assert "not yet curated" in statement and "2026-06-07" in statement, url
        assert set(meta["coverage"]) == {"from", "until", "statement"}


def test_series_span_the_coverage(client):
    month = client.get("/v1/statistics/timeseries", params={"interval": "month"}).json()
    assert (month["meta"]["interval"], month["meta"]["cumulative"]) == ("month", False)
    periods = [p["period"] for p in month["data"]]
    assert periods[0] == "2022-02" and periods[-1] == "2026-06"
    assert len(periods) == month["meta"]["count"] == 53  # Feb 2022 to Jun 2026
    assert month["data"][0]["exchanges"] == 0  # nothing before 1 March 2022, but covered
    year = client.get("/v1/statistics/timeseries", params={"interval": "year"}).json()["data"]
    assert [p["period"] for p in year] == ["2022", "2023", "2024", "2025", "2026"]
    # A filter that matches only old events still gets the whole axis, so series lay over
    # each other; since/until cut it.
    old = client.get("/v1/statistics/timeseries", params={"until": "2022-12-31"}).json()["data"]
    assert old[0]["period"] == "2022-02" and old[-1]["period"] == "2022-12"
    late = client.get(
        "/v1/statistics/timeseries", params={"kind": "civilian_release", "since": "2025-01-01"}
    ).json()["data"]
    assert late[0]["period"] == "2025-01" and late[-1]["period"] == "2026-06"
    # until after the coverage's end does not extend the series past it
    past = client.get("/v1/statistics/timeseries", params={"until": "2026-11-30"}).json()["data"]
    assert past[-1]["period"] == "2026-06"


def test_reconciliation_rows_say_whether_they_are_within_the_coverage(client):
    body = client.get("/v1/statistics/reconciliation").json()
    ReconciliationPage.model_validate(body)
    cov = oracle.coverage()
    assert body["data"]
    for r in body["data"]:
        assert r["within_coverage"] is (cov["from"] <= r["date"] <= cov["until"]), r["id"]


# ---- every number names its measure and side -------------------------------------------------

# The numeric fields a statistic may have: the ten measures, their running sums, and a few
# that are no sums (gaps in days); meta's paging and version.
NUMERIC = {
    *MEASURES,
    *(f"cumulative_{k}" for k in MEASURES),
    "mediated_exchanges",
    "mediated_repatriations",
    "median_gap_days",
    "days",
}
META_NUMERIC = {"count", "limit", "dataset_version"}
# A reconciliation row compares one stated figure with the dataset's: record fields.
RECONCILIATION_RECORD = {"value", "dataset_value", "difference", "ratio"}
FORBIDDEN = {"ukraine_received", "russia_received", "total"}
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def statistics_urls() -> list[str]:
    urls = ["/v1/statistics/summary", "/v1/statistics/summary?kind=bodies_repatriation"]
    for interval in INTERVALS:
        for cumulative in ("false", "true"):
            urls.append(f"/v1/statistics/timeseries?interval={interval}&cumulative={cumulative}")
    urls += ["/v1/statistics/mediators", "/v1/statistics/reconciliation"]
    return urls


def numeric_fields(value: Any, path: str = "") -> list[tuple[str, str]]:
    """(path, field name) of every number under `value`, however deep."""
    found: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            assert k not in FORBIDDEN, f"{path}.{k}"
            if isinstance(v, int | float) and not isinstance(v, bool):
                found.append((f"{path}.{k}", k))
            else:
                found += numeric_fields(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            assert not (isinstance(v, int | float) and not isinstance(v, bool)), f"{path}[{i}]"
            found += numeric_fields(v, f"{path}[{i}]")
    return found


@pytest.mark.parametrize("url", statistics_urls())
def test_every_number_of_a_statistic_names_one_measure_and_side(client, url):
    body = client.get(url).json()
    assert set(body) == {"data", "meta"}
    exempt = RECONCILIATION_RECORD if "reconciliation" in url else set()
    fields = numeric_fields(body["data"], "data")
    assert fields, url
    for path, name in fields:
        assert name in NUMERIC or name in exempt, path
    for path, name in numeric_fields(body["meta"], "meta"):
        assert name in META_NUMERIC, path
    if "summary" in url:
        return  # JSON only
    sep = "&" if "?" in url else "?"
    table = list(csv.reader(io.StringIO(client.get(f"{url}{sep}format=csv").text)))
    header, rows = table[0], table[1:]
    assert not set(header) & FORBIDDEN, header
    assert rows, url
    for i, name in enumerate(header):
        if name == "period":
            continue  # a label ("2024"), not a number
        if any(NUMBER.fullmatch(row[i]) for row in rows):
            assert name in NUMERIC or name in exempt, (url, name)
