"""stream=true: every matching record in one streamed answer, the same records and bytes as
the pages; the CSV byte-order mark; compression (br, gzip, zstd) of streamed and cached answers."""

from __future__ import annotations

import csv
import io

import brotli
import orjson
import pytest

from tests import oracle
from tests.conftest import make_client
from tests.helpers import assert_problem, walk

LISTS = [
    ("/v1/exchanges", {"kind": "pow_exchange,mixed", "sort": "total"}),
    ("/v1/exchanges", {}),
    ("/v1/sources", {"language": "en"}),
    ("/v1/claims", {}),
    ("/v1/dataset/changes", {}),
]


@pytest.mark.parametrize(("path", "params"), LISTS)
def test_a_stream_holds_every_record_of_the_pages_in_their_order(client, path, params):
    pages, _ = walk(client, path, limit=37, **params)
    r = client.get(path, params={**params, "stream": "true"})
    assert r.status_code == 200
    body = r.json()
    assert body["data"] == pages
    assert body["meta"] == {
        "count": len(pages),
        "limit": len(pages),
        "next_cursor": None,
        "dataset_version": 1,
    }
    assert len(pages) > 37  # more than one page, so the walk and the stream both resumed


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_a_stream_is_the_one_big_page_byte_for_byte(client, fmt):
    # 462 sources fit one page of 500: the stream (chunks of rows) must equal it exactly.
    page = client.get("/v1/sources", params={"format": fmt, "limit": 500})
    stream = client.get("/v1/sources", params={"format": fmt, "stream": "true"})
    assert stream.content == page.content
    assert stream.headers["content-type"] == page.headers["content-type"]
    assert stream.headers["etag"] != page.headers["etag"]  # another request, another ETag


def test_a_stream_larger_than_one_chunk(client, monkeypatch):
    from app.routers import common

    monkeypatch.setattr(common, "STREAM_CHUNK", 50)  # 462 sources: 10 chunks
    whole = client.get("/v1/sources", params={"format": "csv", "limit": 500}).content
    r = client.get("/v1/sources", params={"format": "csv", "stream": "true"})
    assert r.content == whole
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == len(oracle.sources()) == 462
    assert len({row["id"] for row in rows}) == 462


def test_a_stream_answers_at_the_version_asked_for(fresh_url):
    import hashlib

    token = "stream-test-token"
    auth = {"Authorization": f"Bearer {token}"}
    with make_client(
        fresh_url, admin_tokens=f"s:{hashlib.sha256(token.encode()).hexdigest()}"
    ) as c:
        r = c.patch("/v1/admin/exchanges/2024-07-17", json={"notes": "Edited."}, headers=auth)
        assert r.status_code == 200, r.text

        def notes(params: str) -> dict[str, str]:
            body = c.get(f"/v1/exchanges?stream=true{params}").json()
            return {row["id"]: row["notes"] for row in body["data"]}

        assert notes("")["2024-07-17"] == "Edited."
        assert notes("&as_of_version=1")["2024-07-17"].startswith("UAE-brokered 95-for-95")
        assert len(notes("")) == len(notes("&as_of_version=1")) == len(oracle.exchanges())


def test_a_stream_takes_no_cursor(client):
    cursor = client.get("/v1/exchanges?limit=2").json()["meta"]["next_cursor"]
    r = client.get("/v1/exchanges", params={"stream": "true", "cursor": cursor})
    assert_problem(r, 422, "cursor")


def test_a_stream_answers_if_none_match_with_304(client):
    first = client.get("/v1/exchanges?stream=true&format=csv")
    again = client.get(
        "/v1/exchanges?stream=true&format=csv", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
    assert first.headers["content-disposition"] == 'attachment; filename="exchanges.csv"'
    assert 'rel="cite-as"' in first.headers["link"]


@pytest.mark.parametrize("stream", ["true", "false"])
def test_the_byte_order_mark_is_there_when_asked_for_csv(client, stream):
    params = {"format": "csv", "stream": stream, "limit": 500}
    plain = client.get("/v1/exchanges", params=params).content
    marked = client.get("/v1/exchanges", params={**params, "bom": "true"}).content
    assert not plain.startswith(b"\xef\xbb\xbf")
    assert marked == b"\xef\xbb\xbf" + plain
    assert marked.decode("utf-8-sig").startswith("id,date,kind,")


def test_the_byte_order_mark_is_csv_only(client):
    series = client.get("/v1/statistics/timeseries", params={"format": "csv", "bom": "true"})
    assert series.content.startswith(b"\xef\xbb\xbfperiod")
    as_json = client.get("/v1/exchanges", params={"bom": "true"})
    assert as_json.content.startswith(b"{")


@pytest.mark.parametrize("stream", ["true", "false", "1", "on"])
@pytest.mark.parametrize("coding", ["br", "gzip", "zstd"])
def test_answers_are_compressed_as_the_client_asks(db_url, stream, coding):
    url = f"/v1/sources?format=csv&limit=500&stream={stream}"
    with make_client(db_url) as c:
        plain = c.get(url, headers={"Accept-Encoding": "identity"})
        for _ in range(2):  # a miss, then (for a page) a cache hit
            r = c.get(url, headers={"Accept-Encoding": coding})
            assert r.status_code == 200
            # Cached pages are kept as identity, gzip and br; a zstd-only client gets identity.
            expected = None if (stream == "false" and coding == "zstd") else coding
            assert r.headers.get("content-encoding") == expected
            assert "Accept-Encoding" in r.headers["vary"]
            assert r.content == plain.content  # decoded by the client
        assert "content-encoding" not in plain.headers


def test_brotli_is_preferred_and_q_zero_refuses_a_coding(client):
    big = "/v1/exchanges?limit=200"
    r = client.get(big, headers={"Accept-Encoding": "gzip, br"})
    assert r.headers["content-encoding"] == "br"
    r = client.get(big, headers={"Accept-Encoding": "br;q=0, gzip"})
    assert r.headers["content-encoding"] == "gzip"
    r = client.get(big, headers={"Accept-Encoding": "br;q=0, gzip;q=0"})
    assert "content-encoding" not in r.headers
    raw = client.get(big, headers={"Accept-Encoding": "br"})
    assert orjson.loads(raw.content)["meta"]["count"] == len(oracle.exchanges())


def test_a_cached_brotli_body_is_the_identity_body_compressed(client):
    url = "/v1/exchanges?limit=200"
    client.get(url)  # fill the cache
    with client.stream("GET", url, headers={"Accept-Encoding": "br"}) as r:
        raw = b"".join(r.iter_raw())
    assert r.headers["content-encoding"] == "br"
    assert brotli.decompress(raw) == client.get(url).content


def test_more_streams_than_pooled_connections_all_finish(fresh_url, tmp_path):
    """Slow downloads of 2 MB each, more at once than the SQLite pool holds connections: a
    stream holds a connection only while it reads a chunk, so none waits on another."""
    import concurrent.futures
    import time

    import httpx

    from app.db import SQLITE_POOL
    from tests.conftest import load
    from tests.servers import running_server
    from tests.test_faults import _big_directory

    assert load(fresh_url, _big_directory(tmp_path, 6_000)) == 2
    with running_server(fresh_url, tmp_path) as (base, _log):

        def download(_: int) -> int:
            rows = 0
            url = f"{base}/v1/exchanges?stream=true&format=ndjson"  # never cached: all stream
            with httpx.stream("GET", url, timeout=120) as r:
                assert r.status_code == 200
                for n, line in enumerate(r.iter_lines()):
                    rows += bool(line)
                    if n % 500 == 0:
                        time.sleep(0.05)  # a slow reader: the server waits on the socket
            return rows

        n = SQLITE_POOL + 4
        began = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(n) as pool:
            counts = list(pool.map(download, range(n)))
        # None of them waited out the pool (30 s) for a connection another stream held.
        assert time.monotonic() - began < 25
        total = httpx.get(f"{base}/v1/exchanges?limit=1").json()["meta"]["count"]
    assert counts == [total] * n and total > 6_000


def test_head_of_a_stream_reads_nothing(client, monkeypatch):
    from app.routers import common

    def fail(*_args, **_kwargs):  # the stream's reader must not run for HEAD
        raise AssertionError("HEAD read the stream")

    get = client.get("/v1/exchanges?stream=true&format=csv")
    monkeypatch.setattr(common, "streamed", fail)
    head = client.head("/v1/exchanges?stream=true&format=csv")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-type"] == get.headers["content-type"]


def test_a_large_cached_body_is_compressed_off_the_loop_and_kept(client, monkeypatch):
    from app import cache

    monkeypatch.setattr(cache, "OFF_LOOP", 1024)  # every body here counts as large
    url = "/v1/sources?limit=500"
    plain = client.get(url, headers={"Accept-Encoding": "identity"}).content
    for _ in range(2):  # made in a thread, then served from the entry
        with client.stream("GET", url, headers={"Accept-Encoding": "br"}) as r:
            raw = b"".join(r.iter_raw())
        assert r.headers["content-encoding"] == "br"
        assert brotli.decompress(raw) == plain
