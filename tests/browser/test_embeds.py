"""Done when an embed iframe renders on a page of another origin: a newsroom's page, served by a
second server on another port, frames /embed/... with the code the dashboard hands out
(app.web.embeds.iframe_code) and shows the bare SVG as an image; in a real Chromium the frame
loads with no CSP, frame or console error, its chart fits the frame at a phone's and a
desktop's width, and its title is there for readers and screen readers alike.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.web import embeds
from tests.servers import free_port

sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")

WIDTHS = (390, 1280)
# Runs in every frame before its own content: CSP violations, however the console words them.
CSP_PROBE = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""
CHARTS = [
    ("people", {"interval": "month"}, "uk"),
    ("bodies", {"cumulative": "true", "since": "2023-01-01"}, "en"),
    ("mediators", {"measure": "people"}, "ru"),
]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """Another origin: a plain static server on a second loopback port."""
    root = tmp_path_factory.mktemp("newsroom")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", free_port()), functools.partial(Quiet, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


def article(code: str, image: str) -> str:
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<link rel='icon' href='data:,'><title>A newsroom's article</title></head>"
        "<body style='margin:0'><p>Reporting, then the chart:</p>"
        f"<div id='column'>{code}</div>"
        f"<p>And as an image:</p><img id='still' alt='chart' src='{image}' "
        "style='width:100%;height:auto'></body></html>"
    )


@pytest.mark.parametrize(("chart", "params", "lang"), CHARTS)
def test_an_embed_iframe_renders_on_a_page_of_another_origin(
    browser, live_url, newsroom, chart, params, lang
):
    origin, root = newsroom
    assert origin != live_url  # another port: another origin
    version = httpx.get(f"{live_url}/v1/dataset", timeout=10).json()["data"]["version"]
    code = embeds.iframe_code(live_url, chart, params, version=version, lang=lang)
    image = embeds.embed_url(live_url, chart, params, version=version, lang=lang, svg=True)
    name = f"{chart}-{lang}.html"
    (root / name).write_text(article(code, image), encoding="utf-8")
    expected_title = embeds.charts.title(
        params.get("measure", chart), mediators=chart == "mediators",
        t=embeds.words(embeds.Lang(lang), "embeds"),
    )  # fmt: skip

    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.add_init_script(CSP_PROBE)
        problems: list[str] = []
        page.on("console", lambda m: m.type in ("error", "warning") and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: problems.append(f"{r.url} {r.failure}"))
        page.on(
            "response",
            lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"),
        )
        try:
            page.goto(f"{origin}/{name}")
            frame_el = page.locator("#column iframe")
            frame_el.wait_for()
            frame = page.frame_locator("#column iframe")
            chart_svg = frame.locator("svg.pe-chart >> visible=true")
            chart_svg.wait_for()
            page.wait_for_function("document.getElementById('still').complete")

            # The frame's document came from the app's origin, into the newsroom's page.
            inner = next(f for f in page.frames if f.url.startswith(live_url))
            assert inner.url.startswith(f"{live_url}/embed/{chart}?")
            assert page.evaluate("location.origin") == origin
            # Its chart: a real box, as wide as the frame (less the page's margins), no wider.
            outer = frame_el.bounding_box()
            box = chart_svg.bounding_box()
            assert outer and box
            assert box["width"] > 0.9 * outer["width"] - 24 and box["height"] > 100
            assert outer["x"] - 1 <= box["x"] and box["x"] + box["width"] <= outer["x"] + outer[
                "width"
            ] + 1  # fmt: skip
            wanted = "pe-narrow" if width < embeds.NARROW_BELOW else "pe-wide"
            assert wanted in (chart_svg.get_attribute("class") or "")
            # Its title: the page's, the visible heading, and the chart's accessible name.
            assert inner.title() == expected_title
            heading = frame.locator("h1")
            assert heading.inner_text() == expected_title
            assert heading.is_visible()
            assert frame.get_by_role("img", name=expected_title).first.is_visible()
            assert frame.get_by_role("img", name=expected_title).count() == 1  # one is shown
            # Its stylesheet applied (CSP 'self' from inside the sandboxed frame).
            assert inner.evaluate("getComputedStyle(document.body).marginTop") == "0px"
            # The link back to the records leaves the frame for a new tab.
            link = frame.locator("figcaption a")
            assert link.get_attribute("target") == "_blank"
            assert (link.get_attribute("href") or "").startswith(f"{live_url}/v1/exchanges?")
            # The bare SVG, as an image from the other origin.
            natural = page.evaluate(
                "[document.getElementById('still').naturalWidth,"
                " document.getElementById('still').naturalHeight]"
            )
            assert natural[0] == 760 and natural[1] > 200
            # Nothing blocked, nothing failed, on either side of the frame.
            assert page.evaluate("window.__csp") == []
            assert inner.evaluate("window.__csp") == []
            assert problems == []
        finally:
            context.close()


def test_the_frame_follows_its_own_width_not_the_windows(browser, live_url, newsroom):
    """A narrow column in a wide window: the page picks its drawing by the frame's width."""
    origin, root = newsroom
    code = embeds.iframe_code(live_url, "people", {}, lang="en").replace(
        "width:100%", "width:360px"
    )
    (root / "column.html").write_text(article(code, f"{live_url}/embed/people.svg"), "utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{origin}/column.html")
        chart_svg = page.frame_locator("iframe").locator("svg.pe-chart >> visible=true")
        chart_svg.wait_for()
        assert "pe-narrow" in (chart_svg.get_attribute("class") or "")
        box = chart_svg.bounding_box()
        assert box and 300 < box["width"] <= 360
    finally:
        context.close()
