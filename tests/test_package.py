"""The wheel, as a new user gets it: built, installed into a fresh virtual environment, served
from an empty folder with no checkout anywhere near it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import httpx
import pytest

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

# Settings the test run may carry that a new user's shell would not.
SETTINGS = ("DATABASE_URL", "DATABASE_READ_URL", "ADMIN_TOKENS", "HOST", "PORT", "WORKERS",
            "RESPONSE_CACHE", "VERSION_TTL", "PUBLIC_BASE_URL")  # fmt: skip


def uv() -> str:
    """uv, as `make test` (uv run) or the machine has it; the project's setup installs it."""
    found = os.environ.get("UV") or shutil.which("uv")
    assert found, "uv not found: run the suite through `make test` (uv run sets UV)"
    return found


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding only the wheel and what it depends on. The wheel is
    built as `uv build` builds it: from the sdist, so the sdist must carry what it needs."""
    tmp = tmp_path_factory.mktemp("wheel")
    run = subprocess.run([uv(), "build", "--out-dir", str(tmp / "dist"), str(ROOT)],
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr
    (wheel,) = (tmp / "dist").glob("pow_exchanges-*.whl")
    (sdist,) = (tmp / "dist").glob("pow_exchanges-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    assert not [n for n in names if "node_modules" in n or n.endswith("api.d.ts")]
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    run = subprocess.run([uv(), "pip", "install", "--python", str(python), str(wheel)],
                         capture_output=True, text=True, timeout=600)  # fmt: skip
    assert run.returncode == 0, run.stderr
    return venv


def test_the_wheel_carries_the_migrations_and_the_data(installed):
    code = (
        "import app.resources as r; print(r.checkout(), r.migrations_dir(), r.data_dir(), "
        "r.head_revision(), sep='\\n')"
    )
    out = subprocess.run([installed / "bin" / "python", "-c", code], cwd=installed,
                         capture_output=True, text=True, check=True).stdout.split("\n")  # fmt: skip
    assert out[0] == "None"  # no checkout: everything comes from the package
    site = installed / "lib"
    assert Path(out[1]).is_relative_to(site) and Path(out[1]).name == "_migrations"
    assert Path(out[2]).is_relative_to(site) and (Path(out[2]) / "exchanges.csv").is_file()
    assert (Path(out[2]) / "name_patterns.txt").is_file()
    from app.resources import head_revision

    assert out[3] == head_revision()


def test_serve_in_an_empty_folder_migrates_loads_and_serves(installed, tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS and k != "VIRTUAL_ENV"}
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([installed / "bin" / "pow-exchanges", "serve", "--port", str(port)],
                                cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        dataset = httpx.get(f"{base}/v1/dataset").json()["data"]
        assert dataset["version"] == 1
        assert dataset["counts"]["exchanges"] == 150 and dataset["counts"]["sources"] == 462
        summary = httpx.get(f"{base}/v1/statistics/summary").json()["data"]
        assert (summary["people_to_ukraine"], summary["bodies_to_ukraine"]) == (7450, 23601)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    said = log.read_text()
    database = folder / "pow-exchanges.sqlite3"
    assert f"database: SQLite file {database} (set DATABASE_URL to use another)" in said
    assert "loaded the curated dataset: version 1" in said
    assert database.is_file()
    # A second start finds the dataset loaded and leaves it as it is.
    again = subprocess.run([installed / "bin" / "pow-exchanges", "load", "--if-empty"],
                           cwd=folder, env=env, capture_output=True, text=True)  # fmt: skip
    assert again.returncode == 0 and "already loaded" in again.stderr, again.stderr


def test_the_docker_build_stage_has_what_the_build_reads():
    """The image installs the project (editable) before copying the rest: the build hook named
    in pyproject.toml must be there by then."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    build_stage = dockerfile.split("\nFROM ")[1]
    sync = build_stage.index("RUN uv sync --frozen --no-dev\n")
    assert build_stage.index("COPY hatch_build.py") < sync
