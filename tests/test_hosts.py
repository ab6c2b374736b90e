"""Hosts: the API answers only for ALLOWED_HOSTS, and its links never name a forged host.

With PUBLIC_BASE_URL unset, absolute links (the citation, `Link` headers) are made from the
request's Host, and read answers are `Cache-Control: public`: a shared cache in front could
keep an answer linking to `evil.example` and hand it to everyone. So any other host gets a 400
problem document, before anything (the response cache included) can answer.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.config import Settings
from tests.conftest import make_client
from tests.helpers import assert_problem

EVIL = "evil.example"
READS = [
    "/v1/dataset?as_of_version=1",
    "/v1/dataset/citation",
    "/v1/exchanges?limit=2",
    "/v1/exchanges?limit=2&format=csv",
    "/v1/statistics/summary",
    "/openapi.json",
    "/",
]


def refused(r) -> None:  # type: ignore[no-untyped-def]
    body = assert_problem(r, 400)
    assert "host" in body["detail"].lower()
    assert EVIL not in r.text and "link" not in r.headers
    assert "no-store" in r.headers["cache-control"]


@pytest.mark.parametrize("path", READS)
def test_an_unknown_host_gets_a_problem_never_a_link_to_itself(client, path):
    assert client.get(path).status_code == 200  # warm the response cache for this path
    refused(client.get(path, headers={"Host": EVIL}))
    refused(client.get(path, headers={"Host": f"{EVIL}:8000"}))


def test_a_refused_host_is_never_answered_from_the_cache(client):
    path = "/v1/dataset/citation"
    first = client.get(path)
    again = client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304  # a hit
    for headers in ({"Host": EVIL}, {"Host": EVIL, "If-None-Match": first.headers["etag"]}):
        refused(client.get(path, headers=headers))
    r = client.head(path, headers={"Host": EVIL})
    assert r.status_code == 400 and r.content == b""
    # Writes and unknown paths too: nothing is answered for another host.
    assert client.post("/v1/admin/exchanges", headers={"Host": EVIL}).status_code == 400
    assert client.get("/no/such/path", headers={"Host": EVIL}).status_code == 400


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "127.0.0.1:8000", "[::1]:8000"])
def test_this_machine_is_served_by_default(client, host):
    r = client.get("/v1/dataset/citation", headers={"Host": host})
    assert r.status_code == 200, r.text
    assert f"http://{host}/v1/dataset?as_of_version=" in r.text
    assert r.headers["link"] == f'<http://{host}/v1/dataset/citation>; rel="cite-as"'


def test_probes_answer_whatever_the_host(client):
    """A Kubernetes probe names the pod by its address; these answers hold no link."""
    for path in ("/healthz", "/readyz", "/metrics"):
        assert client.get(path, headers={"Host": "10.1.2.3:8000"}).status_code == 200, path


def test_cached_answers_never_carry_another_hosts_links(db_url):
    with make_client(db_url, allowed_hosts="a.example, *.b.example") as c:
        for host in ("a.example", "x.b.example", "a.example", "y.b.example"):
            for path in ("/v1/dataset/citation", "/v1/exchanges?limit=2"):
                r = c.get(path, headers={"Host": host})
                assert r.status_code == 200, (host, r.text)
                assert f"http://{host}/v1/" in r.headers["link"], r.headers["link"]
                assert r.headers["link"].count("http://") == r.headers["link"].count(host)
            assert (
                f"http://{host}/v1/dataset?as_of_version="
                in c.get("/v1/dataset", headers={"Host": host}).json()["data"]["citation"]
            )
        refused(c.get("/v1/dataset", headers={"Host": "b.example"}))  # not a subdomain
        refused(c.get("/v1/dataset", headers={"Host": "localhost"}))


def test_public_base_url_makes_every_link_whatever_the_host(db_url):
    base = "https://pow.example.org"
    with make_client(db_url, public_base_url=base) as c:
        for host in ("localhost", "pow.example.org"):  # PUBLIC_BASE_URL's host is allowed
            r = c.get("/v1/exchanges?limit=2", headers={"Host": host})
            assert r.status_code == 200, r.text
            links = r.headers["link"]
            assert f'<{base}/v1/dataset/citation>; rel="cite-as"' in links
            assert f"<{base}/v1/exchanges?limit=2&cursor=" in links
            assert host == "pow.example.org" or host not in links
            citation = c.get("/v1/dataset/citation", headers={"Host": host}).text
            assert f"{base}/v1/dataset?as_of_version=" in citation
        refused(c.get("/v1/dataset", headers={"Host": EVIL}))


def test_any_host_only_when_asked(db_url):
    with make_client(db_url, allowed_hosts="*") as c:
        r = c.get("/v1/dataset/citation", headers={"Host": EVIL})
        assert r.status_code == 200 and f"http://{EVIL}/v1/dataset" in r.text


@pytest.mark.parametrize("value", ["ex*ample.org", "*example.org", "a.*"])
def test_a_malformed_pattern_is_refused_at_start(value):
    with pytest.raises(ValidationError, match="ALLOWED_HOSTS"):
        Settings(allowed_hosts=value)
