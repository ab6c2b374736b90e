"""HTTP behaviour users build on: caching, conditional requests, compression, CORS, formats."""

from __future__ import annotations

import gzip
import hashlib

import pytest
from sqlalchemy import event

from tests.conftest import make_client
from tests.helpers import assert_problem

READS = [
    "/v1/exchanges", "/v1/exchanges?limit=7&sort=total&kind=pow_exchange",
    "/v1/exchanges?format=csv&limit=500", "/v1/exchanges?format=ndjson&mediator=uae",
    "/v1/exchanges/2024-07-17", "/v1/exchanges/2024-01-31/claims",
    "/v1/exchanges/2024-01-31/claims?format=csv", "/v1/sources?limit=20",
    "/v1/sources?format=csv", "/v1/sources/up-2022-03-24-10for10", "/v1/mediators",
    "/v1/mediators?format=ndjson", "/v1/claims?disputed=true",
    "/v1/claims/2024-01-31.ukraine_received.ua_official", "/v1/agreements",
    "/v1/agreements?format=csv", "/v1/agreements/istanbul-2025-05-16-1000",
    "/v1/statistics/summary", "/v1/statistics/summary?kind=mixed",
    "/v1/statistics/timeseries?interval=week&cumulative=true",
    "/v1/statistics/timeseries?format=csv", "/v1/statistics/mediators",
    "/v1/statistics/mediators?format=csv", "/v1/statistics/reconciliation",
    "/v1/statistics/reconciliation?format=ndjson", "/v1/dataset", "/v1/dataset/changes",
    "/v1/dataset/citation?format=bibtex", "/v1/codebook", "/v1/exchanges?as_of_version=1",
    "/v1/exchanges/nope", "/v1/exchanges?limit=0", "/", "/v1/dataset/coverage",
    "/v1/exchanges/2023-10-19", "/v1/exchanges/2023-09-18/claims?format=csv&as_of_version=1",
    "/v1/statistics/timeseries?interval=year&kind=bodies_repatriation&format=csv",
    "/v1/exchanges?kind=",
]  # fmt: skip
SAME_HEADERS = ("etag", "content-type", "cache-control", "link", "last-modified",
                "x-dataset-version", "content-disposition", "location")  # fmt: skip


@pytest.fixture(scope="module")
def uncached(db_url):
    with make_client(db_url, response_cache=False) as c:
        yield c


@pytest.mark.parametrize("url", READS)
def test_cache_on_and_off_answer_the_same_bytes(client, uncached, url):
    for _ in range(2):  # the second read of the cached client is a hit
        on = client.get(url, follow_redirects=False)
        off = uncached.get(url, follow_redirects=False)
        assert on.status_code == off.status_code
        assert on.content == off.content, url
        for h in SAME_HEADERS:
            assert on.headers.get(h) == off.headers.get(h), (url, h)


def test_a_hit_touches_no_database(db_url):
    with make_client(db_url) as c:
        statements: list[str] = []
        # Every engine a read may use: the fast lane reads on a connection of its own.
        state = c.app.state
        engines = {state.engine, state.read_engine, getattr(state, "loop_engine", None)}
        for engine in engines - {None}:
            event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        c.get("/v1/exchanges?limit=3")
        assert statements, "the miss reads the database"
        statements.clear()
        again = c.get("/v1/exchanges?limit=3")
        assert again.status_code == 200 and statements == []
        # the query's order does not matter to the cache
        c.get("/v1/exchanges?sort=date&limit=3")
        statements.clear()
        c.get("/v1/exchanges?limit=3&sort=date")
        assert statements == []


def test_a_write_is_seen_at_once(fresh_url, monkeypatch):
    from app.config import get_settings

    token = "cache-test-token"
    monkeypatch.setenv("ADMIN_TOKENS", f"t:{hashlib.sha256(token.encode()).hexdigest()}")
    get_settings.cache_clear()
    with make_client(fresh_url) as c:
        first = c.get("/v1/statistics/summary")
        assert c.get("/v1/statistics/summary").content == first.content  # from the cache
        r = c.patch(
            "/v1/admin/exchanges/2024-07-17",
            json={"ukraine_received": 100},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 200
        after = c.get("/v1/statistics/summary")
        people = [a.json()["data"]["people_to_ukraine"] for a in (first, after)]
        assert people[1] == people[0] + 5
        assert after.headers["etag"] != first.headers["etag"]
        stale = c.get("/v1/statistics/summary", headers={"If-None-Match": first.headers["etag"]})
        assert stale.status_code == 200
    get_settings.cache_clear()


def test_conditional_requests(client):
    r = client.get("/v1/statistics/summary")
    etag, modified = r.headers["etag"], r.headers["last-modified"]
    for headers in (
        {"If-None-Match": etag},
        {"If-None-Match": f'"x", W/{etag}'},
        {"If-Modified-Since": modified},
        {"If-None-Match": "*"},
    ):
        again = client.get("/v1/statistics/summary", headers=headers)
        assert again.status_code == 304 and again.content == b"", headers
        assert again.headers["etag"] == etag
    assert (
        client.get(
            "/v1/statistics/summary", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
        ).status_code
        == 200
    )
    assert (
        client.get(
            "/v1/statistics/summary",
            headers={"If-None-Match": '"other"', "If-Modified-Since": modified},
        ).status_code
        == 200
    )  # If-None-Match wins (RFC 9110)


def test_compression(client):
    r = client.get("/v1/exchanges?limit=100", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in r.headers["vary"]
    raw = client.get("/v1/exchanges?limit=100", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers
    assert r.content == raw.content  # httpx decodes; same JSON either way
    assert len(gzip.compress(raw.content)) < len(raw.content)
    small = client.get("/v1/exchanges?limit=1&format=csv", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers  # under 1 KB stays as it is


def test_head_and_cors_on_cached_answers(client):
    client.get("/v1/mediators")
    head = client.head("/v1/mediators")
    assert head.status_code == 200 and head.content == b""
    r = client.get("/v1/mediators", headers={"Origin": "https://newsroom.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "ETag" in r.headers["access-control-expose-headers"]
    pre = client.options(
        "/v1/mediators",
        headers={
            "Origin": "https://newsroom.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "If-None-Match",
        },
    )
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == "*"


def test_csv_is_spreadsheet_ready(client):
    r = client.get("/v1/exchanges?format=csv&limit=3")
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == 'attachment; filename="exchanges.csv"'
    lines = r.content.split(b"\r\n")
    assert lines[0].startswith(b"id,date,kind,ukraine_received,ukraine_received_status,")
    assert r.content.endswith(b"\r\n")


def test_unsupported_formats(client):
    assert_problem(client.get("/v1/exchanges?format=xlsx"), 422, "format")
    assert_problem(client.get("/v1/mediators", headers={"Accept": "application/xml"}), 406)
    ok = client.get("/v1/mediators", headers={"Accept": "application/xml, text/csv;q=0.5"})
    assert ok.headers["content-type"].startswith("text/csv")


def test_reads_carry_version_and_citation(client):
    for url in ("/v1/exchanges", "/v1/statistics/summary", "/v1/agreements", "/v1/codebook",
                "/v1/dataset", "/v1/dataset/coverage", "/v1/statistics/timeseries"):  # fmt: skip
        r = client.get(url)
        assert r.json()["meta"]["dataset_version"] == 1
        assert r.headers["x-dataset-version"] == "1"
        assert 'rel="cite-as"' in r.headers["link"]
        assert r.headers["cache-control"] == "public, max-age=60, stale-while-revalidate=300"


def test_docs_work_offline(client):
    import re

    for page in ("/docs", "/redoc"):
        html = client.get(page)
        assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
        assert not re.findall(r"https?://", html.text), page  # nothing from outside
        for asset in re.findall(r'(?:src|href)="([^"]+)"', html.text):
            assert asset.startswith("/"), asset
            assert client.get(asset).status_code == 200, asset
    assert "/openapi.json" in client.get("/docs").text


def test_a_repeated_accept_header_cannot_poison_the_cache(client):
    # The framework reads the first Accept; the cache must key the answer by the same one, or
    # a CSV answer would be kept under a JSON request's key (found in review).
    twice = client.get(
        "/v1/mediators", headers=[("Accept", "text/csv"), ("Accept", "application/json")]
    )
    assert twice.headers["content-type"].startswith("text/csv")
    plain = client.get("/v1/mediators", headers={"Accept": "application/json"})
    assert plain.headers["content-type"].startswith("application/json")
    assert plain.json()["data"]


def test_a_record_is_written_as_the_dict_it_is():
    """Kept exchange rows carry their JSON, made once; a page of them must be byte for byte
    what the same rows as plain dicts give, in JSON and NDJSON, dates and None included."""
    import datetime as dt

    from app.http import Record, dumps, json_rows, to_ndjson

    row = {
        "id": "2024-07-17",
        "date": dt.date(2024, 7, 17),
        "figure_status": {"ukraine_received": "reported"},
        "russia_received": None,
        "updated_at": dt.datetime(2024, 7, 18, 9, 30, tzinfo=dt.UTC),
        "mediators": ["uae"],
        "notes": "«обмін» — ünïcode",
    }
    kept = Record(row)
    assert dumps({"data": json_rows([kept, row])}) == dumps({"data": [row, row]})
    assert to_ndjson([kept, row]) == to_ndjson([row, row])
    assert kept.json() is kept.json()  # made once
    assert dict(kept) == row and dumps(dict(kept)) == dumps(row)


def test_pages_read_again_answer_the_same_bytes(db_url):
    """The second reading of a page takes the kept rows' JSON; the bytes must not move."""
    url = "/v1/exchanges?limit=500&sort=date"
    with make_client(db_url, response_cache=False) as c:
        first = c.get(url)
        assert first.status_code == 200 and len(first.json()["data"]) > 100
        assert c.get(url).content == first.content
        assert c.get(url + "&format=ndjson").content == c.get(url + "&format=ndjson").content


def test_a_new_release_changes_every_read_s_etag(db_url, monkeypatch):
    """A client holding an answer of the old code never gets 304 from new code, which may
    answer differently (a field, a word, a drawing) at the same dataset version. (The
    dashboard page and its assets are tagged by their own bytes.)"""
    from app import http
    from tests.conftest import make_client

    paths = ("/v1/exchanges?limit=2", "/v1/codebook", "/v1/statistics/summary",
             "/feeds/exchanges.atom", "/embed/people.svg")  # fmt: skip
    with make_client(db_url, response_cache=False) as c:
        before = {p: c.get(p).headers["etag"] for p in paths}
        monkeypatch.setattr(http, "release", lambda: "another-release")
        for p in paths:
            r = c.get(p, headers={"If-None-Match": before[p]})
            assert r.status_code == 200 and r.headers["etag"] != before[p], p
