"""Property tests (hypothesis) for the invariants users rely on.

Filters are drawn from the values the shipped data really holds (tests/oracle.py reads data/
independently of the app), so most draws match something:

* paging, with any page size and any filters, returns each matching record exactly once, in
  order, also while records are inserted between pages (a walk reads the snapshot it began on);
* the statistics equal sums over the list, under any filter;
* CSV and JSON carry the same records.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import oracle
from tests.conftest import drop_database, make_client, new_database
from tests.helpers import walk

PROPERTY = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # the same examples on every run: a CI failure reproduces locally
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

EXCHANGES = oracle.exchanges()
DATES = sorted({e["date"] for e in EXCHANGES})
KINDS = ["pow_exchange", "bodies_repatriation", "mixed", "civilian_release"]
MEDIATORS = sorted({m for e in EXCHANGES for m in e["mediators"]})
SOURCES = sorted({s for e in EXCHANGES for s in e["sources"]})
CONFIDENCES = sorted({e["confidence"] for e in EXCHANGES})
TOTALS = sorted({e["total"] for e in EXCHANGES if e["total"] is not None})
CATEGORIES = sorted({c for e in EXCHANGES for c in e["ua_categories"]})
WORDS = sorted(
    {w for e in EXCHANGES for w in [*e["notes"].split(), *" ".join(e["ua_categories"]).split()]}
)
# Words the inserted records may add, beyond the shipped (all ASCII) text. Cyrillic ones are
# lower case only: on SQLite a search cannot find an upper-case non-ASCII letter (see
# test_bug_search_folds_case_beyond_ascii); give them capitals once that is fixed.
NEW_WORDS = ["обмін", "полонених", "київ", "café", "naïve", "Zürich", "100%", "a_b"]
SORTS = ["date", "-date", "total", "-total"]
EXAMPLE = {
    "date": "2024-06-01", "kind": "pow_exchange", "ukraine_received": 1, "russia_received": 2,
    "mediators": [], "ua_categories": [], "notes": "", "confidence": "low", "sources": SOURCES[:1],
}  # fmt: skip
FILTERS = ["since", "until", "kind", "mediator", "source", "confidence", "min_total", "q"]
COVERAGE = oracle.coverage()


# ---- strategies --------------------------------------------------------------------------------


def values(names: list[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)


@st.composite
def filters(draw: st.DrawFn, words: list[str] = WORDS) -> tuple[dict[str, Any], dict[str, Any]]:
    """(query parameters, the same filters parsed, as oracle.matches takes them)."""
    names = draw(st.lists(st.sampled_from(FILTERS), max_size=3, unique=True))
    query: dict[str, Any] = {}
    parsed: dict[str, Any] = {}
    for name in names:
        if name in ("kind", "mediator", "confidence"):
            pool = {"kind": KINDS, "mediator": MEDIATORS, "confidence": CONFIDENCES}[name]
            chosen = draw(values(pool))
            # Repeated parameters and comma-separated values mean the same.
            query[name] = draw(st.sampled_from([chosen, ",".join(chosen)]))
            parsed[name] = chosen
        elif name == "since":
            query[name] = parsed[name] = draw(st.sampled_from(DATES))
        elif name == "until":
            floor = parsed.get("since", DATES[0])
            query[name] = parsed[name] = draw(st.sampled_from([d for d in DATES if d >= floor]))
        elif name == "source":
            query[name] = parsed[name] = draw(st.sampled_from(SOURCES))
        elif name == "min_total":
            value = draw(st.sampled_from(TOTALS) | st.integers(0, 2500))
            query[name] = str(value)
            parsed[name] = value
        elif name == "q":
            chosen = draw(st.lists(st.sampled_from(words), min_size=1, max_size=2))
            text = " ".join(chosen)
            query[name] = draw(st.sampled_from([text, text.upper(), text.lower()]))
            parsed[name] = query[name]
    if "since" in parsed and "until" in parsed and parsed["since"] > parsed["until"]:
        parsed["since"], parsed["until"] = parsed["until"], parsed["since"]
        query["since"], query["until"] = parsed["since"], parsed["until"]
    return query, parsed


@st.composite
def new_exchanges(draw: st.DrawFn) -> dict[str, Any]:
    """An exchange as a curator would post it, citing real sources and mediators."""
    # Within the coverage: the writer refuses an exchange dated outside it.
    first, last = (dt.date.fromisoformat(COVERAGE[k]) for k in ("from", "until"))
    day = draw(st.sampled_from(DATES).map(dt.date.fromisoformat) | st.dates(first, last))
    figure = st.none() | st.integers(0, 2000)
    words = st.sampled_from(WORDS[:200] + NEW_WORDS)
    return {
        "date": day.isoformat(),
        "kind": draw(st.sampled_from(KINDS)),
        "ukraine_received": draw(figure),
        "russia_received": draw(figure),
        "mediators": draw(st.lists(st.sampled_from(MEDIATORS), max_size=2, unique=True)),
        "ua_categories": draw(st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True)),
        "notes": " ".join(draw(st.lists(words, min_size=1, max_size=8))),
        "confidence": draw(st.sampled_from(CONFIDENCES)),
        "sources": draw(st.lists(st.sampled_from(SOURCES), min_size=1, max_size=2, unique=True)),
    }


# ---- an independent reading of the list --------------------------------------------------------


def expected_ids(records: list[dict[str, Any]], sort: str, parsed: dict[str, Any]) -> list[str]:
    rows = [e for e in records if oracle.matches(e, **parsed)]
    rows.sort(key=oracle.sort_key(sort), reverse=sort.startswith("-"))
    return [e["id"] for e in rows]


def pages(client: Any, url: str, params: dict[str, Any]) -> Iterator[Any]:
    """Each page's response, following Link: rel="next" (so the link is tested as well)."""
    r = client.get(url, params=params)
    for _ in range(10_000):
        assert r.status_code == 200, r.text
        yield r
        found = re.search(r'<([^>]+)>;\s*rel="next"', r.headers.get("link", ""))
        if found is None:
            return
        r = client.get(found.group(1))
    raise AssertionError("pagination never ended")


def check_pages(metas: list[dict[str, Any]], n: int, limit: int) -> None:
    assert len(metas) == max(1, math.ceil(n / limit)), (n, limit, len(metas))
    assert all(m["count"] == n and m["limit"] == limit for m in metas)
    assert metas[-1]["next_cursor"] is None


# ---- (a) paging --------------------------------------------------------------------------------


@PROPERTY
@given(f=filters(), sort=st.sampled_from(SORTS), limit=st.integers(1, 60))
def test_paging_returns_each_matching_record_once_in_order(client, f, sort, limit):
    query, parsed = f
    rows, metas = walk(client, "/v1/exchanges", sort=sort, limit=limit, **query)
    ids = [r["id"] for r in rows]
    assert ids == oracle.expected_ids(sort, **parsed)
    check_pages(metas, len(ids), limit)


@dataclass
class Inserting:
    """A private copy of the dataset that the examples insert into, one record each."""

    client: Any
    engine: Any
    records: list[dict[str, Any]] = field(default_factory=lambda: list(EXCHANGES))

    def insert(self, body: dict[str, Any]) -> str:
        """Through curation, as an admin create does (validated, versioned, audited)."""
        from app import curation
        from app.db import write_session

        with write_session(self.engine) as session:
            record = curation.validate("exchange", orjson.dumps(body))
            rid = curation.derive_id(session, "exchange", record)
            op = curation.Op("exchange", "create", rid, {**record, "id": rid})
            curation.apply(session, [op], actor="test", reason="property test")
        ua, ru = body["ukraine_received"], body["russia_received"]
        total = None if ua is None or ru is None else ua + ru
        self.records.append(
            {**body, "id": rid, "total": total, "ua_sequence_number": None}
        )  # the oracle's shape
        return rid


@pytest.fixture(scope="module")
def inserting(tmp_root, template_url):  # type: ignore[no-untyped-def]
    from app.db import make_engine

    url = new_database(tmp_root, template_url)
    engine = make_engine(url)
    with make_client(url) as c:
        yield Inserting(c, engine)
    engine.dispose()
    drop_database(url)


@PROPERTY
@given(
    f=filters(WORDS + NEW_WORDS),
    sort=st.sampled_from(SORTS),
    limit=st.integers(1, 60),
    record=new_exchanges(),
    after=st.integers(1, 4),
)
def test_paging_reads_one_snapshot_while_records_are_inserted(
    inserting, f, sort, limit, record, after
):
    query, parsed = f
    c = inserting.client
    want = expected_ids(inserting.records, sort, parsed)
    seen: list[str] = []
    metas: list[dict[str, Any]] = []
    params: dict[str, Any] = {**query, "sort": sort, "limit": limit}
    while True:
        body = c.get("/v1/exchanges", params=params).json()
        seen += [e["id"] for e in body["data"]]
        metas.append(body["meta"])
        if len(metas) == after:
            inserting.insert(record)  # between two pages (or after the last)
        if body["meta"]["next_cursor"] is None:
            break
        params["cursor"] = body["meta"]["next_cursor"]
    if len(metas) < after:
        inserting.insert(record)
    assert seen == want
    check_pages(metas, len(want), limit)
    assert {m["dataset_version"] for m in metas} == {metas[0]["dataset_version"]}
    # A new walk reads the new version, the new record included where it matches.
    again, new_metas = walk(c, "/v1/exchanges", **{**query, "sort": sort, "limit": limit})
    assert [e["id"] for e in again] == expected_ids(inserting.records, sort, parsed)
    assert new_metas[0]["dataset_version"] == metas[0]["dataset_version"] + 1


# ---- (b) statistics ----------------------------------------------------------------------------


@PROPERTY
@given(f=filters())
def test_statistics_equal_sums_over_the_list(client, f):
    query, _ = f
    rows, _ = walk(client, "/v1/exchanges", limit=500, **query)
    summary = client.get("/v1/statistics/summary", params=query).json()["data"]
    want = oracle.summary(rows)
    assert summary == want
    measures = oracle.measures(rows)

    for interval in ("week", "month", "quarter", "year"):
        params = {**query, "interval": interval, "cumulative": "true"}
        series = client.get("/v1/statistics/timeseries", params=params).json()["data"]
        assert {k: sum(p[k] for p in series) for k in oracle.MEASURES} == measures, interval
        if series:
            last = series[-1]
            assert {k: last[f"cumulative_{k}"] for k in oracle.MEASURES} == measures, interval

    per = {m["id"]: m for m in client.get("/v1/statistics/mediators", params=query).json()["data"]}
    for mediator, got in per.items():
        mine = [r for r in rows if mediator in r["mediators"]]
        assert {k: got[k] for k in oracle.MEASURES} == oracle.measures(mine), mediator
        assert got["first_date"] == min((r["date"] for r in mine), default=None)
        assert got["last_date"] == max((r["date"] for r in mine), default=None)


# ---- (c) CSV and JSON --------------------------------------------------------------------------


def cell(value: Any) -> str:
    """A JSON value as the CSV writes it: lists joined with ';', null empty."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def instant(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@PROPERTY
@given(f=filters(), sort=st.sampled_from(SORTS), limit=st.integers(1, 60))
def test_csv_and_json_carry_the_same_records(client, f, sort, limit):
    query, _ = f
    params = {**query, "sort": sort, "limit": limit}
    js = [e for r in pages(client, "/v1/exchanges", params) for e in r.json()["data"]]
    table: list[dict[str, str]] = []
    for r in pages(client, "/v1/exchanges", {**params, "format": "csv"}):
        assert r.headers["content-type"].startswith("text/csv")
        table += list(csv.DictReader(io.StringIO(r.text, newline="")))
    assert [row["id"] for row in table] == [e["id"] for e in js]
    for row, e in zip(table, js, strict=True):
        for name in ("ukraine_received", "russia_received"):
            assert row[f"{name}_status"] == e["figure_status"][name]
        assert instant(row.pop("updated_at")) == instant(e["updated_at"]), e["id"]
        for name in row.keys() - {"ukraine_received_status", "russia_received_status"}:
            assert row[name] == cell(e[name]), (e["id"], name)


# ---- regression tests for bugs found while building these properties --------------------------


def test_bug_search_folds_case_beyond_ascii(inserting):
    # The search lower-cases the words in Python (Unicode) but the column with SQLite's lower()
    # (ASCII only), so "Києві" as stored cannot be found, not even by itself.
    body = {**EXAMPLE, "notes": "Обмін у Києві."}
    rid = inserting.insert(body)
    for q in ("Києві", "києві", "ОБМІН"):
        found = inserting.client.get("/v1/exchanges", params={"q": q, "limit": 500}).json()
        assert rid in [e["id"] for e in found["data"]], q
