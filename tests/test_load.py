"""The load run in short form (the full one: make load, 60 s at 64 connections)."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path


def test_short_load_loses_nothing_and_never_fails():
    spec = importlib.util.spec_from_file_location(
        "load", Path(__file__).resolve().parents[1] / "bench" / "load.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # In a thread of its own: an earlier test (Playwright's sync API) may leave an event loop
    # running in this one, and the load run starts its own with asyncio.run.
    out: list[dict] = []
    args = ["--seconds", "8", "--connections", "32", "--write-every", "0.5"]
    worker = threading.Thread(target=lambda: out.append(module.main(args)))
    worker.start()
    worker.join(timeout=300)
    assert out, "the load run did not finish"
    report = out[0]
    assert report["server_errors"] == 0 and report["connection_errors"] == 0
    assert report["accepted_writes"] > 0 and report["writes_missing_from_changelog"] == 0
    assert report["version_after"] - report["version_before"] == report["accepted_writes"]
    assert report["ok"], report
