"""Curators' writes: tokens, validation, concurrency, idempotency, history that loses nothing."""

from __future__ import annotations

import hashlib
import logging
import threading

import httpx
import pytest

from app.config import get_settings
from tests.conftest import make_client, use_database
from tests.helpers import assert_problem
from tests.servers import running_server

TOKEN = "curator-secret-token-0123456789"
DIGEST = hashlib.sha256(TOKEN.encode()).hexdigest()
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NEW = {
    "date": "2026-06-01",
    "kind": "pow_exchange",
    "ukraine_received": 12,
    "russia_received": 10,
    "mediators": ["uae"],
    "ua_categories": ["Armed Forces"],
    "notes": "A test swap.",
    "confidence": "medium",
    "sources": ["up-2022-03-24-10for10"],
}


@pytest.fixture
def admin_env(monkeypatch):
    from app.routers import admin

    monkeypatch.setenv("ADMIN_TOKENS", f"other:{'0' * 64},alice:{DIGEST}")
    monkeypatch.setattr(admin, "limiter", admin.auth.FailureLimiter())
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def api(fresh_url, admin_env):
    with use_database(fresh_url), make_client(fresh_url) as c:
        yield c


def version(c) -> int:
    return c.get("/v1/dataset").json()["data"]["version"]


# ---- tokens ---------------------------------------------------------------------------------


def test_writes_are_refused_without_configured_tokens(fresh_url, monkeypatch):
    monkeypatch.setenv("ADMIN_TOKENS", "")
    get_settings.cache_clear()
    with use_database(fresh_url), make_client(fresh_url) as c:
        r = c.post("/v1/admin/exchanges", json=NEW, headers=AUTH)
        assert_problem(r, 401)
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert version(c) == 1
    get_settings.cache_clear()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": "Bearer "},
        {"Authorization": DIGEST},
    ],
)
def test_missing_or_wrong_token_is_401(api, headers):
    r = api.post("/v1/admin/exchanges", json=NEW, headers=headers)
    assert_problem(r, 401)
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert version(api) == 1


def test_repeated_failures_are_slowed_down_even_for_a_good_token(api):
    for _ in range(20):
        assert (
            api.delete("/v1/admin/sources/x", headers={"Authorization": "Bearer no"}).status_code
            == 401
        )
    r = api.post("/v1/admin/exchanges", json=NEW, headers=AUTH)
    body = assert_problem(r, 429)
    assert 1 <= int(r.headers["retry-after"]) <= 61
    assert "Retry-After" in body["detail"] or "try again" in body["detail"]
    assert version(api) == 1


def test_token_cli_prints_a_working_entry():
    from typer.testing import CliRunner

    from app.auth import identify, parse_tokens
    from app.cli import cli

    out = CliRunner().invoke(cli, ["token", "new", "bob"]).output
    token = out.split("it is not stored anywhere): ")[1].split()[0]
    entry = out.split("add to ADMIN_TOKENS (comma-separated): ")[1].split()[0]
    assert entry.startswith("bob:") and token not in entry
    assert identify(parse_tokens(entry), token) == "bob"
    assert identify(parse_tokens(entry), token + "x") is None


def test_admin_routes_get_no_cors_grant(api):
    r = api.options(
        "/v1/admin/exchanges",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in r.headers
    r = api.post(
        "/v1/admin/exchanges", json=NEW, headers={**AUTH, "Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in r.headers
    assert r.headers["cache-control"] == "no-store"


# ---- creates and validation -----------------------------------------------------------------


def test_create_is_seen_everywhere(api):
    before = api.get("/v1/statistics/summary").json()
    r = api.post("/v1/admin/exchanges?reason=new+report", json=NEW, headers=AUTH)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == "/v1/exchanges/2026-06-01"
    got = api.get("/v1/exchanges/2026-06-01")
    assert got.headers["etag"] == r.headers["etag"]
    assert got.json()["data"] == r.json()["data"]
    assert got.json()["data"]["revision"] == 1 and got.json()["data"]["total"] == 22
    after = api.get("/v1/statistics/summary").json()
    assert after["data"]["exchanges"] == before["data"]["exchanges"] + 1
    assert after["data"]["people_to_ukraine"] == before["data"]["people_to_ukraine"] + 12
    assert after["data"]["bodies_to_ukraine"] == before["data"]["bodies_to_ukraine"]
    assert after["meta"]["dataset_version"] == before["meta"]["dataset_version"] + 1
    change = api.get("/v1/dataset/changes?since_version=1").json()["data"]
    assert [(c["action"], c["record_id"], c["actor"], c["reason"]) for c in change] == [
        ("create", "2026-06-01", "alice", "new report")
    ]
    assert change[0]["after"]["ukraine_received"] == 12 and change[0]["before"] is None


def test_ids_are_derived_from_the_date_on_a_busy_day(api):
    ids = [
        api.post("/v1/admin/exchanges", json={**NEW, "date": "2024-07-17"}, headers=AUTH).json()[
            "data"
        ]["id"]
        for _ in range(2)
    ]
    assert ids == ["2024-07-17-b", "2024-07-17-c"]


def test_an_existing_id_is_409(api):
    r = api.post(
        "/v1/admin/exchanges", json={**NEW, "id": "2024-07-17", "date": "2024-07-17"}, headers=AUTH
    )
    assert_problem(r, 409)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"extra": 1}, "extra"),
        ({"ukraine_received": "12"}, "ukraine_received"),
        ({"ukraine_received": -1}, "ukraine_received"),
        ({"ukraine_received": 1.5}, "ukraine_received"),
        ({"kind": "prisoners"}, "kind"),
        ({"date": "2021-12-31"}, "date"),
        ({"date": "2099-01-01"}, "date"),
        ({"date": "yesterday"}, "date"),
        ({"confidence": None}, "confidence"),
        ({"sources": []}, "sources"),
        ({"sources": ["no-such-source"]}, "sources"),
        ({"mediators": ["atlantis"]}, "mediators"),
        ({"notes": "x" * 2001}, "notes"),
        ({"ua_categories": ["a;b"]}, "ua_categories.0"),
    ],
)
def test_each_invalid_field_is_a_422_naming_it(api, change, field):
    r = api.post("/v1/admin/exchanges", json={**NEW, **change}, headers=AUTH)
    body = assert_problem(r, 422, field)
    assert all(e["location"] == "body" for e in body["errors"])
    assert version(api) == 1


def test_malformed_json_and_large_bodies(api):
    assert_problem(api.post("/v1/admin/exchanges", content=b'{"date": ', headers=AUTH), 400)
    big = b'{"notes": "' + b"x" * (1024 * 1024) + b'"}'
    assert_problem(api.post("/v1/admin/exchanges", content=big, headers=AUTH), 413)
    assert_problem(
        api.patch("/v1/admin/exchanges/2024-07-17", content=b"[1, 2]", headers=AUTH), 422
    )
    assert version(api) == 1


def test_the_loader_and_the_api_give_the_same_messages(api, tmp_path):
    from app.loader import FILES, read_file

    api_msg = api.post(
        "/v1/admin/exchanges", json={**NEW, "kind": "prisoners"}, headers=AUTH
    ).json()["errors"][0]["message"]
    path = tmp_path / "exchanges.csv"
    path.write_text("id,date,kind,confidence,sources\n2024-01-01,2024-01-01,prisoners,low,s1\n")
    problems: list[str] = []
    read_file(path, next(f for f in FILES if f.filename == "exchanges.csv"), problems)
    assert problems == [f"{path}:2: kind: {api_msg}"]


# ---- updates, concurrency, deletes and restores ---------------------------------------------


def test_put_patch_if_match_and_412(api):
    first = api.get("/v1/exchanges/2024-07-17")
    etag = first.headers["etag"]
    r = api.patch(
        "/v1/admin/exchanges/2024-07-17",
        json={"notes": "Corrected."},
        headers={**AUTH, "If-Match": etag},
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["notes"] == "Corrected." and r.json()["data"]["revision"] == 2
    assert r.headers["etag"] != etag and r.headers["etag"].startswith('"r2-')
    stale = api.put(
        "/v1/admin/exchanges/2024-07-17",
        json={**NEW, "date": "2024-07-17", "notes": "Lost update"},
        headers={**AUTH, "If-Match": etag},
    )
    assert_problem(stale, 412)
    assert api.get("/v1/exchanges/2024-07-17").json()["data"]["notes"] == "Corrected."
    whole = api.put(
        "/v1/admin/exchanges/2024-07-17",
        json={**NEW, "date": "2024-07-17"},
        headers={**AUTH, "If-Match": r.headers["etag"]},
    )
    assert whole.status_code == 200 and whole.json()["data"]["ukraine_received"] == 12
    mismatch = api.put(
        "/v1/admin/exchanges/2024-07-17",
        json={**NEW, "id": "2024-07-18", "date": "2024-07-17"},
        headers=AUTH,
    )
    assert_problem(mismatch, 422, "id")
    assert_problem(api.patch("/v1/admin/exchanges/1999-01-01", json={}, headers=AUTH), 404)


def test_patch_removing_a_required_field_is_422(api):
    r = api.patch("/v1/admin/exchanges/2024-07-17", json={"kind": None}, headers=AUTH)
    assert_problem(r, 422, "kind")


def test_delete_and_restore_bring_the_record_back_whole(api):
    # 1 April 2022 (86 for 86) has no claims and is no agreement's stage, so it may go.
    before = api.get("/v1/exchanges/2022-04-01").json()["data"]
    stats = api.get("/v1/statistics/summary").json()["data"]
    r = api.delete("/v1/admin/exchanges/2022-04-01?reason=duplicate", headers=AUTH)
    assert r.status_code == 200
    assert r.json() == {
        "data": {"id": "2022-04-01", "record_type": "exchange", "deleted": True},
        "meta": {"dataset_version": 2},
    }
    assert r.headers["x-dataset-version"] == "2"
    assert_problem(api.get("/v1/exchanges/2022-04-01"), 404)
    gone = api.get("/v1/statistics/summary").json()["data"]
    assert gone["exchanges"] == stats["exchanges"] - 1
    assert gone["people_to_ukraine"] == stats["people_to_ukraine"] - 86
    assert_problem(
        api.post(
            "/v1/admin/exchanges",
            json={**NEW, "id": "2022-04-01", "date": "2022-04-01"},
            headers=AUTH,
        ),
        409,
    )
    back = api.post("/v1/admin/exchanges/2022-04-01/restore", headers=AUTH)
    assert back.status_code == 200
    restored = back.json()["data"]
    assert {k: v for k, v in restored.items() if k not in ("revision", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("revision", "updated_at")
    }
    assert restored["revision"] == before["revision"] + 1
    assert api.get("/v1/statistics/summary").json()["data"]["exchanges"] == stats["exchanges"]
    actions = [
        (c["action"], c["reason"])
        for c in api.get("/v1/dataset/changes?since_version=1").json()["data"]
    ]
    assert actions == [("delete", "duplicate"), ("restore", None)]
    assert_problem(api.post("/v1/admin/exchanges/2022-04-01/restore", headers=AUTH), 409)


def test_deleting_a_cited_source_is_refused(api):
    r = api.delete("/v1/admin/sources/up-2022-03-24-10for10", headers=AUTH)
    assert_problem(r, 409)
    assert api.get("/v1/sources/up-2022-03-24-10for10").status_code == 200


def test_sources_claims_and_agreements_are_writable(api):
    src = {
        "id": "new-report",
        "url": "https://example.org/r",
        "publisher": "Example",
        "kind": "media",
        "language": "en",
    }
    assert api.post("/v1/admin/sources", json=src, headers=AUTH).status_code == 201
    claim = {
        "exchange": "2024-07-17",
        "claimant": "mediator",
        "figure": "ukraine_received",
        "value": 96,
        "sources": ["new-report"],
    }
    r = api.post("/v1/admin/claims", json=claim, headers=AUTH)
    assert r.status_code == 201, r.text
    assert r.json()["data"]["id"] == "2024-07-17.ukraine_received.mediator"
    assert r.headers["location"] == "/v1/claims/2024-07-17.ukraine_received.mediator"
    ex = api.get("/v1/exchanges/2024-07-17").json()["data"]
    assert ex["figure_status"]["ukraine_received"] == "disputed"
    assert_problem(api.post("/v1/admin/claims", json={**claim, "value": None}, headers=AUTH), 422)
    assert_problem(
        api.post("/v1/admin/claims", json={**claim, "exchange": "2019-01-01"}, headers=AUTH),
        422,
        "exchange",
    )
    assert_problem(api.delete("/v1/admin/exchanges/2024-07-17", headers=AUTH), 409)
    deal = {
        "id": "test-deal",
        "name": "Test deal",
        "agreed_ukraine_received": 100,
        "stages": ["2024-07-17"],
        "sources": ["new-report"],
    }
    assert api.post("/v1/admin/agreements", json=deal, headers=AUTH).status_code == 201
    got = api.get("/v1/agreements/test-deal").json()["data"]
    assert got["delivered"]["ukraine_received_share_of_agreed"] == 0.95


def test_twelve_racing_writers_on_one_revision_make_one_winner(fresh_url, admin_env, tmp_path):
    env = {"ADMIN_TOKENS": f"alice:{DIGEST}"}
    with running_server(fresh_url, tmp_path, env) as (base, _log):
        etag = httpx.get(f"{base}/v1/exchanges/2024-07-17").headers["etag"]
        barrier = threading.Barrier(12)
        codes: list[int] = []

        def race(i: int) -> None:
            barrier.wait()
            r = httpx.patch(
                f"{base}/v1/admin/exchanges/2024-07-17",
                json={"notes": f"w{i}"},
                headers={**AUTH, "If-Match": etag},
                timeout=30,
            )
            codes.append(r.status_code)

        threads = [threading.Thread(target=race, args=(i,)) for i in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(codes) == [200] + [412] * 11
        final = httpx.get(f"{base}/v1/exchanges/2024-07-17").json()
        assert final["data"]["revision"] == 2 and final["meta"]["dataset_version"] == 2


def test_idempotent_creates(api):
    headers = {**AUTH, "Idempotency-Key": "k-1"}
    first = api.post("/v1/admin/exchanges", json=NEW, headers=headers)
    again = api.post("/v1/admin/exchanges", json=NEW, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert again.headers["idempotent-replayed"] == "true"
    assert version(api) == 2
    other = api.post("/v1/admin/exchanges", json={**NEW, "notes": "different"}, headers=headers)
    assert_problem(other, 422, "Idempotency-Key")
    assert version(api) == 2


def test_as_of_version_reproduces_answers_byte_for_byte_after_edits(api):
    urls = [
        "/v1/exchanges/2024-07-17",
        "/v1/exchanges?limit=500",
        "/v1/statistics/summary",
        "/v1/statistics/timeseries?interval=week",
        "/v1/sources/up-2022-03-24-10for10",
        "/v1/mediators",
    ]
    then = {u: api.get(u).content for u in urls}
    api.patch("/v1/admin/exchanges/2024-07-17", json={"ukraine_received": 99}, headers=AUTH)
    api.post("/v1/admin/exchanges", json=NEW, headers=AUTH)
    api.delete("/v1/admin/exchanges/2022-03-01", headers=AUTH)
    assert version(api) == 4
    for u in urls:
        sep = "&" if "?" in u else "?"
        assert api.get(f"{u}{sep}as_of_version=1").content == then[u], u
        assert api.get(u).content != then[u] or u.startswith("/v1/sources"), u


def test_tokens_never_appear_in_answers_or_logs(api, caplog):
    caplog.set_level(logging.DEBUG)
    answers = [
        api.post("/v1/admin/exchanges", json=NEW, headers=AUTH),
        api.post(
            "/v1/admin/exchanges", json=NEW, headers={"Authorization": "Bearer " + TOKEN[:-1]}
        ),
        api.post("/v1/admin/exchanges", json={**NEW, "kind": TOKEN}, headers=AUTH),
        api.get("/v1/dataset/changes"),
    ]
    text = "".join(r.text + str(dict(r.headers)) for r in answers) + caplog.text
    assert TOKEN not in text and TOKEN[:-1] not in text and DIGEST not in text
    assert "alice" in api.get("/v1/dataset/changes?since_version=1").text


# ---- the coverage: the window the curators vouch for ------------------------------------------

LATE = {**NEW, "date": "2026-06-20", "notes": "A swap after the coverage's end."}


def changes_since(c, v: int) -> list[dict]:
    return c.get(f"/v1/dataset/changes?since_version={v}&limit=500").json()["data"]


def test_coverage_end_to_end(api):
    # The shipped coverage ends on 7 June 2026: an exchange after it is refused, nothing written.
    assert api.get("/v1/dataset").json()["data"]["coverage"]["until"] == "2026-06-07"
    refused = api.post("/v1/admin/exchanges", json=LATE, headers=AUTH)
    body = assert_problem(refused, 409)
    assert "outside the coverage" in body["detail"] and "2026-06-07" in body["detail"]
    assert version(api) == 1 and changes_since(api, 1) == []
    assert_problem(api.get("/v1/exchanges/2026-06-20"), 404)

    # The curators move the end later, with the ETag they read.
    read = api.get("/v1/dataset/coverage")
    r = api.patch(
        "/v1/admin/coverage?reason=searched+to+mid-July",
        json={"until": "2026-07-15"},
        headers={**AUTH, "If-Match": read.headers["etag"]},
    )
    assert r.status_code == 200, r.text
    assert r.headers["etag"].startswith('"r2-') and r.headers["x-dataset-version"] == "2"
    assert r.json() == {
        "data": {
            "from": "2022-02-24",
            "until": "2026-07-15",
            "note": read.json()["data"]["note"],
            "updated_at": r.json()["data"]["updated_at"],
            "revision": 2,
        },
        "meta": {"dataset_version": 2},
    }
    again = api.get("/v1/dataset/coverage")
    assert again.json() == r.json() and again.headers["etag"] == r.headers["etag"]
    (change,) = changes_since(api, 1)
    assert (change["version"], change["action"], change["record_type"], change["record_id"]) == (
        2, "update", "coverage", "dataset",
    )  # fmt: skip
    assert (change["actor"], change["reason"]) == ("alice", "searched to mid-July")
    assert (change["before"]["until"], change["after"]["until"]) == ("2026-06-07", "2026-07-15")

    # A stale If-Match changes nothing.
    stale = api.patch(
        "/v1/admin/coverage",
        json={"until": "2026-08-01"},
        headers={**AUTH, "If-Match": read.headers["etag"]},
    )
    assert_problem(stale, 412)
    assert version(api) == 2

    # Now the exchange is within the coverage.
    created = api.post("/v1/admin/exchanges", json=LATE, headers=AUTH)
    assert created.status_code == 201, created.text
    assert version(api) == 3

    # The end may not move before an exchange that is recorded.
    earlier = api.patch("/v1/admin/coverage", json={"until": "2026-06-10"}, headers=AUTH)
    body = assert_problem(earlier, 409)
    assert "2026-06-20" in body["detail"]
    assert version(api) == 3
    assert api.get("/v1/dataset/coverage").json()["data"]["until"] == "2026-07-15"

    # until before from is invalid, whatever the records.
    bad = api.put(
        "/v1/admin/coverage", json={"from": "2023-01-01", "until": "2022-06-01"}, headers=AUTH
    )
    body = assert_problem(bad, 422, "until")
    assert body["errors"] == [
        {"name": "until", "location": "body", "message": "must not be before from"}
    ]
    assert version(api) == 3

    # The statistics follow: the coverage in meta, the series to the new end.
    summary = api.get("/v1/statistics/summary").json()
    assert summary["meta"]["coverage"]["until"] == "2026-07-15"
    assert "2026-07-15" in summary["meta"]["coverage"]["statement"]
    series = api.get("/v1/statistics/timeseries?interval=month").json()
    assert series["data"][-1]["period"] == "2026-07"
    assert series["meta"]["coverage"]["until"] == "2026-07-15"
    june = next(p for p in series["data"] if p["period"] == "2026-06")
    assert june["exchanges"] == 2  # 7 June (shipped) and 20 June (created)
    # ... and at the version before, as they were.
    then = api.get("/v1/statistics/timeseries?interval=month&as_of_version=1").json()
    assert then["data"][-1]["period"] == "2026-06"
    assert then["meta"]["coverage"]["until"] == "2026-06-07"


def test_official_totals_may_be_dated_after_the_coverage(api, fresh_url):
    """Only exchanges are bound to the coverage: a statement made after its end is recorded,
    and the reconciliation says it falls outside (the dataset is not yet curated there)."""
    from app import curation
    from app.db import write_session

    # There is no admin route for official totals: through the writer every route uses.
    total = {
        "id": "2026-09-01.ua_official.people_returned_to_ukraine",
        "date": "2026-09-01",
        "claimant": "ua_official",
        "metric": "people_returned_to_ukraine",
        "value": 7600,
        "qualifier": "more_than",
        "counted_from": None,
        "sources": ["up-2022-03-24-10for10"],
        "note": "A statement after the coverage's end.",
    }
    with use_database(fresh_url), write_session() as session:
        result = curation.write_one(
            session, "official_total", "create", total["id"], total,
            actor="alice", reason="test", expected_revision=None,
        )  # fmt: skip
    assert result.version == 2
    rows = api.get("/v1/statistics/reconciliation").json()
    row = next(r for r in rows["data"] if r["id"] == total["id"])
    people = api.get("/v1/statistics/summary").json()["data"]["people_to_ukraine"]
    assert (row["within_coverage"], row["dataset_value"]) == (False, people)
    assert rows["meta"]["coverage"]["until"] == "2026-06-07"
    inside = [r for r in rows["data"] if r["date"] <= "2026-06-07"]
    assert inside and all(r["within_coverage"] is True for r in inside)


@pytest.fixture
def small_api(tmp_root, admin_env):
    """The small fixture (tests/fixtures/small): a dataset loaded without a coverage."""
    from tests.conftest import SMALL, drop_database, load, migrate, new_database

    url = new_database(tmp_root)
    migrate(url)
    load(url, SMALL)
    with use_database(url), make_client(url) as c:
        yield c
    drop_database(url)


def test_the_first_coverage_is_a_create(small_api):
    assert_problem(small_api.get("/v1/dataset/coverage"), 404)
    assert small_api.get("/v1/dataset").json()["data"]["coverage"] == {
        "from": None, "until": None, "note": None,
    }  # fmt: skip
    assert_problem(
        small_api.patch("/v1/admin/coverage", json={"until": "2025-01-31"}, headers=AUTH), 404
    )
    window = {"from": "2024-01-01", "until": "2025-01-31", "note": "Fixture window."}
    first = small_api.put("/v1/admin/coverage?reason=set", json=window, headers=AUTH)
    assert first.status_code == 201, first.text
    assert first.headers["location"] == "/v1/dataset/coverage"
    assert first.headers["etag"].startswith('"r1-')
    got = small_api.get("/v1/dataset/coverage")
    assert got.json() == first.json() and got.headers["etag"] == first.headers["etag"]
    second = small_api.put(
        "/v1/admin/coverage",
        json={**window, "until": "2025-02-28"},
        headers={**AUTH, "If-Match": first.headers["etag"]},
    )
    assert second.status_code == 200 and second.json()["data"]["revision"] == 2
    changes = small_api.get("/v1/dataset/changes?since_version=1").json()["data"]
    assert [(c["version"], c["action"], c["record_type"], c["record_id"], c["reason"])
            for c in changes] == [
        (2, "create", "coverage", "dataset", "set"),
        (3, "update", "coverage", "dataset", None),
    ]  # fmt: skip
    # The series now span the coverage: January 2024 to February 2025.
    series = small_api.get("/v1/statistics/timeseries").json()["data"]
    assert (series[0]["period"], series[-1]["period"]) == ("2024-01", "2025-02")
    assert len(series) == 14
    # A window that leaves a recorded exchange out is refused.
    assert_problem(
        small_api.put("/v1/admin/coverage", json={**window, "from": "2024-03-01"}, headers=AUTH),
        409,
    )


# ---- moved exchanges: the old id of a re-dated event --------------------------------------------

MOVE = {"id": "2024-07-16", "moved_to": "2024-07-17", "note": "Dated by a late re-post."}


def test_moved_exchanges_are_written_like_any_record(api):
    missing = api.post(
        "/v1/admin/moved-exchanges", json={**MOVE, "moved_to": "2024-07-19"}, headers=AUTH
    )
    assert_problem(missing, 422, "moved_to")
    assert_problem(
        api.post("/v1/admin/moved-exchanges", json={**MOVE, "moved_to": MOVE["id"]}, headers=AUTH),
        422,
        "moved_to",
    )
    live = api.post(
        "/v1/admin/moved-exchanges", json={**MOVE, "id": "2024-07-17", "moved_to": "2023-10-06"},
        headers=AUTH,
    )  # fmt: skip
    assert_problem(live, 409)
    assert version(api) == 1

    r = api.post("/v1/admin/moved-exchanges?reason=re-dated", json=MOVE, headers=AUTH)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == "/v1/exchanges/2024-07-16"
    assert r.json()["data"] == {
        **MOVE, "updated_at": r.json()["data"]["updated_at"], "revision": 1,
    }  # fmt: skip
    moved = api.get("/v1/exchanges/2024-07-16", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == "/v1/exchanges/2024-07-17"
    assert moved.headers["etag"] == r.headers["etag"]
    assert api.get("/v1/dataset").json()["data"]["counts"]["moved_exchanges"] == 3

    # The exchange it names cannot go while the move points to it; an exchange cannot take the id.
    assert_problem(api.delete("/v1/admin/exchanges/2023-10-06", headers=AUTH), 409)
    assert_problem(
        api.post(
            "/v1/admin/exchanges", json={**NEW, "id": "2024-07-16", "date": "2024-07-16"},
            headers=AUTH,
        ),
        409,
    )  # fmt: skip

    gone = api.delete("/v1/admin/moved-exchanges/2024-07-16", headers=AUTH)
    assert gone.json() == {
        "data": {"id": "2024-07-16", "record_type": "moved_exchange", "deleted": True},
        "meta": {"dataset_version": 3},
    }
    assert_problem(api.get("/v1/exchanges/2024-07-16"), 404)
    back = api.post("/v1/admin/moved-exchanges/2024-07-16/restore", headers=AUTH)
    assert back.status_code == 200 and back.json()["data"]["revision"] == 2
    assert api.get("/v1/exchanges/2024-07-16", follow_redirects=False).status_code == 301
    assert [(c["action"], c["record_type"], c["record_id"]) for c in changes_since(api, 1)] == [
        ("create", "moved_exchange", "2024-07-16"),
        ("delete", "moved_exchange", "2024-07-16"),
        ("restore", "moved_exchange", "2024-07-16"),
    ]
    # At the version before the move, the id was never an exchange.
    assert_problem(api.get("/v1/exchanges/2024-07-16?as_of_version=1"), 404)


def declared(path: str, method: str, status: int) -> set[str]:
    from app.config import Settings
    from app.main import create_app

    doc = create_app(Settings(database_url="sqlite://")).openapi()
    return set(doc["paths"][path][method]["responses"][str(status)].get("headers", {}))


def test_writes_send_the_headers_they_declare(api):
    """A generated client reads the headers the document declares: each write sends them."""
    one, many = "/v1/admin/exchanges/{record_id}", "/v1/admin/exchanges"
    writes = [
        (many, "post", lambda: api.post(many, json=NEW, headers=AUTH)),
        (one, "patch", lambda: api.patch(f"{many}/2026-06-01", json={"notes": "x"}, headers=AUTH)),
        (one, "put", lambda: api.put(f"{many}/2026-06-01", json=NEW, headers=AUTH)),
        (f"{one}/restore", "post", lambda: api.post(f"{many}/2022-04-01/restore", headers=AUTH)),
        ("/v1/admin/coverage", "patch",
         lambda: api.patch("/v1/admin/coverage", json={"note": "n"}, headers=AUTH)),
    ]  # fmt: skip
    api.delete(f"{many}/2022-04-01", headers=AUTH)
    for path, method, write in writes:
        r = write()
        assert r.status_code in (200, 201), (path, method, r.text)
        missing = {h for h in declared(path, method, r.status_code) if h.lower() not in r.headers}
        assert missing == set(), (method, path, missing)


def test_a_delete_sends_the_headers_it_declares(api):
    r = api.delete("/v1/admin/exchanges/2022-04-01", headers=AUTH)
    assert r.status_code == 200
    want = declared("/v1/admin/exchanges/{record_id}", "delete", 200)
    assert {h for h in want if h.lower() not in r.headers} == set()
