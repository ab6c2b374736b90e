"""GET /embed/...: the charts to embed, without a browser (tests/browser/test_embeds.py has one).

Every figure a chart draws or says is checked against the API's answer under the same filters;
undisclosed figures are hatched, never drawn as 0; nothing refers outside but the link back to
the records; the small print carries the version, the coverage and the API's own citation; bad
filters are the API's own 422 problems; ETags are per language; as_of_version pins a chart;
Ukrainian and Russian charts say nothing in English but proper names.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from app.citation import AUTHOR
from app.codebook import DATASET_TITLE, LICENSE
from app.web import charts, embeds
from app.web.i18n import Lang, words
from tests.conftest import ROOT, load
from tests.helpers import assert_problem

SVG = "{http://www.w3.org/2000/svg}"
BASE = "http://testserver"
SIDES = ("ukraine", "russia")
LANGS = ("en", "uk", "ru")
FILTER_SETS = [
    {},
    {"since": "2024-01-01", "until": "2024-12-31"},
    {"kind": "pow_exchange", "confidence": "high"},
    {"mediator": "uae", "interval": "quarter"},
    {"interval": "week", "since": "2025-01-01"},
    {"interval": "year", "figure_status": "undisclosed"},
    {"kind": "bodies_repatriation", "interval": "year"},
    {"q": "civilians", "min_total": "10"},
]


# ---- helpers --------------------------------------------------------------------------------


def get(client: Any, path: str, params: Any = None, **headers: str) -> Any:
    r = client.get(path, params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r


def svg(client: Any, path: str, params: Any = None, **headers: str) -> ET.Element:
    r = get(client, path, params, **headers)
    assert r.headers["content-type"] == "image/svg+xml; charset=utf-8"
    root = ET.fromstring(r.content)
    assert root.tag == f"{SVG}svg"
    return root


def api(client: Any, path: str, params: dict[str, str]) -> Any:
    return get(client, path, {k: v for k, v in params.items() if k != "lang"}).json()


def find(root: ET.Element, tag: str) -> list[ET.Element]:
    return list(root.iter(f"{SVG}{tag}"))


def desc(root: ET.Element) -> str:
    return root.find(f"{SVG}desc").text or ""  # type: ignore[union-attr]


def periods(root: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-period"): g for g in find(root, "g") if g.get("class") == "pe-period"}


def marks(root: ET.Element) -> dict[tuple[str | None, str | None], int]:
    """(period or mediator, side) -> the undisclosed count its hatched mark carries."""
    out = {}
    for g in find(root, "g"):
        where = g.get("data-period") or g.get("data-mediator")
        for rect in g.findall(f"{SVG}rect[@data-undisclosed]"):
            assert "url(#" in (rect.get("fill") or "")
            out[(where, rect.get("data-side"))] = int(rect.get("data-undisclosed") or 0)
    return out


def plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def side_text(measure: str, value: int, undisclosed: int) -> str:
    """What the English description says of one side (worked out apart from app.web.charts)."""
    unit = ("person", "people") if measure == "people" else ("body", "bodies")
    event = ("exchange", "exchanges") if measure == "people" else ("repatriation", "repatriations")
    text = plural(value, *unit)
    return f"{text} (not disclosed: {plural(undisclosed, *event)})" if undisclosed else text


def sentence(what: str, measure: str, figures: dict[str, int]) -> str:
    event = ("exchange", "exchanges") if measure == "people" else ("repatriation", "repatriations")
    n = figures["exchanges" if measure == "people" else "repatriations"]
    ua, ru = (side_text(measure, figures[f"{measure}_to_{s}"],
                        figures[f"undisclosed_{measure}_to_{s}"]) for s in SIDES)  # fmt: skip
    return f"{what}: {plural(n, *event)}; returned to Ukraine: {ua}; to Russia: {ru}."


def totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    keys = [k for k in rows[0] if not k.startswith("cumulative_") and isinstance(rows[0][k], int)]
    return {k: sum(r[k] for r in rows) for k in keys}


class Page(HTMLParser):
    """The tags, attributes and text of an HTML answer."""

    def __init__(self, body: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(body)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        if data.strip():
            self.text.append(data.strip())


def english_left(text: str) -> list[str]:
    """Latin words left once the proper names (title, authors, licence, addresses) are out."""
    for name in (DATASET_TITLE, AUTHOR, LICENSE):
        text = text.replace(name, " ")
    text = re.sub(r"https?://\S+", " ", text)
    return re.findall(r"[A-Za-z]{2,}", text)


# ---- the drawing and its words --------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "path", ["/embed/people.svg", "/embed/bodies.svg?cumulative=true", "/embed/mediators.svg",
             "/embed/mediators.svg?measure=bodies&size=narrow", "/embed/people.svg?size=narrow"],
)  # fmt: skip
def test_svg_is_standalone_and_described(client, path, lang):
    root = svg(client, f"{path}{'&' if '?' in path else '?'}lang={lang}")
    assert root.get("role") == "img"
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox") or "")
    assert root.get("width") == root.get("viewBox", "").split()[2]
    title, described = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text and described is not None and described.text
    ids = (root.get("aria-labelledby") or "").split()
    assert ids == [title.get("id"), described.get("id")]
    # The words a reader sees: legible at the nominal width, in the page's own fonts.
    sizes = [float(e.get("font-size") or 0) for e in root.iter() if e.get("font-size")]
    assert sizes and min(sizes) >= 11
    assert not [e for e in root.iter() if e.tag in (f"{SVG}style", f"{SVG}script",
                                                   f"{SVG}image", f"{SVG}foreignObject")]  # fmt: skip
    assert root.find(f"{SVG}rect[@class='pe-bg']") is not None  # its own background


@pytest.mark.parametrize("params", FILTER_SETS)
@pytest.mark.parametrize("measure", ["people", "bodies"])
@pytest.mark.parametrize("cumulative", [False, True])
def test_series_draws_and_says_what_the_api_answers(client, params, measure, cumulative):
    query = {**params, "cumulative": str(cumulative).lower()}
    body = api(client, "/v1/statistics/timeseries", {**query, "cumulative": "true"})
    rows = body["data"]
    root = svg(client, f"/embed/{measure}.svg", query)
    drawn = periods(root)
    assert list(drawn) == [r["period"] for r in rows]
    text = desc(root)
    if rows:
        assert sentence("In all", measure, totals(rows)) in text
        last = rows[-1]
        for side in SIDES:  # the running totals end at the sums
            assert last[f"cumulative_{measure}_to_{side}"] == totals(rows)[f"{measure}_to_{side}"]
    else:
        assert "No events in this selection." in text
    assert "Curated up to June 7, 2026." in text
    for r in rows:
        g = drawn[r["period"]]
        bars = {b.get("data-side"): int(b.get("data-value") or 0)
                for b in g.findall(f"{SVG}rect[@data-value]")}  # fmt: skip
        if cumulative:
            assert bars == {}
        else:
            assert bars == {s: r[f"{measure}_to_{s}"] for s in SIDES if r[f"{measure}_to_{s}"]}
    lines = {p.get("data-side"): p for p in find(root, "polyline")}
    assert set(lines) == (set(SIDES) if cumulative and rows else set())
    for side, line in lines.items():
        assert len((line.get("points") or "").split()) == len(rows)
        ends = [t.text for t in find(root, "text") if t.get("class") == f"pe-line-{side}-text"]
        assert ends == [f"{rows[-1][f'cumulative_{measure}_to_{side}']:,}"]


@pytest.mark.parametrize("params", FILTER_SETS)
@pytest.mark.parametrize("measure", ["people", "bodies"])
def test_mediators_draw_and_say_what_the_api_answers(client, params, measure):
    query = {k: v for k, v in params.items() if k != "interval"}
    events = "exchanges" if measure == "people" else "repatriations"
    found = api(client, "/v1/statistics/mediators", query)["data"]
    shown = sorted((r for r in found if r[events]), key=lambda r: -r[events])
    root = svg(client, "/embed/mediators.svg", {**query, "measure": measure})
    groups = [g for g in find(root, "g") if g.get("class") == "pe-mediator"]
    assert [g.get("data-mediator") for g in groups] == [r["id"] for r in shown]
    text = desc(root)
    for r, g in zip(shown, groups, strict=True):
        assert sentence(r["name"], measure, r) in text
        bars = {b.get("data-side"): int(b.get("data-value") or 0)
                for b in g.findall(f"{SVG}rect[@data-value]")}  # fmt: skip
        assert bars == {s: r[f"{measure}_to_{s}"] for s in SIDES if r[f"{measure}_to_{s}"]}
    if not shown:
        assert "No events in this selection." in text


@pytest.mark.parametrize("params", [{}, {"interval": "year"}, {"since": "2022-06-01",
                                                             "until": "2023-06-30"}])  # fmt: skip
@pytest.mark.parametrize("measure", ["people", "bodies"])
@pytest.mark.parametrize("cumulative", ["false", "true"])
def test_undisclosed_figures_are_hatched_never_zero(client, params, measure, cumulative):
    rows = api(client, "/v1/statistics/timeseries", params)["data"]
    want = {(r["period"], s): r[f"undisclosed_{measure}_to_{s}"]
            for r in rows for s in SIDES if r[f"undisclosed_{measure}_to_{s}"]}  # fmt: skip
    root = svg(client, f"/embed/{measure}.svg", {**params, "cumulative": cumulative})
    assert marks(root) == want
    assert want, "the shipped data has undisclosed figures in every one of these windows"
    assert not [b for b in find(root, "rect") if b.get("data-value") == "0"]
    legend = " ".join(t.text or "" for t in find(root, "text"))
    assert "Not disclosed (not counted as 0)" in legend


@pytest.mark.parametrize("measure", ["people", "bodies"])
def test_mediators_hatch_what_was_not_disclosed(client, measure):
    found = api(client, "/v1/statistics/mediators", {})["data"]
    want = {(r["id"], s): r[f"undisclosed_{measure}_to_{s}"]
            for r in found for s in SIDES if r[f"undisclosed_{measure}_to_{s}"]}  # fmt: skip
    root = svg(client, "/embed/mediators.svg", {"measure": measure})
    assert marks(root) == want and want
    # A side whose every figure was withheld reads "not disclosed", never "0".
    for g in find(root, "g"):
        if g.get("class") != "pe-mediator":
            continue
        r = next(r for r in found if r["id"] == g.get("data-mediator"))
        texts = [t.text for t in g.findall(f"{SVG}text")]
        for s in SIDES:
            if r[f"undisclosed_{measure}_to_{s}"] and not r[f"{measure}_to_{s}"]:
                assert "not disclosed" in texts


def test_an_empty_selection_says_so(client):
    root = svg(client, "/embed/people.svg", {"since": "2026-06-08"})
    assert periods(root) == {}
    assert "No events in this selection." in desc(root)
    root = svg(client, "/embed/mediators.svg", {"mediator": "nobody-at-all"})
    assert "No events in this selection." in desc(root)


# ---- nothing from elsewhere; the link back; the small print ----------------------------------


@pytest.mark.parametrize(
    "path", ["/embed/people.svg?since=2024-01-01&kind=pow_exchange,mixed&lang=uk",
             "/embed/bodies.svg?cumulative=true", "/embed/mediators.svg?measure=bodies"],
)  # fmt: skip
def test_nothing_refers_outside_but_the_link_to_the_records(client, path):
    root = svg(client, path)
    refs = []
    for e in root.iter():
        for name, value in e.attrib.items():
            if "url(" in value:
                assert re.fullmatch(r"url\(#[\w-]+\)", value), value
                assert root.find(f".//*[@id='{value[5:-1]}']") is not None
            elif name.endswith("href") or "://" in value or value.startswith("//"):
                refs.append((e.tag, name, value))
    assert len(refs) == 1
    tag, _, href = refs[0]
    assert tag == f"{SVG}a"
    assert href.startswith(f"{BASE}/v1/exchanges?")


@pytest.mark.parametrize(
    ("path", "params", "events"),
    [("/embed/people.svg", {"since": "2024-01-01", "confidence": "high"}, "exchanges"),
     ("/embed/bodies", {"until": "2023-12-31"}, "repatriations"),
     ("/embed/people", {"kind": "mixed", "mediator": "uae"}, "exchanges")],
)  # fmt: skip
def test_the_link_shows_the_records_counted(client, path, params, events):
    r = get(client, path, {**params, "as_of_version": "1"})
    if path.endswith(".svg"):
        href = next(a.get("href") for a in find(ET.fromstring(r.content), "a"))
    else:
        href = next(a["href"] for tag, a in Page(r.text).tags if tag == "a")
    assert href is not None
    parts = urlsplit(href)
    query = dict(parse_qsl(parts.query))
    assert {k: query[k] for k in params} == params
    assert query["as_of_version"] == "1"
    listed = get(client, parts.path, {**query, "limit": "500"}).json()
    series = api(client, "/v1/statistics/timeseries", params)["data"]
    assert listed["meta"]["count"] == sum(row[events] for row in series)


def test_the_small_print_carries_version_coverage_and_the_citation(client):
    dataset = get(client, "/v1/dataset").json()["data"]
    version = dataset["version"]
    page = Page(get(client, "/embed/people").text)
    caption = " ".join(page.text)
    assert f"Dataset version {version} of " in caption
    assert "Curated up to June 7, 2026: no record after it means not yet curated" in caption
    assert f"Cite as: {dataset['citation']}" in caption
    root = svg(client, "/embed/people.svg")
    small = next(g for g in find(root, "g") if g.get("class") == "pe-small-print")
    drawn = " ".join(t.text or "" for t in small.iter(f"{SVG}text"))
    squeeze = re.compile(r"\s+")  # the SVG wraps the lines (and the address) to its width
    assert squeeze.sub("", f"Cite as: {dataset['citation']}") in squeeze.sub("", drawn)
    assert f"Dataset version {version} of " in drawn
    assert "The records behind this chart" in drawn


def test_every_language_cites_the_same_version_and_address(client):
    dataset = get(client, "/v1/dataset").json()["data"]
    for lang in ("uk", "ru"):
        caption = " ".join(Page(get(client, "/embed/bodies", {"lang": lang}).text).text)
        assert DATASET_TITLE in caption and AUTHOR in caption
        assert dataset["citation"].rsplit(" ", 1)[1] in caption  # the version's address
        assert words(Lang(lang), "embeds").date(dt_of(dataset["updated_at"]), "long") in caption


def dt_of(value: str) -> Any:
    import datetime as dt

    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()


# ---- the same filters, the same problems -----------------------------------------------------

BAD = [
    "kind=nope",
    "since=2024-13-01",
    "since=2024-05-01&until=2024-01-01",
    "confidence=certain",
    "min_total=-1",
    "mediator=UAE!",
    "interval=decade",
    "as_of_version=0",
    "as_of_version=999999",
    "figure_status=,",
    "q=" + "x" * 201,
]


@pytest.mark.parametrize("query", BAD)
@pytest.mark.parametrize("chart", ["people.svg", "bodies"])
def test_bad_filters_are_the_apis_own_problems(client, query, chart):
    ours = client.get(f"/embed/{chart}?{query}")
    theirs = client.get(f"/v1/statistics/timeseries?{query}")
    assert_problem(ours, 422)
    assert_problem(theirs, 422)
    assert {k: v for k, v in ours.json().items() if k != "instance"} == {
        k: v for k, v in theirs.json().items() if k != "instance"
    }


@pytest.mark.parametrize("query", [q for q in BAD if not q.startswith("interval")])
def test_bad_filters_of_the_mediators_chart_too(client, query):
    ours = client.get(f"/embed/mediators?{query}")
    theirs = client.get(f"/v1/statistics/mediators?{query}")
    assert {k: v for k, v in assert_problem(ours, 422).items() if k != "instance"} == {
        k: v for k, v in assert_problem(theirs, 422).items() if k != "instance"
    }


def test_measure_and_size_are_checked_and_unknown_charts_are_not_found(client):
    assert_problem(client.get("/embed/mediators.svg?measure=both"), 422, "measure")
    assert_problem(client.get("/embed/people.svg?size=huge"), 422, "size")
    assert_problem(client.get("/embed/total.svg"), 404)
    assert_problem(client.get("/embed/total"), 404)


# ---- caching, languages, pinning -----------------------------------------------------------


@pytest.mark.parametrize("path", ["/embed/people.svg?interval=quarter", "/embed/mediators"])
def test_etags_are_per_language_and_answer_304(client, path):
    tags = {}
    for lang in LANGS:
        r = get(client, path, **{"Accept-Language": f"{lang};q=0.9, de;q=0.5"})
        assert r.headers["content-language"] == lang
        assert "Accept-Language" in r.headers["vary"].split(", ")
        assert r.headers["x-dataset-version"] == "1"
        assert 'rel="cite-as"' in r.headers["link"]
        assert r.headers["last-modified"] and r.headers["cache-control"]
        tags[lang] = r.headers["etag"]
        assert tags[lang].startswith(f'"{lang}-')
        again = client.get(path, headers={"Accept-Language": lang, "If-None-Match": tags[lang]})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == tags[lang]
        assert again.headers["content-language"] == lang
    assert len(set(tags.values())) == 3
    # Another language's ETag is not this answer's.
    other = client.get(path, headers={"Accept-Language": "uk", "If-None-Match": tags["ru"]})
    assert other.status_code == 200
    # lang= wins over the header; an unknown one falls back (as on the page) instead of failing.
    sep = "&" if "?" in path else "?"
    assert get(client, f"{path}{sep}lang=ru", **{"Accept-Language": "uk"}).headers[
        "content-language"
    ] == "ru"  # fmt: skip
    assert get(client, f"{path}{sep}lang=de", **{"Accept-Language": "uk"}).headers[
        "content-language"
    ] == "uk"  # fmt: skip


def test_html_names_its_language(client):
    for lang in LANGS:
        page = Page(get(client, "/embed/people", {"lang": lang}).text)
        assert ("html", {"lang": lang}) in page.tags


def test_as_of_version_pins_a_published_chart(fresh_client, fresh_url):
    path = "/embed/people.svg?interval=year&lang=uk"
    before = get(fresh_client, path)
    pinned_before = get(fresh_client, f"{path}&as_of_version=1")
    assert pinned_before.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert desc(ET.fromstring(pinned_before.content)) == desc(ET.fromstring(before.content))
    assert load(fresh_url, ROOT / "tests" / "fixtures" / "data_2026_11") == 2
    now = get(fresh_client, path)
    assert now.headers["x-dataset-version"] == "2"
    assert now.headers["etag"] != before.headers["etag"]
    pinned = get(fresh_client, f"{path}&as_of_version=1")
    assert pinned.headers["x-dataset-version"] == "1"
    assert pinned.headers["etag"] == pinned_before.headers["etag"]
    assert desc(ET.fromstring(pinned.content)) == desc(ET.fromstring(before.content))
    assert desc(ET.fromstring(now.content)) != desc(ET.fromstring(before.content))
    revalidated = fresh_client.get(
        f"{path}&as_of_version=1", headers={"If-None-Match": pinned.headers["etag"]}
    )
    assert revalidated.status_code == 304


# ---- in Ukrainian and Russian, no English --------------------------------------------------


@pytest.mark.parametrize("lang", ["uk", "ru"])
@pytest.mark.parametrize(
    "path", ["/embed/people.svg", "/embed/people.svg?interval=week&since=2024-01-01&until=2024-03-31",
             "/embed/bodies.svg?cumulative=true&interval=quarter", "/embed/mediators.svg",
             "/embed/mediators.svg?measure=bodies", "/embed/people.svg?since=2026-06-08",
             "/embed/people", "/embed/mediators?measure=bodies&size=narrow"],
)  # fmt: skip
def test_ukrainian_and_russian_charts_have_no_english(client, path, lang):
    r = get(client, path, **{"Accept-Language": lang})
    if path.split("?")[0].endswith(".svg"):
        text = " ".join(ET.fromstring(r.content).itertext())
    else:
        text = " ".join(Page(r.text).text)
    assert english_left(text) == []
    assert re.search("[А-Яа-яІіЇїЄєҐґ]", text)


def test_mediators_are_named_in_each_language(client):
    names = {}
    for lang in LANGS:
        root = svg(client, "/embed/mediators.svg", {"lang": lang, "measure": "bodies"})
        names[lang] = desc(root)
    assert "International Committee of the Red Cross" in names["en"]
    assert "Міжнародний комітет Червоного Хреста" in names["uk"]
    assert "Международный комитет Красного Креста" in names["ru"]
    people = svg(client, "/embed/mediators.svg", {"lang": "uk"})
    assert "Обʼєднані Арабські Емірати" in desc(people)


def test_numbers_and_dates_are_in_each_languages_format(client):
    rows = api(client, "/v1/statistics/timeseries", {})["data"]
    total = sum(r["people_to_ukraine"] for r in rows)
    assert total > 1000
    for lang, number, date in (("en", f"{total:,}", "June 7, 2026"),
                               ("uk", f"{total:,}".replace(",", "\xa0"), "7 червня 2026"),
                               ("ru", f"{total:,}".replace(",", "\xa0"), "7 июня 2026")):  # fmt: skip
        text = desc(svg(client, "/embed/people.svg", {"lang": lang}))
        assert number in text and date in text, (lang, text)


# ---- the catalogs -------------------------------------------------------------------------


KEYWORDS = {"t": None, "plural": (1, 2), "N_": None}  # t(...), t.plural(...), N_(...)


def test_catalogs_translate_every_message():
    sources = [Path(charts.__file__), Path(embeds.__file__)]
    wanted = {
        m[1] if isinstance(m[1], str) else m[1][0]: m[1]
        for f in sources
        for m in extract_from_file("python", str(f), keywords=KEYWORDS)
    }
    assert len(wanted) > 30
    for lang in ("uk", "ru"):
        path = ROOT / "app" / "web" / "locales" / lang / "embeds.po"
        with path.open("rb") as fh:
            po = read_po(fh, locale=lang)
        text = path.read_text(encoding="utf-8")
        assert f'"Language: {lang}\\n"' in text
        assert "charset=UTF-8" in text
        assert "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && " in text
        found = {m.id if isinstance(m.id, str) else m.id[0]: m for m in po if m.id}
        assert set(found) == set(wanted), lang
        for key, message in found.items():
            assert not message.fuzzy
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(forms) and (len(forms) == 3) == (not isinstance(wanted[key], str))
            source = wanted[key] if isinstance(wanted[key], str) else " ".join(wanted[key])
            for form in forms:
                assert set(re.findall(r"{\w+}", form)) == set(re.findall(r"{\w+}", source))
                assert english_left(re.sub(r"{\w+}", " ", form)) == [], form


# ---- the HTML page: framable, strict, self-contained ----------------------------------------


def test_page_is_framable_strict_and_self_contained(client):
    r = get(client, "/embed/people", {"cumulative": "true", "lang": "uk"})
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    csp = r.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives == {
        "default-src": "'none'",
        "style-src": "'self'",
        "frame-ancestors": "*",
        "base-uri": "'none'",
        "form-action": "'none'",
    }
    assert "unsafe" not in csp and "script-src" not in csp
    # X-Frame-Options, if a layer adds it, is overridden by frame-ancestors in every current
    # browser (CSP Level 2); tests/browser/test_embeds.py frames the page from another origin.
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    page = Page(r.text)
    names = [tag for tag, _ in page.tags]
    assert "script" not in names and "style" not in names and "img" not in names
    assert not [a for _, a in page.tags if "style" in a or any(k.startswith("on") for k in a)]
    sheets = [a for tag, a in page.tags if tag == "link"]
    assert sheets == [{"rel": "stylesheet", "href": f"embed.css?v={embeds.STYLE_VERSION}"}]
    svgs = [a for tag, a in page.tags if tag == "svg"]
    classes = [(a["class"] or "").split() for a in svgs]
    assert [c[:2] for c in classes] == [["pe-chart", "pe-wide"], ["pe-chart", "pe-narrow"]]
    for c in classes:  # the floor of its proportions, and a rule for it in the stylesheet
        assert re.fullmatch(r"pe-r\d+", c[2]) and f".{c[2]} {{" in embeds.STYLE
    assert all("width" not in a and "height" not in a for a in svgs)  # sized by the stylesheet
    links = [a for tag, a in page.tags if tag == "a" and a.get("href")]
    assert len(links) == 1
    assert links[0]["target"] == "_blank" and links[0]["rel"] == "noopener"
    assert links[0]["href"].startswith(f"{BASE}/v1/exchanges?")
    # Two drawings, one of them shown: ids stay unique in the page.
    ids = re.findall(r'\bid="([^"]+)"', r.text)
    assert len(ids) == len(set(ids))
    svg_answer = get(client, "/embed/people.svg")
    assert svg_answer.headers["content-security-policy"] == "default-src 'none'; frame-ancestors *"


def test_stylesheet_is_cacheable_and_self_contained(client):
    r = get(client, f"/embed/embed.css?v={embeds.STYLE_VERSION}")
    assert r.headers["content-type"] == "text/css; charset=utf-8"
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "url(" not in r.text and "@import" not in r.text
    assert "prefers-color-scheme: dark" in r.text
    again = client.get("/embed/embed.css", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304


def luminance(colour: str) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("palette", [charts.LIGHT, charts.DARK])
def test_colours_pass_contrast_in_light_and_dark(palette):
    bg = palette["bg"]
    for text in ("fg", "muted", "link", "ukraine-line", "russia-line"):
        assert contrast(palette[text], bg) >= 4.5, text  # words (end labels use the line colours)
    for side in ("ukraine", "russia"):
        # A bar is told from the background by its outline (the line colour), the side's
        # fill from the other side's.
        assert contrast(palette[f"{side}-line"], bg) >= 3
        assert max(contrast(palette[side], bg), contrast(palette[f"{side}-line"], bg)) >= 3


# ---- for the dashboard's "Embed this chart" box --------------------------------------------


def test_iframe_code_pins_the_version_and_is_served(client):
    code = embeds.iframe_code(
        BASE, "mediators", {"measure": "bodies", "since": "2023-01-01", "lang": "en"}, version=1,
        lang="uk",
    )  # fmt: skip
    src = re.search(r'src="([^"]+)"', code)
    assert src is not None
    url = src.group(1).replace("&amp;", "&")
    parts = urlsplit(url)
    assert parts.path == "/embed/mediators"
    assert dict(parse_qsl(parts.query)) == {"measure": "bodies", "since": "2023-01-01",
                                             "lang": "uk", "as_of_version": "1"}  # fmt: skip
    assert 'title="Повернуті тіла загиблих, за посередниками"' in code
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in code
    r = get(client, f"{parts.path}?{parts.query}")
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert embeds.embed_url(BASE, "people", svg=True) == f"{BASE}/embed/people.svg"
    with pytest.raises(ValueError):
        embeds.embed_url(BASE, "total")


def test_figures_by_hand_on_the_small_fixture(small_client):
    """tests/fixtures/small, worked out by hand (see tests/test_statistics.py): no coverage is
    set there, so the series spans the events and the small print says so."""
    root = svg(small_client, "/embed/people.svg", {"interval": "year"})
    text = desc(root)
    assert (
        "In all: 6 exchanges; returned to Ukraine: 139 people (not disclosed: 1 exchange); "
        "to Russia: 128 people (not disclosed: 1 exchange)." in text
    )
    assert "The curators have not set the coverage yet." in text
    assert list(periods(root)) == ["2024", "2025"]
    assert marks(root) == {("2024", "ukraine"): 1, ("2024", "russia"): 1}
    bodies = desc(svg(small_client, "/embed/bodies.svg", {"lang": "uk"}))
    assert "Усього: 1 репатріація; повернуто в Україну: 50 тіл;" in bodies
    caption = " ".join(Page(get(small_client, "/embed/mediators", {"lang": "ru"}).text).text)
    assert "ни одна дата не подтверждена" in caption


def test_an_empty_dataset_draws_an_empty_chart(empty_url):
    from tests.conftest import make_client

    with make_client(empty_url) as c:
        for path in ("/embed/people.svg", "/embed/mediators", "/embed/bodies?cumulative=true"):
            r = get(c, path)
            assert r.headers["x-dataset-version"] == "0"
            assert "No events in this selection." in r.text
