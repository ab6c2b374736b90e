"""A real headless Chromium against the real app, served by uvicorn in a subprocess.

Chromium is Debian's package (installed here when missing); Playwright's Python package drives
it through `executable_path`, so no browser is ever downloaded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import ROOT, drop_database, new_database
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


sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")

SCREENSHOT = ROOT / "docs" / "screenshot.png"
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# Collects violations that the console might word differently; runs before the page's script.
CSP_PROBE = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Dashboard:
    page: Any
    base: str
    requests: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def api(self, path: str, **params: Any) -> Any:
        r = httpx.get(self.base + path, params=params, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def wait_for_table(self, query: str) -> None:
        self.page.wait_for_selector(
            f'#exchanges[aria-busy="false"][data-query="{query}"]', state="attached"
        )

    def rows(self) -> list[dict[str, Any]]:
        return list(
            self.page.eval_on_selector_all(
                "#exchanges tbody tr[data-id]",
                """rows => rows.map(r => ({
                    id: r.dataset.id,
                    ua: r.cells[2].dataset.value, ru: r.cells[3].dataset.value,
                    uaText: r.cells[2].textContent, ruText: r.cells[3].textContent,
                }))""",
            )
        )

    def assert_clean(self) -> None:
        """Nothing left the app's origin, nothing failed, the console stayed quiet."""
        origin = urlsplit(self.base)[:2]
        away = [u for u in self.requests if urlsplit(u)[:2] != origin and not u.startswith("data:")]
        assert away == []
        assert self.failures == []
        assert self.console == []
        assert self.page.evaluate("window.__csp") == []


@pytest.fixture
def open_dashboard(browser: Any, live_url: str) -> Iterator[Any]:
    contexts: list[Any] = []

    def go(
        viewport: dict[str, int] = WIDE,
        query: str = "",
        color_scheme: str = "light",
        locale: str = "en-GB",
    ) -> Dashboard:
        context = browser.new_context(
            viewport=viewport, locale=locale, timezone_id="UTC", color_scheme=color_scheme
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.add_init_script(CSP_PROBE)
        d = Dashboard(page, live_url)

        def on_response(r: Any) -> None:
            if r.status >= 400:
                d.failures.append(f"{r.status} {r.url}")

        def on_console(m: Any) -> None:
            if m.type == "error":  # CSP violations are reported as errors too
                d.console.append(m.text)

        page.on("request", lambda r: d.requests.append(r.url))
        page.on("requestfailed", lambda r: d.failures.append(f"{r.url} {r.failure}"))
        page.on("response", on_response)
        page.on("console", on_console)
        page.on("pageerror", lambda e: d.console.append(f"page error: {e}"))
        page.goto(f"{live_url}/{query}")
        page.wait_for_selector("html[data-state=ready]")
        return d

    yield go
    for context in contexts:
        context.close()
