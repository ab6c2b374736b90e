"""The front door (app.front) answers a repeated read without the middleware stack. Whatever
it answers must be what the whole stack would have answered: the same status, headers and
body as the first answer (a miss), and as the same app's stack answers a hit without it."""

from __future__ import annotations

import pytest

from tests.conftest import make_client

URLS = [
    "/v1/exchanges?limit=3",
    "/v1/exchanges/2024-07-17",
    "/v1/statistics/summary",
    "/v1/statistics/timeseries?interval=year&format=csv",
    "/v1/dataset/citation?format=bibtex",
    "/v1/dataset/export",
    "/",
    "/embed/people",
    "/embed/people.svg",
    "/feeds/exchanges.atom",
]
# Per request by design: when it was made, and the request's own id.
PER_REQUEST = {"date", "x-request-id"}
ASKS = [{}, {"Accept-Encoding": "gzip"}, {"Origin": "https://newsroom.example"}]


@pytest.fixture(scope="module")
def cached(db_url):
    with make_client(db_url, version_ttl=60.0) as c:
        yield c


@pytest.fixture(scope="module")
def stack_only(db_url):
    """The same app, its front door taken off: every request goes through the whole stack."""
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.front import Front
    from app.main import create_app

    app = create_app(Settings(database_url=db_url, version_ttl=60.0))  # type: ignore[call-arg]
    front = app.build_middleware_stack()
    assert isinstance(front, Front)
    app.middleware_stack = front.stack
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def comparable(r) -> tuple[int, dict[str, str], bytes]:  # type: ignore[no-untyped-def]
    headers = {k: v for k, v in r.headers.items() if k not in PER_REQUEST}
    return r.status_code, headers, r.content


@pytest.mark.parametrize("asks", ASKS, ids=["plain", "gzip", "cors"])
@pytest.mark.parametrize("url", URLS)
def test_a_hit_answers_as_the_whole_stack_does(cached, stack_only, url, asks):
    first = cached.get(url, headers=asks)  # a miss: the whole stack
    again = cached.get(url, headers=asks)  # a hit: the front door
    assert first.status_code == 200, first.text
    assert comparable(again) == comparable(first)
    stack_only.get(url, headers=asks)
    assert comparable(stack_only.get(url, headers=asks)) == comparable(again)
    assert again.headers["x-request-id"] != first.headers["x-request-id"]


def test_a_hit_is_revalidated_and_keeps_the_clients_request_id(cached):
    url = "/v1/statistics/summary"
    etag = cached.get(url).headers["etag"]
    r = cached.get(url, headers={"If-None-Match": etag, "X-Request-ID": "newsroom-42"})
    assert r.status_code == 304 and r.content == b""
    assert r.headers["x-request-id"] == "newsroom-42"
    assert "content-security-policy" in cached.get("/").headers


def test_a_host_not_allowed_is_refused_even_for_a_kept_answer(db_url):
    with make_client(db_url, allowed_hosts="api.example", version_ttl=60.0) as c:
        url = "/v1/statistics/summary"
        assert c.get(url, headers={"Host": "api.example"}).status_code == 200
        assert c.get(url, headers={"Host": "api.example"}).status_code == 200
        r = c.get(url, headers={"Host": "evil.example"})
        assert r.status_code == 400
        assert r.headers["content-type"] == "application/problem+json"


def test_head_and_long_queries_go_through_the_whole_stack(cached):
    url = "/v1/exchanges?limit=2"
    cached.get(url)
    head = cached.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == cached.get(url).headers["etag"]
    long = cached.get("/v1/exchanges?limit=2&" + "x=1&" * 3000)
    assert long.status_code == 414
    assert long.headers["content-type"] == "application/problem+json"


def test_a_miss_works_its_key_out_once(db_url, monkeypatch):
    """The front door's lookup that missed hands its key to the cache's own pass, which
    fills the entry under it: the next request is a hit at the front door."""
    from app.cache import ResponseCache

    calls: list[str] = []
    real = ResponseCache._key

    def counted(self, scope, headers):  # type: ignore[no-untyped-def]
        calls.append(scope["path"])
        return real(self, scope, headers)

    monkeypatch.setattr(ResponseCache, "_key", counted)
    with make_client(db_url, version_ttl=60.0) as c:
        c.get("/v1/codebook")  # the cache now holds the current version
        calls.clear()
        first = c.get("/v1/exchanges?limit=4&since=2023-01-01")
        assert calls == ["/v1/exchanges"]
        again = c.get("/v1/exchanges?limit=4&since=2023-01-01")
        assert calls == ["/v1/exchanges"] * 2  # the hit's own lookup
        assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
