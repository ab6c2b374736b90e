"""Small helpers shared by the tests."""

from __future__ import annotations

from typing import Any


def walk(client: Any, url: str, **params: Any) -> tuple[list[dict[str, Any]], list[Any]]:
    """Follow next_cursor to the end; return every row and every page's meta."""
    rows: list[dict[str, Any]] = []
    metas: list[Any] = []
    params = dict(params)
    for _ in range(10_000):
        r = client.get(url, params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        rows.extend(body["data"])
        metas.append(body["meta"])
        if body["meta"]["next_cursor"] is None:
            assert "link" not in r.headers or 'rel="next"' not in r.headers["link"]
            return rows, metas
        assert 'rel="next"' in r.headers["link"]
        params["cursor"] = body["meta"]["next_cursor"]
    raise AssertionError("pagination never ended")


def assert_problem(r: Any, status: int, name: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert "Traceback" not in r.text
    if name is not None:
        assert any(e["name"] == name for e in body["errors"]), body
    return body
