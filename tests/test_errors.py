"""Every error is an RFC 9457 problem document, whatever route or input produced it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers import assert_problem


def _get_paths(client):
    spec = client.get("/openapi.json").json()
    return [p for p, ops in spec["paths"].items() if "get" in ops]


def test_unknown_path_is_404_problem(client):
    assert_problem(client.get("/v2/everything"), 404)


def test_wrong_method_is_405_problem(client):
    assert_problem(client.post("/v1/exchanges", json={}), 405)
    assert_problem(client.delete("/v1/sources"), 405)


def test_every_route_answers_bad_input_with_a_problem(client):
    for path in _get_paths(client):
        url = path.replace("{exchange_id}", "nope").replace("{source_id}", "nope")
        r = client.get(url, params={"as_of_version": "zero", "limit": "-5"})
        assert r.status_code in (200, 404, 422), (url, r.status_code)
        if r.status_code != 200:
            assert_problem(r, r.status_code)


@pytest.mark.parametrize(
    "path", ["/v1/exchanges/%00", "/v1/sources/%27%20OR%201=1", "/v1/exchanges/" + "x" * 5000]
)
def test_hostile_paths(client, path):
    r = client.get(path)
    assert r.status_code in (404, 422)
    assert_problem(r, r.status_code)


@pytest.mark.parametrize(
    "param",
    [
        "since",
        "until",
        "kind",
        "mediator",
        "source",
        "confidence",
        "min_total",
        "q",
        "sort",
        "limit",
        "cursor",
        "format",
        "as_of_version",
    ],
)
@pytest.mark.parametrize(
    "value",
    ["'", "%", "_", "\x00", "\u202e", "💥" * 100, "a" * 10_000, "1e309", "-0", "[]", "null"],
)
def test_hostile_values_in_every_parameter_never_500(client, param, value):
    r = client.get("/v1/exchanges", params={param: value})
    if len(r.request.url.query) > 8192:  # the whole query string is bounded first
        assert_problem(r, 414)
        return
    assert r.status_code in (200, 422), (param, value, r.status_code, r.text[:200])
    if r.status_code == 422:
        assert_problem(r, 422, param)


def test_an_unhandled_error_is_a_500_problem_without_a_trace(db_url):
    from app.main import create_app
    from tests.conftest import use_database

    app = create_app()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with use_database(db_url), TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
    body = assert_problem(r, 500)
    assert "secret internals" not in r.text and "RuntimeError" not in body["detail"]


def test_database_not_migrated_gives_503_readyz_and_problem(tmp_path):
    from app.main import create_app
    from tests.conftest import use_database

    url = f"sqlite:///{tmp_path / 'blank.sqlite3'}"
    with use_database(url), TestClient(create_app(), raise_server_exceptions=False) as c:
        assert c.get("/healthz").status_code == 200
        assert_problem(c.get("/readyz"), 503)
        r = c.get("/v1/exchanges")
        assert r.status_code in (500, 503)
        assert_problem(r, r.status_code)
