"""`st run` as an operator runs it (README, Fuzz it): from the repository root, with the
project's schemathesis.toml and its hooks module, against a freshly started server and a
curator's token. Bounded (a few examples per operation), so it stays part of every run."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, drop_database, is_postgres, new_database
from tests.servers import running_server

pytestmark = pytest.mark.slow

TOKEN = "fuzzing-curator-token-0123456789abcdef"
# A staging instance set up for fuzzing (README): a token, and a failure limit above the one
# wrong-token probe schemathesis' ignored_auth sends per admin operation (27 of them).
SERVER_ENV = {
    "ADMIN_TOKENS": f"fuzz:{hashlib.sha256(TOKEN.encode()).hexdigest()}",
    "AUTH_FAILURE_LIMIT": "1000",
}
ST = Path(sys.executable).with_name("st")


@pytest.mark.skipif(is_postgres(), reason="the CLI wiring is the same on PostgreSQL; the "
                    "in-process run (test_schemathesis.py) covers that database")  # fmt: skip
def test_st_run_from_the_repository_root_passes(tmp_root, template_url, tmp_path):
    url = new_database(tmp_root, template_url)
    try:
        with running_server(url, tmp_path, env=SERVER_ENV) as (base, _log):
            run = subprocess.run(
                [ST, "run", f"{base}/openapi.json", "-H", f"Authorization: Bearer {TOKEN}",
                 "--max-examples", "5", "--seed", "16", "--no-color", "--workers", "1",
                 "--generation-database", "none"],
                cwd=ROOT, capture_output=True, text=True, timeout=400,
                env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks"},
            )  # fmt: skip
    finally:
        drop_database(url)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-6000:]
    assert "Tested: 50" in out or "Tested:" in out, out[-3000:]
    summary = out[out.rindex("SUMMARY") :]
    for phase in ("Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in summary, summary


def test_without_the_hooks_module_st_names_the_check_it_misses(tmp_path):
    """What an operator sees without SCHEMATHESIS_HOOKS: the check the config names (so the
    README's command is the one that works)."""
    env = {k: v for k, v in os.environ.items() if k != "SCHEMATHESIS_HOOKS"}
    doc = tmp_path / "openapi.json"
    doc.write_text('{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}')
    run = subprocess.run([ST, "run", str(doc), "--url", "http://127.0.0.1:9", "--no-color"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)  # fmt: skip
    assert run.returncode != 0
    assert "InexpressibleRejections" in run.stdout + run.stderr
