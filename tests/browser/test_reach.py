"""The dashboard as most readers meet it: on a phone, with a screen reader's needs, in their
language. axe-core (WCAG 2.2 AA) at 390 and 1280 px, light and dark; cards instead of a
table on a phone; a chart drawn for the width; Ukrainian and Russian with no English left."""

from __future__ import annotations

import os
import re
from typing import Any

import httpx
import pytest

from tests.browser.conftest import PHONE, SCREENSHOT, WIDE, Dashboard
from tests.conftest import ROOT

axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE_SCREENSHOT = ROOT / "docs" / "screenshot-phone.png"


def axe_violations(d: Dashboard) -> list[dict[str, Any]]:
    d.wait_for_table("")
    results = axe_module.Axe().run(
        d.page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}}
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["390px", "1280px"])
def test_axe_finds_no_wcag_22_aa_violation(open_dashboard, viewport, scheme):
    d = open_dashboard(viewport=viewport, color_scheme=scheme)
    assert axe_violations(d) == []
    # With the table of months and the embed code open too.
    d.page.click("details:not(.embed) > summary")
    d.page.click("details.embed > summary")
    assert axe_violations(d) == []
    d.assert_clean()


@pytest.mark.parametrize("lang", ["uk", "ru"])
def test_axe_in_each_language(open_dashboard, lang):
    d = open_dashboard(viewport=PHONE, query=f"?lang={lang}")
    assert axe_violations(d) == []
    d.assert_clean()


def test_a_phone_gets_one_card_per_event_and_no_sideways_scroll(open_dashboard):
    d = open_dashboard(viewport=PHONE)
    d.wait_for_table("")
    assert d.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not d.page.is_visible("#exchanges")
    want = d.api("/v1/exchanges", limit=25)["data"]
    cards = d.page.eval_on_selector_all(
        "#cards li.card",
        """cs => cs.map(c => ({
            id: c.dataset.id,
            text: c.innerText,
            figures: [...c.querySelectorAll("dd[data-value]")].map(dd => dd.dataset.value),
            links: [...c.querySelectorAll(".sources a")].map(a => {
                const r = a.getBoundingClientRect(); return [r.width, r.height];
            }),
        }))""",
    )
    assert [c["id"] for c in cards] == [e["id"] for e in want]
    for card, e in zip(cards, want, strict=True):
        # Date, kind, both figures with their status, mediators, sources: all on the card.
        assert card["figures"] == [
            "" if e[k] is None else str(e[k]) for k in ("ukraine_received", "russia_received")
        ]
        for key in ("ukraine_received", "russia_received"):
            if e[key] is None:
                assert "not disclosed" in card["text"]
        assert len(card["links"]) == len(e["sources"])
        # Easy to hit with a thumb: well past WCAG 2.2's 24 px.
        assert all(w >= 44 and h >= 44 for w, h in card["links"])
    d.assert_clean()


@pytest.mark.parametrize(
    ("viewport", "lang"),
    [(PHONE, "en"), (PHONE, "uk"), (WIDE, "ru")],
    ids=["390px-en", "390px-uk", "1280px-ru"],
)
def test_the_chart_is_drawn_for_its_width(open_dashboard, viewport, lang):
    # Ukrainian and Russian compact numbers ("1,6 тис.") are the widest tick labels.
    d = open_dashboard(viewport=viewport, query=f"?lang={lang}")
    box = d.page.eval_on_selector(
        "#chart",
        """c => {
            const svg = c.querySelector("svg").getBoundingClientRect();
            const texts = [...c.querySelectorAll("svg text")];
            return {
                box: c.getBoundingClientRect().width, svg: svg.width, left: svg.left,
                right: svg.right,
                fonts: texts.map(t => parseFloat(getComputedStyle(t).fontSize)
                    * (svg.width / c.querySelector("svg").viewBox.baseVal.width)),
                ticks: texts.filter(t => t.classList.contains("tick")).map(t => {
                    const r = t.getBoundingClientRect(); return [r.left, r.right];
                }),
            };
        }""",
    )
    assert abs(box["svg"] - box["box"]) <= 1  # fills its box: no sideways scrolling
    assert min(box["fonts"]) >= 11  # legible labels, as rendered
    # Both axes' labels inside the chart's box.
    assert all(box["left"] - 0.5 <= a and b <= box["right"] + 0.5 for a, b in box["ticks"])
    # A tick label on each side: the left axis (per month) and the right (since the start).
    middle = (box["left"] + box["right"]) / 2
    assert any(b < middle for _, b in box["ticks"]) and any(a > middle for a, _ in box["ticks"])
    d.assert_clean()


LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Proper names and codes that stay as they are in every language.
KEPT = {"API", "CSV", "Atom", "HTTP", "pow", "exchanges", "CC", "BY"}


@pytest.mark.parametrize("lang", ["uk", "ru"])
def test_ukrainian_and_russian_pages_leave_no_english(open_dashboard, lang):
    d = open_dashboard(query=f"?lang={lang}", locale={"uk": "uk-UA", "ru": "ru-RU"}[lang])
    d.wait_for_table("")
    d.page.click("details:not(.embed) > summary")
    assert d.page.get_attribute("html", "lang") == lang
    # What a reader sees, less the bibliographic reference (a citation keeps the work's
    # title as published) and the language switch (each language names itself).
    text = d.page.evaluate(
        """() => {
            const clone = document.body.cloneNode(true);
            clone.querySelector("#dataset-info")?.remove();
            clone.querySelector(".languages")?.remove();
            clone.querySelector("#embed-code")?.remove();
            document.body.append(clone);
            clone.style.position = "absolute";
            const text = clone.innerText;
            clone.remove();
            return text;
        }"""
    )
    english = sorted(set(LATIN_WORD.findall(text)) - KEPT)
    assert english == [], english
    # Numbers and dates in the language's own format (CLDR: a space groups thousands).
    summary = d.api("/v1/statistics/summary")["data"]
    shown = d.page.inner_text("#fig-people-ukraine .value")
    assert re.sub(r"\s", "", shown) == str(summary["people_to_ukraine"])
    assert shown != f"{summary['people_to_ukraine']:,}"
    d.assert_clean()


def test_the_language_follows_the_browser_and_can_be_switched(open_dashboard):
    d = open_dashboard(locale="ru-RU")
    assert d.page.get_attribute("html", "lang") == "ru"
    d.page.click('.languages a[hreflang="uk"]')
    d.page.wait_for_selector("html[lang=uk][data-state=ready]")
    d.wait_for_table("")
    assert d.page.get_attribute('.languages a[aria-current="true"]', "hreflang") == "uk"
    # Filtering keeps the chosen language in the address.
    d.page.select_option("#f-kind", "pow_exchange")
    d.page.click("#filters button[type=submit]")
    d.wait_for_table("kind=pow_exchange")
    assert "lang=uk" in d.page.url
    d.assert_clean()


def test_phone_screenshot_for_the_readme(open_dashboard, tmp_path):
    # Refreshed on request only (UPDATE_SCREENSHOT=1), like the desktop one.
    refresh = os.environ.get("UPDATE_SCREENSHOT") == "1"
    target = PHONE_SCREENSHOT if refresh else tmp_path / "phone.png"
    d = open_dashboard(viewport=PHONE)
    d.wait_for_table("")
    d.page.screenshot(path=str(target), full_page=False)
    assert target.stat().st_size > 10_000
    assert SCREENSHOT.exists()
    d.assert_clean()


def test_the_embed_box_gives_the_code_the_server_writes(open_dashboard):
    from html.parser import HTMLParser

    from app.web import embeds

    d = open_dashboard(query="?kind=pow_exchange")
    d.wait_for_table("kind=pow_exchange")
    d.page.click("details.embed > summary")
    code = d.page.input_value("#embed-code")
    version = d.api("/v1/dataset")["meta"]["dataset_version"]
    want = embeds.iframe_code(
        d.base, "people", {"kind": "pow_exchange"}, version=version, lang="en"
    )

    class Attrs(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.found = dict(attrs)

    def attrs(html: str) -> dict[str, str | None]:
        parser = Attrs()
        parser.feed(html)
        return parser.found

    got, expected = attrs(code), attrs(want)
    # The same frame, the same chart, pinned to the same version; the title in words.
    assert {k: v for k, v in got.items() if k != "title"} == {
        k: v for k, v in expected.items() if k != "title"
    }
    assert got["title"]
    # And the code works: the chart it frames answers.
    r = httpx.get(str(got["src"]), timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    d.assert_clean()
