"""Sources, mediators, the dataset and the operational endpoints."""

from __future__ import annotations

import collections

from app.answers import (
    CoverageRecord,
    DatasetInfo,
    Item,
    MediatorPublic,
    Page,
    SourceDetail,
    SourcePublic,
)
from tests import oracle
from tests.helpers import assert_problem, walk


def test_sources_walk_in_id_order(client):
    rows, metas = walk(client, "/v1/sources", limit=60)
    Page[SourcePublic].model_validate({"data": rows[:1], "meta": metas[0]})
    assert [r["id"] for r in rows] == sorted(s["id"] for s in oracle.sources())
    assert metas[0]["count"] == len(oracle.sources())


def test_source_filters(client):
    rows, _ = walk(client, "/v1/sources", limit=500, language="uk")
    assert rows and {r["language"] for r in rows} == {"uk"}
    assert len(rows) == sum(1 for s in oracle.sources() if s["language"] == "uk")
    rows, _ = walk(client, "/v1/sources", limit=500, exchange="2024-07-17")
    want = next(e for e in oracle.exchanges() if e["id"] == "2024-07-17")["sources"]
    assert sorted(r["id"] for r in rows) == sorted(want)
    assert_problem(client.get("/v1/sources?kind=blog"), 422, "kind")


def test_one_source_lists_its_exchanges(client):
    body = client.get("/v1/sources/up-2022-03-24-10for10").json()
    Item[SourceDetail].model_validate(body)
    want = [e["id"] for e in oracle.exchanges() if "up-2022-03-24-10for10" in e["sources"]]
    assert body["data"]["exchanges"] == sorted(want)
    assert_problem(client.get("/v1/sources/nope"), 404)


def test_mediators_with_counts(client):
    body = client.get("/v1/mediators").json()
    Page[MediatorPublic].model_validate(body)
    counts = collections.Counter(m for e in oracle.exchanges() for m in e["mediators"])
    got = {m["id"]: m["exchanges"] for m in body["data"]}
    assert got == {
        m: counts.get(m, 0)
        for m in ("belarus", "icrc", "qatar", "saudi-arabia", "turkey", "uae", "usa", "vatican")
    }
    assert got["uae"] == counts["uae"] > 0


def test_dataset(client):
    body = client.get("/v1/dataset").json()
    Item[DatasetInfo].model_validate(body)
    assert set(body) == {"data", "meta"} and body["meta"] == {"dataset_version": 1}
    data = body["data"]
    assert data["version"] == 1 and isinstance(data["version"], int)
    assert data["license"] == "CC-BY-4.0"
    assert "version 1" in data["citation"]
    assert data["counts"] == {
        "exchanges": len(oracle.exchanges()),
        "sources": len(oracle.sources()),
        "mediators": 8,
        "claims": 156,
        "agreements": 6,
        "official_totals": 124,
        "moved_exchanges": len(oracle.moved_exchanges()),
    }
    assert (data["counts"]["exchanges"], data["counts"]["sources"]) == (150, 462)
    cov = oracle.coverage()
    assert data["coverage"] == {"from": "2022-02-24", "until": "2026-06-07", "note": cov["note"]}
    assert "not yet curated" in data["coverage"]["note"]
    dates = sorted(e["date"] for e in oracle.exchanges())
    assert data["records"] == {"first_date": dates[0], "last_date": dates[-1]}
    assert set(data) == {
        "name", "title", "version", "updated_at", "license", "citation", "counts", "coverage",
        "records",
    }  # fmt: skip


def test_the_coverage_as_curators_set_it(client):
    r = client.get("/v1/dataset/coverage")
    body = r.json()
    Item[CoverageRecord].model_validate(body)
    cov = oracle.coverage()
    assert body == {
        "data": {
            "from": cov["from"],
            "until": cov["until"],
            "note": cov["note"],
            "updated_at": body["data"]["updated_at"],
            "revision": 1,
        },
        "meta": {"dataset_version": 1},
    }
    # Its ETag names its revision: the If-Match of PUT/PATCH /v1/admin/coverage.
    assert r.headers["etag"].startswith('"r1-')
    assert (
        client.get("/v1/dataset/coverage", headers={"If-None-Match": r.headers["etag"]}).status_code
        == 304
    )


def test_codebook_defines_every_measure(client):
    body = client.get("/v1/codebook").json()
    assert set(body) == {"data", "meta"} and body["meta"] == {"dataset_version": 1}
    book = body["data"]
    assert tuple(book["measures"]) == oracle.MEASURES
    assert all(isinstance(t, str) and t for t in book["measures"].values())
    assert {"measures", "coverage"} <= set(book["rules"])
    assert "never" in book["rules"]["measures"] and "not yet curated" in book["rules"]["coverage"]


def test_health_and_readiness(client):
    assert client.get("/healthz").json()["data"] == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["data"]["status"] == "ready"


def test_head_works_where_get_does(client):
    r = client.head("/v1/exchanges?limit=3")
    assert r.status_code == 200 and r.content == b""
    assert r.headers["etag"] == client.get("/v1/exchanges?limit=3").headers["etag"]


def test_cors_for_reads(client):
    r = client.get("/v1/exchanges?limit=1", headers={"Origin": "https://news.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "ETag" in r.headers["access-control-expose-headers"]


def test_the_dataset_state_sent_as_fixed_sql_reads_as_the_typed_column_does(client):
    """dataset_state skips SQLAlchemy's types for speed: its answer (the version, and the time
    that becomes Last-Modified and `updated_at`) must not change for it, on either database."""
    from sqlalchemy import select

    from app import queries
    from app.db import read_session

    with read_session(client.app.state.read_engine) as session:
        version, at = session.execute(
            select(queries.META.c.version, queries.META.c.updated_at)
        ).one()
        fast = queries.dataset_state(session)
    assert fast == (version, at)
    assert fast[1] is not None and fast[1].isoformat() == at.isoformat()


def test_a_page_reads_the_dataset_version_once(client):
    """Its session asks once; the page's counts, keyed by the version, reuse the answer."""
    from sqlalchemy import event

    seen: list[str] = []

    def capture(_conn, _cursor, statement, *_):  # type: ignore[no-untyped-def]
        seen.append(statement)

    # The fast lane reads the page on the loop's connection, the framework on the pool's.
    state = client.app.state
    engines = [e for e in (state.read_engine, getattr(state, "loop_engine", None)) if e]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", capture)
    try:
        r = client.get("/v1/exchanges", params={"since": "2023-05-06", "kind": "mixed"})
        assert r.status_code == 200
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", capture)
    assert sum("FROM dataset_meta" in s for s in seen) == 1, seen
