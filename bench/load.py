"""A load run that checks what it loads: mixed reads and a trickle of curators' writes.

    uv run python bench/load.py --seconds 60 --connections 64

Starts the API (uvicorn, one worker) over a fresh copy of the shipped dataset, or loads a
running one (--url, with --token). Afterwards it fails unless there were zero 5xx answers, zero
connection errors or timeouts, every acknowledged write is in the changelog and in the data,
and the dataset version went up by exactly the number of accepted writes.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

READS = [
    "/v1/exchanges", "/v1/exchanges?limit=10&sort=-total", "/v1/exchanges?mediator=uae",
    "/v1/exchanges?kind=bodies_repatriation&since=2025-01-01", "/v1/exchanges?q=wounded",
    "/v1/exchanges?figure_status=disputed", "/v1/exchanges/2024-07-17", "/v1/exchanges/2022-09-21",
    "/v1/sources?limit=100", "/v1/sources/up-2022-03-24-10for10", "/v1/mediators",
    "/v1/claims?disputed=true", "/v1/agreements", "/v1/statistics/summary",
    "/v1/statistics/summary?mediator=uae", "/v1/statistics/timeseries?interval=week",
    "/v1/statistics/mediators", "/v1/statistics/reconciliation", "/v1/dataset",
]  # fmt: skip
CSV = ["/v1/exchanges?format=csv&limit=500", "/v1/statistics/timeseries?format=csv",
       "/v1/sources?format=csv&limit=500"]  # fmt: skip
TARGETS = ["2022-04-01", "2022-10-11", "2022-10-13", "2022-11-03"]  # no claims, no agreement


class Stats:
    def __init__(self) -> None:
        self.status: Counter[int] = Counter()
        self.kinds: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.latency: list[float] = []
        self.writes: list[tuple[int, str, str]] = []  # (version, record id, note)
        self.refused_writes = 0


async def reader(client: httpx.AsyncClient, stats: Stats, stop: float, rng: random.Random) -> None:
    etags: dict[str, str] = {}
    while time.monotonic() < stop:
        roll = rng.random()
        if roll < 0.1:
            url, kind = rng.choice(CSV), "csv"
        elif roll < 0.25 and etags:
            url, kind = rng.choice(list(etags)), "conditional"
        elif roll < 0.35:
            url, kind = f"/v1/exchanges?limit=5&since=2022-0{rng.randint(3, 9)}-01", "uncached"
        else:
            url, kind = rng.choice(READS), "read"
        headers = {"If-None-Match": etags[url]} if kind == "conditional" else {}
        t = time.perf_counter()
        try:
            r = await client.get(url, headers=headers)
        except (httpx.TransportError, httpx.TimeoutException) as exc:
            stats.errors[type(exc).__name__] += 1
            continue
        stats.latency.append(time.perf_counter() - t)
        stats.status[r.status_code] += 1
        stats.kinds[kind] += 1
        if r.status_code == 200 and "etag" in r.headers:
            etags[url] = r.headers["etag"]


async def writer(
    client: httpx.AsyncClient, token: str, stats: Stats, stop: float, every: float
) -> None:
    n = 0
    while time.monotonic() < stop:
        n += 1
        target, note = TARGETS[n % len(TARGETS)], f"load-test write {n}"
        try:
            r = await client.patch(
                f"/v1/admin/exchanges/{target}",
                json={"notes": note},
                headers={"Authorization": f"Bearer {token}"},
            )
        except (httpx.TransportError, httpx.TimeoutException) as exc:
            stats.errors[f"write {type(exc).__name__}"] += 1
            continue
        stats.status[r.status_code] += 1
        stats.kinds["write"] += 1
        if r.status_code == 200:
            stats.writes.append((r.json()["meta"]["dataset_version"], target, note))
        else:
            stats.refused_writes += 1
        await asyncio.sleep(every)


async def run(
    url: str, token: str, seconds: float, connections: int, every: float
) -> dict[str, Any]:
    stats = Stats()
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        start_version = (await client.get("/v1/dataset")).json()["data"]["version"]
        stop = time.monotonic() + seconds
        rngs = [random.Random(i) for i in range(connections - 1)]
        began = time.perf_counter()
        await asyncio.gather(
            writer(client, token, stats, stop, every),
            *(reader(client, stats, stop, rng) for rng in rngs),
        )
        elapsed = time.perf_counter() - began
        end_version = (await client.get("/v1/dataset")).json()["data"]["version"]
        changes = []
        cursor = None
        while True:
            params: dict[str, Any] = {"since_version": start_version, "limit": 500}
            if cursor:
                params["cursor"] = cursor
            page = (await client.get("/v1/dataset/changes", params=params)).json()
            changes += page["data"]
            cursor = page["meta"]["next_cursor"]
            if not cursor:
                break
        last_note = {target: note for _, target, note in sorted(stats.writes)}
        finals = {t: (await client.get(f"/v1/exchanges/{t}")).json()["data"]["notes"]
                  for t in last_note}  # fmt: skip
    logged = {(c["version"], c["record_id"]) for c in changes}
    missing = [w for w in stats.writes if (w[0], w[1]) not in logged]
    lat = sorted(stats.latency) or [0.0]
    total = sum(stats.status.values())
    report = {
        "seconds": round(elapsed, 1), "connections": connections, "requests": total,
        "requests_per_s": round(total / elapsed, 1),
        "p50_ms": round(lat[len(lat) // 2] * 1000, 2),
        "p99_ms": round(lat[int(len(lat) * 0.99)] * 1000, 2),
        "status": dict(sorted(stats.status.items())), "mix": dict(stats.kinds),
        "server_errors": sum(n for s, n in stats.status.items() if s >= 500),
        "connection_errors": sum(stats.errors.values()), "errors": dict(stats.errors),
        "accepted_writes": len(stats.writes), "refused_writes": stats.refused_writes,
        "version_before": start_version, "version_after": end_version,
        "writes_missing_from_changelog": len(missing),
        "final_state_matches_last_write": all(finals[t] == n for t, n in last_note.items()),
    }  # fmt: skip
    report["ok"] = (
        report["server_errors"] == 0 and report["connection_errors"] == 0
        and not missing and report["final_state_matches_last_write"]
        and end_version - start_version == len(stats.writes)
    )  # fmt: skip
    return report


def serve_fresh(stack: ExitStack, token: str) -> str:
    """A fresh copy of the shipped dataset served by uvicorn; the URL."""
    from tests.conftest import load, migrate
    from tests.servers import running_server

    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="powx-load-")))
    db = f"sqlite:///{folder / 'load.sqlite3'}"
    migrate(db)
    load(db)
    env = {"ADMIN_TOKENS": f"load:{hashlib.sha256(token.encode()).hexdigest()}"}
    base, _log = stack.enter_context(running_server(db, folder, env))
    return base


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--write-every", type=float, default=0.25, help="seconds between writes")
    parser.add_argument("--url", help="load a running API instead of starting one")
    parser.add_argument("--token", default=os.environ.get("LOAD_TOKEN", "load-test-token"))
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        url = args.url or serve_fresh(stack, args.token)
        report = asyncio.run(run(url, args.token, args.seconds, args.connections, args.write_every))
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    sys.exit(0 if main()["ok"] else 1)
