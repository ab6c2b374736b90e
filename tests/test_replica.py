"""Reads on a real hot standby (DATABASE_READ_URL), writes on its primary, under load.

A private primary and a hot standby made from it with `pg_basebackup -R` (two ports on this
machine, as tests/test_postgres_ops.py starts its server). Server A writes and reads, server B
(another process) only reads, both reading from the standby. Checked: no page mixes versions;
meta.dataset_version never goes backwards for one client; a write's answer tells its version,
and the writing process's reads show it at once; a read pinned to a version the standby has
not replayed yet gets a retryable 503, never a 422; another process serves a write within the
README's bound, VERSION_TTL plus the standby's replay lag. It runs in the PostgreSQL pass and
prints the lag it measured. The last test plays the same rules on SQLite in every pass, with a
backup of the database as a replica that has stopped replaying.
"""

from __future__ import annotations

import hashlib
import statistics
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from tests.conftest import SMALL, is_postgres, load, migrate
from tests.servers import CAN_RUN_POSTGRES, PrivatePostgres, running_server

pg_only = pytest.mark.skipif(
    not (is_postgres() and CAN_RUN_POSTGRES),
    reason="runs in the PostgreSQL pass of the suite, with PostgreSQL's server binaries and root",
)
TOKEN = "replica-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
VERSION_TTL = 1.0
SLACK = 0.3  # scheduling on this shared 2-core machine, and the poll of the lag itself
RECORD = "2024-05-01"  # an exchange of tests/fixtures/small
PAGES = ["/v1/exchanges?limit=500", "/v1/dataset", "/v1/statistics/summary",
         "/v1/claims?limit=500&format=csv"]  # fmt: skip


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[PrivatePostgres, PrivatePostgres]]:
    primary = PrivatePostgres(options="-c wal_level=replica -c max_wal_senders=4")
    standby = None
    try:
        primary.start()
        primary.sql("CREATE DATABASE powx")
        migrate(primary.url("powx"))
        load(primary.url("powx"), SMALL)
        standby = PrivatePostgres.standby_of(primary, options="-c hot_standby_feedback=on")
        standby.start()
        assert standby.sql("SELECT pg_is_in_recovery()", db="powx") == [True]
        yield primary, standby
    finally:
        if standby is not None:
            standby.remove()
        primary.remove()


@pytest.fixture(scope="module")
def servers(cluster, tmp_path_factory):  # type: ignore[no-untyped-def]
    primary, standby = cluster
    env = {
        "DATABASE_READ_URL": standby.url("powx"),
        "ADMIN_TOKENS": f"curator:{hashlib.sha256(TOKEN.encode()).hexdigest()}",
        "VERSION_TTL": str(VERSION_TTL),
    }
    logs = tmp_path_factory.mktemp("replica")
    with (
        running_server(primary.url("powx"), logs, env) as (a, _),
        running_server(primary.url("powx"), logs, env) as (b, _),
    ):
        yield a, b


def version_of(r: httpx.Response) -> int:
    return int(r.headers["x-dataset-version"])


def retryable(r: httpx.Response) -> bool:
    """A 503 problem that says to come back, and is never kept by a cache."""
    return (
        r.status_code == 503
        and r.headers["content-type"].startswith("application/problem+json")
        and int(r.headers["retry-after"]) >= 1
    )


class Lag:
    """When each dataset version first became visible on the standby (polled every 2 ms), and
    the primary's own measure of it (pg_stat_replication.replay_lag, every 20 ms)."""

    def __init__(self, primary: PrivatePostgres, standby: PrivatePostgres) -> None:
        self.conn = psycopg.connect(standby.url("powx"), autocommit=True)
        self.primary = psycopg.connect(primary.url("powx"), autocommit=True)
        self.seen: dict[int, float] = {}
        self.replay_lags: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            v = self.conn.execute("SELECT version FROM dataset_meta").fetchone()[0]
            self.seen.setdefault(int(v), time.monotonic())
            n += 1
            if n % 10 == 0:
                sql = "SELECT extract(epoch FROM replay_lag) FROM pg_stat_replication"
                row = self.primary.execute(sql).fetchone()
                if row is not None and row[0] is not None:
                    self.replay_lags.append(float(row[0]))
            time.sleep(0.002)

    def __enter__(self) -> Lag:
        self.thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.stop.set()
        self.thread.join()
        self.conn.close()
        self.primary.close()


def write_under_load(
    a: str, b: str, c: httpx.Client, writes: list[tuple[int, float]], pinned: list[int]
) -> None:
    """30 writes through server A, each followed by a read of it on A and a pin to it on B."""
    for i in range(30):
        r = c.patch(f"{a}/v1/admin/exchanges/{RECORD}", json={"notes": f"Write {i}."},
                    headers=AUTH)  # fmt: skip
        assert r.status_code == 200, r.text
        v = version_of(r)
        assert r.json()["meta"]["dataset_version"] == v  # the write's answer tells its version
        assert not writes or v == writes[-1][0] + 1
        writes.append((v, time.monotonic()))
        # The writing process shows its write at once, pinned or not ...
        mine = c.get(f"{a}/v1/exchanges/{RECORD}")
        assert mine.status_code == 200 and version_of(mine) >= v, mine.text
        assert mine.json()["data"]["notes"] == f"Write {i}."
        # ... and the other process answers a pin to it, or says to retry: never a 422.
        other = c.get(f"{b}/v1/exchanges/{RECORD}", params={"as_of_version": v})
        assert other.status_code == 200 or retryable(other), other.text
        if other.status_code == 200:
            assert other.json()["data"]["notes"] == f"Write {i}."
        pinned.append(other.status_code)
        time.sleep(0.05)


@pg_only
def test_reads_on_a_hot_standby_under_writes(cluster, servers):
    a, b = servers
    primary, standby = cluster
    writes: list[tuple[int, float]] = []  # (version, when its answer arrived)
    reads: dict[str, list[tuple[float, float, str, int, bytes]]] = {}
    done = threading.Event()
    problems: list[str] = []

    def reader(name: str, base: str) -> None:
        out = reads.setdefault(name, [])
        with httpx.Client(base_url=base, timeout=10) as c:
            while not done.is_set():
                for page in PAGES:
                    start = time.monotonic()
                    try:
                        r = c.get(page)
                    except httpx.TransportError as exc:
                        problems.append(f"{name} {page}: {exc!r}")
                        return
                    if r.status_code == 200:
                        out.append((start, time.monotonic(), page, version_of(r), r.content))
                    elif not retryable(r):
                        problems.append(f"{name} {page}: {r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=reader, args=(n, base))
               for n, base in (("a1", a), ("a2", a), ("b1", b))]  # fmt: skip
    pinned: list[int] = []
    with Lag(primary, standby) as lag, httpx.Client(timeout=10) as c:
        for t in threads:
            t.start()
        try:
            time.sleep(0.3)
            write_under_load(a, b, c, writes, pinned)
            time.sleep(VERSION_TTL + 0.5)  # every process catches up before the readers stop
        finally:
            done.set()
            for t in threads:
                t.join(30)
    assert problems == []
    last = writes[-1][0]

    # meta.dataset_version never goes backwards for one client, and every reader saw the end.
    for name, rows in reads.items():
        versions = [v for *_, v, _ in rows]
        assert versions == sorted(versions), name
        assert versions[-1] == last, name

    # No page mixes versions: each is, byte for byte, the page pinned to the version it names
    # (asked of the same server: its links name its own port).
    pinned_pages: dict[tuple[str, str, int], bytes] = {}
    for name, rows in reads.items():
        base = a if name.startswith("a") else b
        with httpx.Client(base_url=base, timeout=10) as c:
            for _, _, page, v, body in rows:
                if (base, page, v) not in pinned_pages:
                    sep = "&" if "?" in page else "?"
                    r = c.get(f"{page}{sep}as_of_version={v}")
                    assert r.status_code == 200, r.text
                    pinned_pages[base, page, v] = r.content
                assert body == pinned_pages[base, page, v], (name, page, v)

    # The standby's lag: when each version became visible there, after its write's answer.
    lags = [max(0.0, lag.seen[v] - t) for v, t in writes if v in lag.seen]
    assert len(lags) >= len(writes) - 2  # the poll may miss a version replaced within 2 ms
    worst = max(lags)
    bound = VERSION_TTL + worst + SLACK
    # The writing process: every read that started after a write's answer shows it.
    # The other process: within VERSION_TTL plus the standby's lag (README, Deploy).
    stale = {"a": 0.0, "b": 0.0}
    for name, rows in reads.items():
        for start, end, _page, v, _ in rows:
            for wv, t in writes:
                if wv > v and start > t:
                    stale[name[0]] = max(stale[name[0]], end - t)
    assert stale["a"] == 0.0, stale
    assert stale["b"] <= bound, (stale, bound)
    print(
        f"\nreplica under load: {len(writes)} writes, "
        f"{sum(len(r) for r in reads.values())} reads checked against their pinned pages "
        f"({len(pinned_pages)} distinct); standby lag after a write's answer median "
        f"{statistics.median(lags) * 1000:.1f} ms, max {worst * 1000:.1f} ms; "
        f"pg_stat_replication.replay_lag max {max(lag.replay_lags, default=0) * 1000:.1f} ms; "
        f"pins to a just-written version on the other process: {pinned.count(200)} answered, "
        f"{pinned.count(503)} told to retry; staleness of the other process "
        f"{stale['b']:.2f} s (bound VERSION_TTL {VERSION_TTL:g} s + lag + {SLACK} s slack = "
        f"{bound:.2f} s), of the writing process {stale['a']:.2f} s"
    )


@pg_only
def test_a_version_the_standby_has_not_replayed_is_a_retryable_503(cluster, servers):
    a, b = servers
    _, standby = cluster
    with httpx.Client(timeout=10) as c:
        before = version_of(c.get(f"{b}/v1/dataset"))
        standby.sql("SELECT pg_wal_replay_pause()", db="powx")
        try:
            r = c.patch(f"{a}/v1/admin/exchanges/{RECORD}", json={"notes": "Paused."},
                        headers=AUTH)  # fmt: skip
            assert r.status_code == 200, r.text
            v = version_of(r)
            assert v > before
            started = time.monotonic()
            pin = c.get(f"{b}/v1/exchanges/{RECORD}", params={"as_of_version": v})
            waited = time.monotonic() - started
            assert retryable(pin), pin.text
            assert f"has not replayed dataset version {v} yet" in pin.json()["detail"]
            assert "no-store" in pin.headers["cache-control"]
            assert 0.9 <= waited < 5
            # A version the primary has not written either is still a 422.
            r = c.get(f"{b}/v1/exchanges/{RECORD}", params={"as_of_version": v + 5})
            assert r.status_code == 422 and f"current version, {v}" in r.text
            # The writing process will not answer below its own write: retry.
            assert retryable(c.get(f"{a}/v1/exchanges?limit=5"))
            # The other process has not seen the write: it answers the standby's version.
            stale = c.get(f"{b}/v1/exchanges/{RECORD}")
            assert stale.status_code == 200 and version_of(stale) == v - 1
        finally:
            standby.sql("SELECT pg_wal_replay_resume()", db="powx")
        deadline = time.monotonic() + 10
        while True:
            pin = c.get(f"{b}/v1/exchanges/{RECORD}", params={"as_of_version": v})
            if pin.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(float(pin.headers["retry-after"]) / 10)
        assert pin.status_code == 200 and pin.json()["data"]["notes"] == "Paused."
        mine = c.get(f"{a}/v1/exchanges/{RECORD}")
        assert mine.status_code == 200 and mine.json()["data"]["notes"] == "Paused."


@pytest.mark.skipif(is_postgres(), reason="the SQLite pass; the PostgreSQL pass has a real standby")
def test_a_read_database_that_stopped_replaying_never_answers_below_a_write(fresh_url, tmp_path):
    from app.backup import backup
    from tests.conftest import make_client

    frozen = tmp_path / "frozen.sqlite3"
    backup(fresh_url, frozen)  # version 1, and it stays there
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    with make_client(fresh_url, database_read_url=f"sqlite:///{frozen}",
                     admin_tokens=f"curator:{digest}") as c:  # fmt: skip
        assert version_of(c.get("/v1/exchanges?limit=2")) == 1
        w = c.patch("/v1/admin/exchanges/2024-07-17", json={"notes": "Written."}, headers=AUTH)
        assert w.status_code == 200 and version_of(w) == 2
        started = time.monotonic()
        pin = c.get("/v1/exchanges/2024-07-17?as_of_version=2")
        assert retryable(pin) and 0.9 <= time.monotonic() - started < 5, pin.text
        assert "has not replayed dataset version 2 yet (it is at 1" in pin.json()["detail"]
        r = c.get("/v1/exchanges/2024-07-17?as_of_version=3")
        assert r.status_code == 422 and "current version, 2" in r.text
        assert retryable(c.get("/v1/exchanges?limit=2"))  # this process wrote version 2
        assert retryable(c.get("/v1/exchanges?limit=2"))  # and the cache does not answer v1
        assert c.get("/v1/exchanges/2024-07-17?as_of_version=1").status_code == 200
