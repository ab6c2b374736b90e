"""A real headless Chromium against the real app, served by uvicorn in a subprocess.

Chromium is Debian's package (installed here when missing); Playwright's Python package drives
it through `executable_path`, so no browser is ever downloaded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import drop_database, new_database
from tests.servers import running_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives a real headless Chromium (slow)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, installed with apt when missing (the tests run as root)."""
    if shutil.which("chromium") is None:
        subprocess.run(
            ["bash", "-c", "apt-get update -qq && apt-get install -y -qq chromium"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            timeout=1200,
        )
    path = shutil.which("chromium") or CHROMIUM
    assert Path(path).exists(), "chromium is not installed"
    return path


@pytest.fixture(scope="session")
def live_url(tmp_root: Path, template_url: str) -> Iterator[str]:
    """The real app on a free 127.0.0.1 port, over a copy of the migrated, loaded database."""
    db = new_database(tmp_root, template_url)
    try:
        with running_server(db, tmp_root) as (base, _log):
            yield base
    finally:
        drop_database(db)
