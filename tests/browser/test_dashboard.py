"""The dashboard in a real headless Chromium: it shows exactly what the API answers.

Every page load records each request, console message, page error and CSP violation, and each
test ends by checking that nothing left the app's origin and nothing went wrong.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.browser.conftest import PHONE, SCREENSHOT, Dashboard

FIGURES = (
    ("#fig-people-ukraine", "people_to_ukraine"),
    ("#fig-people-russia", "people_to_russia"),
    ("#fig-bodies-ukraine", "bodies_to_ukraine"),
    ("#fig-bodies-russia", "bodies_to_russia"),
)


def test_the_first_figures_are_people_returned_alive(open_dashboard):
    d = open_dashboard()
    body = d.api("/v1/statistics/summary")
    summary, meta = body["data"], body["meta"]
    # What a reader asks first: people returned alive, to each side, then the bodies.
    terms = d.page.eval_on_selector_all(".figures dt", "ts => ts.map(t => t.textContent)")
    assert terms[:4] == [
        "People returned alive to Ukraine",
        "People returned alive to Russia",
        "Bodies of the fallen returned to Ukraine",
        "Bodies of the fallen returned to Russia",
    ]
    for element, key in FIGURES:
        assert d.page.get_attribute(element, "data-value") == str(summary[key])
        assert d.page.inner_text(f"{element} .value") == f"{summary[key]:,}"
        undisclosed = summary[f"undisclosed_{key}"]
        assert d.page.get_attribute(element, "data-undisclosed") == str(undisclosed)
        if undisclosed:
            assert f"not disclosed for {undisclosed:,}" in d.page.inner_text(element)
    # The living and the dead are never one number on the page.
    both = summary["people_to_ukraine"] + summary["bodies_to_ukraine"]
    assert f"{both:,}" not in d.page.inner_text("main")

    last = summary["last_exchange"]
    assert d.page.get_attribute("#fig-last", "data-value") == last["date"]
    assert d.page.get_attribute("#fig-last time", "datetime") == last["date"]
    days = (dt.datetime.now(dt.UTC).date() - dt.date.fromisoformat(last["date"])).days
    shown = int(d.page.get_attribute("#fig-days", "data-value"))
    assert abs(shown - days) <= 1  # the test may straddle midnight

    until = meta["coverage"]["until"]
    assert d.page.get_attribute("#coverage-note", "data-until") == until
    assert "not yet curated" in d.page.inner_text("#coverage-note")
    version = meta["dataset_version"]
    assert d.page.get_attribute("#citation-link", "href") == (
        f"v1/dataset/citation?as_of_version={version}"
    )
    d.assert_clean()


def test_completeness_is_ukraines_latest_count_against_the_dataset(open_dashboard):
    d = open_dashboard()
    rows = d.api(
        "/v1/statistics/reconciliation", metric="people_returned_to_ukraine", claimant="ua_official"
    )["data"]
    usable = [
        r for r in rows
        if r["qualifier"] == "exact" and r["counted_from"] is None and r["within_coverage"]
    ]  # fmt: skip
    latest = usable[-1]
    assert d.page.get_attribute("#fig-complete", "data-statement") == latest["id"]
    assert float(d.page.get_attribute("#fig-complete", "data-value")) == latest["ratio"]
    text = d.page.inner_text("#fig-complete")
    assert f"{latest['dataset_value']:,}" in text and f"{latest['value']:,}" in text
    assert f"{round(latest['ratio'] * 100, 1)}%" in text
    d.assert_clean()


def chart_groups(d: Dashboard) -> list[dict[str, Any]]:
    return list(
        d.page.eval_on_selector_all(
            "#chart svg g[data-period]",
            """gs => gs.map(g => ({
                period: g.dataset.period,
                bars: g.querySelectorAll("rect.bar").length,
                marks: [...g.querySelectorAll("rect.mark")].map(m => Number(m.dataset.undisclosed)),
                title: g.querySelector("title").textContent,
            }))""",
        )
    )


def check_chart(d: Dashboard, series: list[dict[str, Any]], measure: str) -> None:
    assert d.page.get_attribute("#chart svg", "data-measure") == measure
    groups = chart_groups(d)
    assert [g["period"] for g in groups] == [m["period"] for m in series]
    for group, month in zip(groups, series, strict=True):
        sides = [f"{measure}_to_ukraine", f"{measure}_to_russia"]
        hidden = [month[f"undisclosed_{k}"] for k in sides if month[f"undisclosed_{k}"]]
        # An undisclosed figure is marked, never drawn as a silent zero.
        assert group["marks"] == hidden, month
        if hidden:
            assert "not disclosed" in group["title"]
        assert group["bars"] == sum(month[k] > 0 for k in sides)
    assert d.page.locator("#months tbody tr").count() == len(series)
    assert d.page.locator("#chart svg polyline").count() == 2


def test_the_chart_shows_people_and_switches_to_bodies(open_dashboard):
    d = open_dashboard()
    body = d.api("/v1/statistics/timeseries", interval="month", cumulative="true")
    series = body["data"]
    assert series[-1]["period"] == body["meta"]["coverage"]["until"][:7]  # no month past it
    check_chart(d, series, "people")
    assert d.page.get_attribute("#show-people", "aria-pressed") == "true"
    assert d.page.inner_text("#chart-title") == "People returned alive, month by month"

    d.page.click("#show-bodies")
    d.page.wait_for_selector('#chart svg[data-measure="bodies"]')
    check_chart(d, series, "bodies")
    assert d.page.get_attribute("#show-bodies", "aria-pressed") == "true"
    assert d.page.get_attribute("#show-people", "aria-pressed") == "false"
    assert "Bodies of the fallen" in d.page.inner_text("#chart-title")
    d.assert_clean()


def test_filtering_by_mediator_shows_the_api_answer(open_dashboard):
    d = open_dashboard()
    d.wait_for_table("")
    mediators = d.api("/v1/mediators")["data"]
    mediator = max(mediators, key=lambda m: m["exchanges"])
    before = [r["id"] for r in d.rows()]

    d.page.select_option("#f-mediator", mediator["id"])
    d.page.click("#filters button[type=submit]")
    d.wait_for_table(f"mediator={mediator['id']}")

    want = d.api("/v1/exchanges", limit=25, mediator=mediator["id"])
    rows = d.rows()
    assert [r["id"] for r in rows] == [e["id"] for e in want["data"]]
    assert [r["id"] for r in rows] != before
    for row, e in zip(rows, want["data"], strict=True):
        for key, value, text in (
            ("ukraine_received", row["ua"], row["uaText"]),
            ("russia_received", row["ru"], row["ruText"]),
        ):
            if e[key] is None:
                assert value == "" and "not disclosed" in text
            else:
                assert value == str(e[key]) and text.startswith(f"{e[key]:,}")
    assert d.page.inner_text("#exchanges caption").startswith(f"{want['meta']['count']} exchange")
    assert mediator["name"] in d.page.inner_text("#exchanges caption")
    assert parse_qs(urlsplit(d.page.url).query) == {"mediator": [mediator["id"]]}
    csv = parse_qs(urlsplit(d.page.get_attribute("#csv-link", "href")).query)
    assert csv == {"mediator": [mediator["id"]], "limit": ["500"], "format": ["csv"]}

    # The filtered view can be bookmarked: opening its address shows the same rows.
    again = open_dashboard(query=f"?mediator={mediator['id']}")
    again.wait_for_table(f"mediator={mediator['id']}")
    assert again.page.input_value("#f-mediator") == mediator["id"]
    assert [r["id"] for r in again.rows()] == [e["id"] for e in want["data"]]
    d.assert_clean()
    again.assert_clean()


def test_date_range_and_kind_filters_then_clear(open_dashboard):
    d = open_dashboard()
    d.wait_for_table("")
    d.page.fill("#f-since", "2024-01-01")
    d.page.fill("#f-until", "2024-12-31")
    d.page.select_option("#f-kind", "pow_exchange")
    d.page.click("#filters button[type=submit]")
    query = "since=2024-01-01&until=2024-12-31&kind=pow_exchange"
    d.wait_for_table(query)
    want = d.api(
        "/v1/exchanges", limit=25, since="2024-01-01", until="2024-12-31", kind="pow_exchange"
    )
    assert want["data"], "the dataset has prisoner exchanges in 2024"
    assert [r["id"] for r in d.rows()] == [e["id"] for e in want["data"]]

    d.page.click("#filters button[type=reset]")
    d.wait_for_table("")
    assert [r["id"] for r in d.rows()] == [
        e["id"] for e in d.api("/v1/exchanges", limit=25)["data"]
    ]
    assert urlsplit(d.page.url).query == ""
    d.assert_clean()


def test_paging_follows_next_cursor_and_back(open_dashboard):
    d = open_dashboard()
    d.wait_for_table("")
    first = d.api("/v1/exchanges", limit=25)
    assert first["meta"]["next_cursor"], "the dataset has more than one page"
    second = d.api("/v1/exchanges", limit=25, cursor=first["meta"]["next_cursor"])
    assert [r["id"] for r in d.rows()] == [e["id"] for e in first["data"]]
    assert d.page.is_disabled("#first")

    d.page.click("#next")
    d.page.wait_for_function(
        "id => document.querySelector('#exchanges tbody tr')?.dataset.id === id",
        arg=second["data"][0]["id"],
    )
    d.wait_for_table("")
    assert [r["id"] for r in d.rows()] == [e["id"] for e in second["data"]]
    assert d.page.inner_text("#page-info").startswith("Rows 26–")

    d.page.click("#first")
    d.page.wait_for_function(
        "id => document.querySelector('#exchanges tbody tr')?.dataset.id === id",
        arg=first["data"][0]["id"],
    )
    assert d.page.is_disabled("#first")
    d.assert_clean()


def test_keyboard_reaches_the_filters_with_a_visible_focus(open_dashboard):
    d = open_dashboard()
    d.page.keyboard.press("Tab")
    assert d.page.evaluate("document.activeElement.className") == "skip"
    d.page.keyboard.press("Enter")
    assert d.page.evaluate("document.activeElement.id") == "exchanges-section"
    for _ in range(15):  # a date input takes one Tab per part
        d.page.keyboard.press("Tab")
        if d.page.evaluate("document.activeElement.id") == "f-mediator":
            break
    else:
        raise AssertionError("Tab never reached the mediator filter")
    outline = d.page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    d.assert_clean()


def test_a_phone_screen_does_not_scroll_sideways(open_dashboard):
    d = open_dashboard(viewport=PHONE)
    width = d.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    d.assert_clean()


def test_screenshot_for_the_readme(open_dashboard, tmp_path):
    # The README's picture is refreshed on request only (UPDATE_SCREENSHOT=1), so that a test
    # run leaves the work tree as it found it.
    target = SCREENSHOT if os.environ.get("UPDATE_SCREENSHOT") == "1" else tmp_path / "page.png"
    d = open_dashboard()
    d.wait_for_table("")
    target.parent.mkdir(exist_ok=True)
    d.page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000
    d.assert_clean()
