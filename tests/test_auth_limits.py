"""Failed logins are counted, a request with no credentials is not, and the limit is a setting.

A request without an Authorization header guesses nothing: counting it let a scanner (or
schemathesis' ignored_auth check, or a dashboard that forgot the token) lock the curator
behind the same address out with 429, and then answer "no token" with 429 instead of 401.
"""

from __future__ import annotations

import hashlib

import pytest

from tests.conftest import make_client

TOKEN = "curator-token-for-the-limit-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TOKENS = f"alice:{hashlib.sha256(TOKEN.encode()).hexdigest()}"
WRONG = {"Authorization": "Bearer not-the-token"}


@pytest.fixture
def fresh_limiter(monkeypatch):
    from app.routers import admin

    monkeypatch.setattr(admin, "limiter", admin.auth.FailureLimiter())


@pytest.fixture
def api(fresh_url, fresh_limiter):
    with make_client(fresh_url, admin_tokens=TOKENS) as c:
        yield c


def delete_missing(api, headers: dict[str, str] | None = None):
    return api.delete("/v1/admin/sources/no-such-source", headers=headers or {})


def test_no_authorization_header_is_401_and_never_counted(api):
    for _ in range(50):
        r = delete_missing(api)
        assert r.status_code == 401, r.text
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["detail"] == "Send Authorization: Bearer <token>."
    assert delete_missing(api, AUTH).status_code == 404  # the curator was never locked out


def test_a_blank_authorization_header_presents_nothing_either(api):
    for _ in range(25):
        assert delete_missing(api, {"Authorization": " "}).status_code == 401
    assert delete_missing(api, AUTH).status_code == 404


def test_wrong_tokens_still_count_and_lock_out_even_a_good_one(api):
    for _ in range(20):
        assert delete_missing(api, WRONG).status_code == 401
    for headers in (AUTH, WRONG, {"Authorization": "Basic YTpi"}):
        r = delete_missing(api, headers)
        assert r.status_code == 429, (headers, r.text)
        assert 1 <= int(r.headers["retry-after"]) <= 61
    # Still no guess: without credentials the answer stays 401, saying what to send.
    r = delete_missing(api)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")


def test_the_limit_is_a_setting(fresh_url, fresh_limiter):
    with make_client(fresh_url, admin_tokens=TOKENS, auth_failure_limit=3) as api:
        for _ in range(3):
            assert delete_missing(api, WRONG).status_code == 401
        assert delete_missing(api, AUTH).status_code == 429


def test_without_configured_tokens_no_header_is_401_and_not_counted(fresh_url, fresh_limiter):
    with make_client(fresh_url, admin_tokens="") as api:
        for _ in range(25):
            r = delete_missing(api)
            assert r.status_code == 401
            assert "no admin tokens are configured" in r.json()["detail"]
