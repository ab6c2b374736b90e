"""PostgreSQL in production: outages heal by themselves; reads can run as a SELECT-only role.

These start a private PostgreSQL server of their own (initdb in a temporary folder, a free
port), so that stopping it mid-run disturbs nothing else. They run in the PostgreSQL pass of
the suite (TEST_DATABASE_URL set) and need the server binaries and root (to run as postgres).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import SMALL, is_postgres, load, migrate
from tests.servers import CAN_RUN_POSTGRES, PrivatePostgres, running_server

pytestmark = [
    pytest.mark.skipif(not is_postgres(), reason="runs in the PostgreSQL pass of the suite"),
    pytest.mark.skipif(not CAN_RUN_POSTGRES, reason="needs PostgreSQL's server binaries and root"),
]
TOKEN = "outage-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def pg() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    server.start()
    server.sql("CREATE DATABASE powx")
    migrate(server.url("powx"))
    load(server.url("powx"), SMALL)
    try:
        yield server
    finally:
        server.remove()


def wait_for(check, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_the_api_survives_the_database_going_away_and_heals(pg, tmp_path):
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    env = {"ADMIN_TOKENS": f"ops:{digest}", "VERSION_TTL": "0"}
    with running_server(pg.url("powx"), tmp_path, env) as (base, _log):
        assert httpx.get(f"{base}/v1/exchanges").status_code == 200
        before = httpx.get(f"{base}/v1/dataset").json()["data"]["version"]
        pg.stop()
        try:
            assert httpx.get(f"{base}/healthz").status_code == 200
            ready = httpx.get(f"{base}/readyz")
            assert ready.status_code == 503
            for url in (
                "/v1/exchanges?limit=3",
                "/v1/statistics/summary?kind=mixed",
                "/v1/exchanges/2024-05-01",
            ):
                r = httpx.get(f"{base}{url}")
                assert r.status_code == 503, (url, r.text)
                assert r.headers["content-type"].startswith("application/problem+json")
                assert int(r.headers["retry-after"]) > 0
            write = httpx.patch(
                f"{base}/v1/admin/exchanges/2024-05-01", json={"notes": "x"}, headers=AUTH
            )
            assert write.status_code == 503
        finally:
            pg.start()
        wait_for(lambda: httpx.get(f"{base}/readyz").status_code == 200)
        assert httpx.get(f"{base}/v1/exchanges?limit=3").status_code == 200
        # Nothing was half-applied while it was down; writes work again without a restart.
        assert httpx.get(f"{base}/v1/dataset").json()["data"]["version"] == before
        ok = httpx.patch(
            f"{base}/v1/admin/exchanges/2024-05-01", json={"notes": "healed"}, headers=AUTH
        )
        assert ok.status_code == 200
        assert httpx.get(f"{base}/v1/dataset").json()["data"]["version"] == before + 1


def test_reads_through_a_select_only_role(pg, tmp_path):
    pg.sql("DROP ROLE IF EXISTS powx_reader", "CREATE ROLE powx_reader LOGIN")
    pg.sql(
        "GRANT CONNECT ON DATABASE powx TO powx_reader",
        "GRANT USAGE ON SCHEMA public TO powx_reader",
        "GRANT SELECT ON ALL TABLES IN SCHEMA public TO powx_reader",
        db="powx",
    )
    reader = pg.url("powx", user="powx_reader")
    env = {
        "DATABASE_READ_URL": reader,
        "ADMIN_TOKENS": f"ops:{hashlib.sha256(TOKEN.encode()).hexdigest()}",
    }
    with running_server(pg.url("powx"), tmp_path, env) as (base, _log):
        assert httpx.get(f"{base}/v1/statistics/summary").status_code == 200
        assert httpx.get(f"{base}/v1/exchanges/2024-05-01").status_code == 200
        write = httpx.patch(
            f"{base}/v1/admin/exchanges/2024-05-01", json={"notes": "via the writer"}, headers=AUTH
        )
        assert write.status_code == 200  # writes use DATABASE_URL's role
    engine = create_engine(reader.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn, pytest.raises(Exception, match="permission denied"):
        conn.execute(text("UPDATE dataset_meta SET version = version + 1"))
    engine.dispose()


def test_a_database_outage_in_the_middle_of_a_load_loses_no_write(pg, tmp_path):
    """bench/load.py's mix (reads, CSV, conditional requests, a write every 0.2 s) while the
    database stops for a few seconds and comes back: the API keeps answering (503 while it is
    down, never another 5xx, never a dropped connection), and every write it acknowledged is
    there afterwards, the version counting exactly those."""
    import asyncio
    import importlib.util
    import threading

    from tests.conftest import DATA, ROOT

    spec = importlib.util.spec_from_file_location("load", ROOT / "bench" / "load.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    pg.sql("CREATE DATABASE powload")
    migrate(pg.url("powload"))
    load(pg.url("powload"), DATA)
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    env = {"ADMIN_TOKENS": f"ops:{digest}", "VERSION_TTL": "0"}
    with running_server(pg.url("powload"), tmp_path, env) as (base, log):
        out: list[dict] = []
        worker = threading.Thread(
            target=lambda: out.append(asyncio.run(bench.run(base, TOKEN, 14, 16, 0.2)))
        )
        worker.start()
        time.sleep(4)
        pg.stop()
        try:
            time.sleep(4)
        finally:
            pg.start()
        worker.join(timeout=120)
        assert out, "the load run did not finish"
        report = out[0]
        print("outage mid-load:", report)
    # No unhandled error: a read whose ROLLBACK met the dying server still answered whole.
    assert '"level":"ERROR"' not in log.read_text()
    status = report["status"]
    assert status.get(503, 0) > 0, report  # the outage landed in the middle of the load
    assert all(code == 503 for code in status if code >= 500), report
    assert report["connection_errors"] == 0, report["errors"]
    assert report["accepted_writes"] > 0 and report["refused_writes"] > 0, report
    assert report["writes_missing_from_changelog"] == 0, report
    assert report["version_after"] - report["version_before"] == report["accepted_writes"]
    assert report["final_state_matches_last_write"], report
