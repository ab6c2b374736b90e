"""A 304 is what openapi-fetch, browsers and caches expect: no body, nothing that claims one,
and the headers the 200 carries (RFC 9110 15.4.5; a cache replaces its stored headers with the
304's, so a partial Link or Vary there would corrupt what it keeps). Both ways a 304 is made:
by the response cache in front, and by the route itself (cache off, or a streamed answer)."""

from __future__ import annotations

import pytest

from tests.conftest import make_client

# Every kind of /v1 read: pages with and without a next page, records, statistics, the
# dataset's documents, CSV, NDJSON, a stream, the zip, a citation in BibTeX, a 301.
URLS = [
    "/v1/exchanges?limit=2",
    "/v1/exchanges?limit=500",
    "/v1/exchanges?limit=3&format=csv",
    "/v1/exchanges?limit=3&format=csv&bom=true",
    "/v1/exchanges?stream=true&format=ndjson",
    "/v1/exchanges/2024-07-17",
    "/v1/exchanges/2023-10-19",
    "/v1/exchanges/2024-07-17/claims",
    "/v1/sources?limit=5",
    "/v1/sources/up-2022-03-24-10for10",
    "/v1/mediators",
    "/v1/claims?limit=2",
    "/v1/agreements",
    "/v1/statistics/summary",
    "/v1/statistics/summary?kind=bodies_repatriation",
    "/v1/statistics/timeseries?interval=year",
    "/v1/statistics/timeseries?interval=month&format=csv",
    "/v1/statistics/mediators",
    "/v1/statistics/reconciliation",
    "/v1/dataset",
    "/v1/dataset/coverage",
    "/v1/dataset/changes",
    "/v1/dataset/citation?format=bibtex",
    "/v1/dataset/export",
    "/v1/codebook",
    "/v1/exchanges?limit=2&as_of_version=1",
]
# What a 304 must carry exactly as the 200 does.
SAME = ["etag", "cache-control", "last-modified", "link", "x-dataset-version", "vary",
        "access-control-allow-origin", "access-control-expose-headers"]  # fmt: skip
# What describes a body, which a 304 has none of.
BODY = ["content-type", "content-length", "content-encoding"]
BROWSER = {"Origin": "https://newsroom.example", "Accept-Encoding": "gzip, br"}


@pytest.fixture(scope="module", params=["cache", "no-cache"])
def api(request, db_url):
    with make_client(db_url, response_cache=request.param == "cache") as c:
        yield c


@pytest.mark.parametrize("url", URLS)
def test_a_304_has_no_body_and_the_headers_of_the_200(api, url):
    ok = api.get(url, headers=BROWSER, follow_redirects=False)
    assert ok.status_code in (200, 301), ok.text
    for conditional in ({"If-None-Match": ok.headers["etag"]},
                        {"If-Modified-Since": ok.headers["last-modified"]}):  # fmt: skip
        if ok.status_code == 301 and "If-Modified-Since" in conditional:
            continue
        r = api.get(url, headers={**BROWSER, **conditional}, follow_redirects=False)
        assert r.status_code == 304, (conditional, r.status_code)
        assert r.content == b""
        for name in BODY:
            assert name not in r.headers, (name, r.headers)
        for name in SAME:
            assert r.headers.get(name) == ok.headers.get(name), (name, r.headers, ok.headers)


def test_a_304_for_a_page_keeps_its_next_link(api):
    ok = api.get("/v1/exchanges?limit=2", headers=BROWSER)
    assert 'rel="next"' in ok.headers["link"]
    r = api.get("/v1/exchanges?limit=2", headers={**BROWSER, "If-None-Match": ok.headers["etag"]})
    assert r.status_code == 304 and r.headers["link"] == ok.headers["link"]


def test_a_stale_validator_gets_the_200(api):
    r = api.get("/v1/statistics/summary", headers={"If-None-Match": '"not-this-one"'})
    assert r.status_code == 200 and r.json()["data"]["exchanges"] == 84
    r = api.get("/v1/statistics/summary",
                headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})  # fmt: skip
    assert r.status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
    ims = api.get("/v1/statistics/summary").headers["last-modified"]
    r = api.get("/v1/statistics/summary",
                headers={"If-None-Match": '"not-this-one"', "If-Modified-Since": ims})  # fmt: skip
    assert r.status_code == 200
