"""Query plans at scale: the statements the API sends use their indexes, with planner
statistics as a load leaves them (a wrong choice cost a plain page 170 ms on 100,000 events
and went unseen until the benchmark's cache-disabled run answered nothing)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from tests.conftest import is_postgres, make_client, migrate, new_database

pytestmark = pytest.mark.skipif(is_postgres(), reason="SQLite's planner and EXPLAIN QUERY PLAN")


@pytest.fixture(scope="module")
def synthetic_url(tmp_root) -> str:
    from app import curation, synth
    from app.db import analyze, make_engine, write_session

    url = new_database(tmp_root)
    migrate(url)
    engine = make_engine(url)
    with write_session(engine) as session:
        curation.replace_all(session, synth.build(5_000, seed=3), actor="test", reason=None)
    analyze(engine)
    engine.dispose()
    return url


def plans(url: str, path: str) -> list[tuple[str, str]]:
    """(statement, its plan) for each SELECT the API sends to answer `path`."""
    seen: list[tuple[str, Any]] = []
    with make_client(url, response_cache=False) as c:
        engine = c.app.state.read_engine

        def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
            if statement.lstrip().upper().startswith("SELECT"):
                seen.append((statement, params))

        event.listen(engine, "before_cursor_execute", capture)
        try:
            assert c.get(path).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        out = []
        with engine.connect() as conn:
            for statement, params in seen:
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
                out.append((statement, " / ".join(str(r[-1]) for r in rows)))
    return out


@pytest.mark.parametrize(
    "path",
    [
        "/v1/exchanges?limit=50",
        "/v1/exchanges?limit=50&since=2024-01-01",
        "/v1/exchanges?sort=date",
    ],
)
def test_a_page_in_date_order_is_read_in_index_order(synthetic_url, path):
    page = [p for s, p in plans(synthetic_url, path) if "LIMIT" in s and "exchange.pk" in s]
    assert page, "the page query was not seen"
    assert all("TEMP B-TREE FOR ORDER BY" not in p for p in page), page


def test_the_summary_reads_each_kind_by_range_and_sorts_nothing(synthetic_url):
    found = plans(synthetic_url, "/v1/statistics/summary?since=2023-01-01")
    per_kind = [p for s, p in found if "UNION ALL" in s]
    assert per_kind and "ix_exchange_kind_live" in per_kind[0], per_kind
    assert all("TEMP B-TREE FOR GROUP BY" not in p for p in per_kind), per_kind


def test_a_pages_links_and_claims_are_read_from_covering_indexes(synthetic_url):
    found = plans(synthetic_url, "/v1/exchanges?limit=50")
    linked = [p for s, p in found if s.startswith(("SELECT exchange_pk", "SELECT c.exchange_id"))]
    assert len(linked) == 3, found
    for plan in linked:
        assert "COVERING INDEX" in plan and "TEMP B-TREE" not in plan, plan


# A linked event found by primary key: in the narrow pk index (which SQLite's planner takes
# at scale, 100,000 events in `make bench`) or, on this small database, by rowid.
BY_PK = ("USING COVERING INDEX ix_exchange_pk_measures (pk=?", "USING INTEGER PRIMARY KEY")


def test_the_mediated_counts_walk_the_linked_events_by_primary_key(synthetic_url):
    """Each linked event looked up once, by primary key: no GROUP BY or DISTINCT to sort
    (grouped by kind, SQLite sorted every live event and then its links, four times as long
    on 100,000 events). Mediated exchanges and repatriations apart."""
    found = plans(synthetic_url, "/v1/statistics/summary?since=2023-01-01")
    mediated = [p for s, p in found if "IN (SELECT exchange_mediator.exchange_pk" in s]
    assert mediated and "TEMP B-TREE" not in mediated[0], found
    assert any(f"SEARCH exchange {how}" in mediated[0] for how in BY_PK), mediated


def test_per_mediator_statistics_walk_the_links_in_mediator_order(synthetic_url):
    """The links in (mediator, event) order, each event found by primary key: grouped as
    they come, with no sort."""
    found = plans(synthetic_url, "/v1/statistics/mediators?since=2023-01-01")
    joined = [p for s, p in found if "JOIN exchange ON exchange.pk = exchange_mediator" in s]
    assert joined and "TEMP B-TREE FOR GROUP BY" not in joined[0], found
    assert "ix_exchange_mediator_mediator_id_exchange_pk" in joined[0], joined
    assert any(f"SEARCH exchange {how}" in joined[0] for how in BY_PK), joined


def test_the_day_counts_are_one_scan_in_date_order(synthetic_url):
    found = plans(synthetic_url, "/v1/exchanges?limit=5&kind=mixed,pow_exchange")
    grouped = [p for s, p in found if "GROUP BY exchange.date" in s]
    assert grouped and "TEMP B-TREE" not in grouped[0], grouped
