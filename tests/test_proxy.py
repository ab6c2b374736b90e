"""Behind a reverse proxy: forwarded headers are believed from FORWARDED_ALLOW_IPS only.

The failed-login limit counts per client address. Behind a proxy every request comes from
the proxy's address, so `pow-exchanges serve` lets uvicorn take the client's address from
X-Forwarded-For, but only when the peer is a trusted proxy; anyone else's X-Forwarded-For is
ignored, so a client cannot choose the address it is counted under.
"""

from __future__ import annotations

import hashlib

import httpx
import pytest

from app.auth import MAX_FAILURES
from tests.servers import access_lines, running_server

TOKEN = "proxy-test-token-0123456789"
GOOD = {"Authorization": f"Bearer {TOKEN}"}
BAD = {"Authorization": "Bearer not-the-token"}
# No such exchange: a request that gets past the token check answers 404 and changes nothing.
PROBE = "/v1/admin/exchanges/2022-03-01-z"


def test_serve_hands_the_setting_to_uvicorn(monkeypatch):
    import uvicorn
    from typer.testing import CliRunner

    from app.cli import cli
    from app.config import get_settings

    captured: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: captured.update(kwargs))
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.5,192.168.0.0/16")
    get_settings.cache_clear()
    try:
        assert CliRunner().invoke(cli, ["serve"]).exit_code == 0
    finally:
        get_settings.cache_clear()
    assert captured["proxy_headers"] is True
    assert captured["forwarded_allow_ips"] == "10.0.0.5,192.168.0.0/16"


@pytest.fixture(scope="module")
def server(tmp_path_factory, db_url):  # type: ignore[no-untyped-def]
    """`pow-exchanges serve` trusting a proxy at 127.0.0.1 only; the database is only read."""
    env = {
        "ADMIN_TOKENS": f"curator:{hashlib.sha256(TOKEN.encode()).hexdigest()}",
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        "LOG_LEVEL": "info",
        "ACCESS_LOG": "1",
    }
    with running_server(db_url, tmp_path_factory.mktemp("proxy"), env, serve=True) as run:
        yield run


def client_at(address: str) -> httpx.Client:
    """A client whose connections come from `address` (any 127.x is this machine)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=10)


def status(c: httpx.Client, base: str, headers: dict[str, str]) -> int:
    return c.delete(base + PROBE, headers=headers).status_code


def test_a_trusted_proxy_gets_each_client_counted_apart(server):
    base, log = server
    with client_at("127.0.0.1") as proxy:
        for _ in range(MAX_FAILURES):
            assert status(proxy, base, {**BAD, "X-Forwarded-For": "203.0.113.1"}) == 401
        # That client is held off, a good token included ...
        r = proxy.delete(base + PROBE, headers={**GOOD, "X-Forwarded-For": "203.0.113.1"})
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        # ... while the curators behind the same proxy are not.
        assert status(proxy, base, {**GOOD, "X-Forwarded-For": "203.0.113.2"}) == 404
        assert status(proxy, base, {**GOOD, "X-Forwarded-For": "198.51.100.7, 203.0.113.9"}) == 404
        assert status(proxy, base, GOOD) == 404  # the proxy's own requests
        # The scheme it reports makes the links.
        r = proxy.get(base + "/v1/dataset/citation", headers={"X-Forwarded-Proto": "https"})
        assert r.headers["link"].startswith("<https://127.0.0.1:")
    wanted = {"203.0.113.1", "203.0.113.2", "203.0.113.9", "127.0.0.1"}
    lines = access_lines(log, lambda lines: wanted <= {x.get("client") for x in lines})
    assert wanted <= {x.get("client") for x in lines}


def test_an_untrusted_peer_cannot_pick_the_address_it_is_counted_under(server):
    base, _log = server
    with client_at("127.0.0.2") as peer:
        for n in range(MAX_FAILURES):
            forged = {**BAD, "X-Forwarded-For": f"192.0.2.{n}", "X-Forwarded-Proto": "https"}
            assert status(peer, base, forged) == 401
        fresh = {**GOOD, "X-Forwarded-For": "192.0.2.200"}
        assert status(peer, base, fresh) == 429  # counted as 127.0.0.2 all along
        r = peer.get(base + "/v1/dataset/citation", headers={"X-Forwarded-Proto": "https"})
        assert r.headers["link"].startswith("<http://127.0.0.1:")
    with client_at("127.0.0.3") as other:
        assert status(other, base, GOOD) == 404  # another address is not held off
