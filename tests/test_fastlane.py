"""The fast lane answers GET /v1/exchanges exactly as the framework does: the same status,
bytes and headers for any query (valid or not), and never a row at a version it is not."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_client

SAME_HEADERS = ("etag", "content-type", "cache-control", "link", "last-modified",
                "x-dataset-version", "content-disposition", "vary")  # fmt: skip
TOKEN = "fast-lane-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def pair(db_url):
    """The app as users get it (cache and fast lane on), and the framework alone."""
    with make_client(db_url) as fast, make_client(db_url, response_cache=False) as plain:
        yield fast, plain


def same(fast: Any, plain: Any, url: str, headers: dict[str, str] | None = None) -> Any:
    a = fast.get(url, headers=headers or {}, follow_redirects=False)
    b = plain.get(url, headers=headers or {}, follow_redirects=False)
    assert a.status_code == b.status_code, (url, a.text, b.text)
    assert a.content == b.content, url
    for h in SAME_HEADERS:
        # The framework marks every compressible answer as varying with Accept-Encoding
        # (starlette-compress), the cache only those worth compressing: both say Accept.
        got, want = a.headers.get(h), b.headers.get(h)
        if h == "vary":
            got, want = (set((v or "").replace(" ", "").split(",")) - {"Accept-Encoding", "Origin"}
                         for v in (got, want))  # fmt: skip
        assert got == want, (url, h)
    return a


def test_a_never_seen_page_is_answered_by_the_lane(db_url, monkeypatch):
    from app import fastlane

    answered: list[bool] = []
    real = fastlane.answer

    def spy(scope: Any) -> Any:
        response = real(scope)
        answered.append(response is not None)
        return response

    monkeypatch.setattr(fastlane, "answer", spy)
    with make_client(db_url) as fast:
        assert fast.get("/v1/exchanges?since=2024-01-01&limit=5").status_code == 200
        assert fast.get("/v1/exchanges?since=2024-01-01&limit=5").status_code == 200  # a hit
        assert fast.get("/v1/exchanges?limit=0").status_code == 422  # the framework's 422
        assert fast.get("/v1/exchanges?since=2025-01-01&until=2024-01-01").status_code == 422
        assert fast.get("/v1/exchanges?stream=true&limit=2").status_code == 200
    # The first page by the lane; the hit never reached it; the refusals and the stream
    # went on to the framework.
    assert answered == [True, False, False, False]


VALUES = {
    "since": st.sampled_from(["2022-02-24", "2024-01-01", "2025-06-30", "2030-01-01", "0",
                              "2024-13-01", ""]),
    "until": st.sampled_from(["2023-12-31", "2026-06-07", "2022-01-01", "x"]),
    "kind": st.sampled_from(["pow_exchange", "bodies_repatriation", "mixed,civilian_release",
                             "prisoners", ""]),
    "mediator": st.sampled_from(["uae", "icrc,turkey", "UAE"]),
    "confidence": st.sampled_from(["high", "low,medium", "sure"]),
    "figure_status": st.sampled_from(["disputed", "undisclosed", "maybe"]),
    "min_total": st.sampled_from(["0", "100", "-1", "ten"]),
    "q": st.sampled_from(["civilians", "Azov swap", "a\x01b"]),
    "source": st.sampled_from(["up-2022-03-24-10for10", "no-such-source", "?!"]),
    "sort": st.sampled_from(["date", "-date", "total", "-total", "size"]),
    "limit": st.sampled_from(["1", "7", "50", "500", "0", "501"]),
    "format": st.sampled_from(["json", "csv", "ndjson", "xml"]),
    "bom": st.sampled_from(["true", "false"]),
    "as_of_version": st.sampled_from(["1", "99"]),
    "stream": st.sampled_from(["false"]),
    "zzz": st.just("ignored"),
}  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    params=st.dictionaries(st.sampled_from(sorted(VALUES)), st.none(), max_size=5).flatmap(
        lambda keys: st.fixed_dictionaries({k: VALUES[k] for k in keys})
    ),
    accept=st.sampled_from([None, "application/json", "text/csv", "image/png", "*/*"]),
)
def test_any_query_gets_the_framework_s_own_answer(pair, params, accept):
    url = "/v1/exchanges" + ("?" + urlencode(params) if params else "")
    headers = {"Accept": accept} if accept else {}
    first = same(*pair, url, headers)
    # A conditional request with its ETag, and the next page by its cursor.
    if first.status_code == 200:
        same(*pair, url, {**headers, "If-None-Match": first.headers["etag"]})
        if "application/json" in first.headers["content-type"]:
            cursor = first.json()["meta"]["next_cursor"]
            if cursor:
                same(*pair, f"{url}{'&' if params else '?'}cursor={cursor}", headers)


def test_a_write_between_reads_is_seen_at_once_byte_for_byte(fresh_url, monkeypatch):
    """The rows it keeps are the version's: after a write, every byte is the new version's
    (and the old version stays what it was, pinned)."""
    from app.config import get_settings

    monkeypatch.setenv("ADMIN_TOKENS", f"t:{hashlib.sha256(TOKEN.encode()).hexdigest()}")
    get_settings.cache_clear()
    url = "/v1/exchanges?since=2024-07-01&until=2024-07-31&limit=10"
    with make_client(fresh_url) as fast, make_client(fresh_url, response_cache=False) as plain:
        before = same(fast, plain, url)
        row = next(r for r in before.json()["data"] if r["ukraine_received"] is not None)
        version = before.json()["meta"]["dataset_version"]
        for step in range(3):  # each write makes a version; each read must show it
            r = fast.patch(
                f"/v1/admin/exchanges/{row['id']}?reason=correction",
                json={"ukraine_received": row["ukraine_received"] + step + 1},
                headers=AUTH,
            )
            assert r.status_code == 200, r.text
            after = same(fast, plain, url)
            shown = next(x for x in after.json()["data"] if x["id"] == row["id"])
            assert shown["ukraine_received"] == row["ukraine_received"] + step + 1
            assert after.json()["meta"]["dataset_version"] == version + step + 1
        pinned = same(fast, plain, f"{url}&as_of_version={version}")
        assert pinned.content == before.content
