"""Faults: a read-only database file, a load killed half-way, a client that hangs up."""

from __future__ import annotations

import concurrent.futures
import csv
import datetime as dt
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

from app.db import SQLITE_POOL
from tests import oracle
from tests.conftest import DATA, ROOT, is_postgres, make_client
from tests.helpers import assert_problem
from tests.servers import running_server

TOKEN = "fault-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SHIPPED = len(oracle.exchanges())  # the events in data/


@pytest.fixture
def tokens(monkeypatch):
    from app.config import get_settings

    monkeypatch.setenv("ADMIN_TOKENS", f"f:{hashlib.sha256(TOKEN.encode()).hexdigest()}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.skipif(is_postgres(), reason="a SQLite file")
@pytest.mark.skipif(
    shutil.which("chattr") is None or os.geteuid() != 0,
    reason="needs chattr and root to make the file immutable",
)
def test_a_read_only_sqlite_file_keeps_reads_and_refuses_writes_whole(fresh_url, tokens):
    path = make_url(fresh_url).database or ""
    subprocess.run(["chattr", "+i", path], check=True)
    try:
        with make_client(fresh_url) as c:
            assert c.get("/v1/exchanges?limit=5").status_code == 200
            assert c.get("/v1/statistics/summary").status_code == 200
            r = c.patch("/v1/admin/exchanges/2024-07-17", json={"notes": "x"}, headers=AUTH)
            assert_problem(r, 503)
            assert "retry-after" in r.headers
            assert c.get("/v1/dataset").json()["data"]["version"] == 1
            assert c.get("/v1/exchanges/2024-07-17").json()["data"]["notes"] != "x"
    finally:
        subprocess.run(["chattr", "-i", path], check=True)
    with make_client(fresh_url) as c:  # writable again: writes work, nothing was half-done
        r = c.patch("/v1/admin/exchanges/2024-07-17", json={"notes": "x"}, headers=AUTH)
        assert r.status_code == 200
        assert c.get("/v1/dataset").json()["data"]["version"] == 2


def _big_directory(tmp: Path, extra: int) -> Path:
    """data/ plus `extra` synthetic events (valid ids: up to 15 suffixes a day)."""
    out = tmp / "big"
    shutil.copytree(DATA, out)
    with (out / "exchanges.csv").open("a", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        day, n = dt.date(2022, 3, 2), 0
        while n < extra:
            for suffix in "klmnopqrstuvwxy":  # the shipped data uses -b and -c only
                if n == extra:
                    break
                w.writerow(
                    [
                        f"{day.isoformat()}-{suffix}",
                        day.isoformat(),
                        "pow_exchange",
                        5,
                        5,
                        "",
                        "",
                        "",
                        "Synthetic, for the kill test.",
                        "low",
                        "up-2022-03-24-10for10",
                    ]
                )
                n += 1
            day += dt.timedelta(days=1)
    return out


def _state(url: str) -> tuple[int, int]:
    from app.models import DatasetMeta, Exchange, table_of

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    e, m = table_of(Exchange), table_of(DatasetMeta)
    with engine.connect() as conn:
        version = conn.execute(select(m.c.version)).scalar_one()
        live = conn.execute(
            select(func.count()).select_from(e).where(e.c.valid_to.is_(None))
        ).scalar_one()
    engine.dispose()
    return int(version), int(live)


def test_a_load_killed_half_way_leaves_the_old_or_the_new_dataset(fresh_url, tmp_path):
    big = _big_directory(tmp_path, 12_000)
    outcomes = []
    for delay in (0.5, 1.5, 3.0, 5.0):
        env = {**os.environ, "DATABASE_URL": fresh_url}
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "load", str(big)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        version, live = _state(fresh_url)
        assert (version, live) in ((1, SHIPPED), (2, SHIPPED + 12_000)), (delay, version, live)
        outcomes.append(version)
        if version == 2:
            break
    # Whatever was killed, a complete load afterwards lands whole.
    subprocess.run(
        [sys.executable, "-m", "app.cli", "load", str(big)],
        cwd=ROOT,
        check=True,
        env={**os.environ, "DATABASE_URL": fresh_url},
        capture_output=True,
    )
    assert _state(fresh_url) == (2, SHIPPED + 12_000)
    assert 1 in outcomes, "no kill landed before the commit; make the load bigger"


def test_a_client_hanging_up_mid_answer_harms_nothing(fresh_url, tmp_path, tokens):
    from tests.conftest import load

    assert load(fresh_url, _big_directory(tmp_path, 6_000)) == 2  # a stream of ~2 MB of CSV
    big = "/v1/exchanges?format=csv&stream=true"
    with running_server(fresh_url, tmp_path) as (base, log):
        host, port = base.removeprefix("http://").split(":")
        for path in (big, "/v1/dataset/export", "/v1/exchanges?format=csv&limit=500"):
            for _ in range(SQLITE_POOL + 4):  # more hang-ups than pooled connections
                with socket.create_connection((host, int(port))) as s:
                    s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
                    assert s.recv(64).startswith(b"HTTP/1.1 200")
                # closed after a few bytes of a large answer
        assert httpx.get(f"{base}/healthz").status_code == 200
        # No hung-up answer kept a connection: as many reads at once as the pool holds, each
        # of which needs one, answer well within the pool's 30 s wait.
        with concurrent.futures.ThreadPoolExecutor(SQLITE_POOL) as pool:
            urls = [f"{base}/v1/exchanges?limit=3&min_total={i}" for i in range(SQLITE_POOL)]
            codes = list(pool.map(lambda u: httpx.get(u, timeout=10).status_code, urls))
        assert codes == [200] * SQLITE_POOL
        # The whole stream still arrives, every row once; the hung-up streams left no read
        # transaction or lock behind: a write goes through at once.
        whole = httpx.get(f"{base}{big}", timeout=60)
        rows = list(csv.DictReader(whole.text.splitlines()))
        assert len(rows) == len({r["id"] for r in rows}) == SHIPPED + 6_000
        r = httpx.patch(
            f"{base}/v1/admin/exchanges/2024-07-17", json={"notes": "After hang-ups."},
            headers=AUTH, timeout=10,
        )  # fmt: skip
        assert r.status_code == 200, r.text
        assert "Traceback" not in log.read_text()


def test_more_requests_than_threads_and_connections_never_deadlock(db_url, tmp_path):
    """80 uncached reads at once: more than the thread pool (40) and far more than pooled
    connections (8). Each is answered, and none waits out the pool's 30 s for a connection."""
    import time

    n = 80
    env = {"RESPONSE_CACHE": "0"}
    with running_server(db_url, tmp_path, env) as (base, _log):
        urls = [f"{base}/v1/statistics/summary?min_total={i}" for i in range(n)]
        began = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(n) as pool:
            codes = list(pool.map(lambda u: httpx.get(u, timeout=25).status_code, urls))
        took = time.monotonic() - began
    assert codes == [200] * n
    assert took < 20, took  # nothing waited out the pool's 30 s
