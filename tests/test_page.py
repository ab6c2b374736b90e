"""GET /: the dashboard page and its two assets, without a browser (tests/browser has one)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.web import pages as page

BASE = "http://testserver/"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> and <style>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline: dict[str, str] = {"script": "", "style": ""}
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in self.inline:
            self._open = tag

    def handle_endtag(self, tag):
        if tag == self._open:
            self._open = None

    def handle_data(self, data):
        if self._open:
            self.inline[self._open] += data

    def all(self, tag):
        return [attrs for t, attrs in self.tags if t == tag]


@pytest.fixture(scope="module")
def web():
    # No database: the page and its assets are static; the browser fetches the data.
    with TestClient(create_app()) as c:
        yield c


@pytest.fixture(scope="module")
def html(web):
    r = web.get("/")
    assert r.status_code == 200
    parser = Tags()
    parser.feed(r.text)
    return parser


def same_origin(url: str) -> bool:
    target = urlsplit(urljoin(BASE, url))
    return (target.scheme, target.netloc) == ("http", "testserver")


def test_page_is_html_with_a_strict_csp(web):
    r = web.get("/")
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["etag"]
    assert "<table" in r.text and "<caption" in r.text


def test_one_script_one_stylesheet_from_the_app_and_nothing_inline(html):
    scripts = html.all("script")
    code = [a for a in scripts if a.get("type") != "application/json"]
    assert len(code) == 1 and code[0]["src"] and same_origin(code[0]["src"])
    # The words of the script: a JSON data block, which a browser never runs (so the CSP
    # without 'unsafe-inline' stands), and nothing else inline.
    (data,) = [a for a in scripts if a.get("type") == "application/json"]
    assert data["id"] == "strings" and json.loads(html.inline["script"]) == {}
    sheets = [a for a in html.all("link") if a.get("rel") == "stylesheet"]
    assert len(sheets) == 1 and same_origin(sheets[0]["href"] or "")
    assert html.inline["style"] == ""
    assert not html.all("style")
    for tag, attrs in html.tags:
        assert "style" not in attrs, tag
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        for key in ("src", "href", "action"):
            url = attrs.get(key)
            if url is None:
                continue
            if url.startswith("data:"):  # the blank favicon, so no request is made for one
                assert tag == "link" and attrs.get("rel") == "icon"
            else:
                assert same_origin(url), (tag, url)


def test_page_links_the_data_and_the_docs(html):
    hrefs = {a["href"] for a in html.all("a")}
    for want in ("docs", "v1/dataset/export", "v1/dataset/citation"):
        assert want in hrefs
    assert any(h.startswith("v1/exchanges?") and "format=csv" in h for h in hrefs)


def test_controls_are_labelled_and_the_table_semantic(html):
    labelled = {a["for"] for a in html.all("label")}
    controls = [a["id"] for t, a in html.tags if t in ("input", "select")]
    assert controls and set(controls) <= labelled
    headers = html.all("th")
    assert headers and all(h.get("scope") in ("col", "row") for h in headers)


@pytest.mark.parametrize(
    ("name", "media"), [("app.js", "text/javascript"), ("app.css", "text/css")]
)
def test_assets_are_cacheable_and_revalidate(web, html, name, media):
    refs = [a.get("src") or a.get("href") or "" for t, a in html.tags if t in ("script", "link")]
    (ref,) = [r for r in refs if r.startswith(f"static/{name}")]
    # The page names each asset with a hash of its content, so a release is seen at once.
    assert re.fullmatch(rf"static/{re.escape(name)}\?v=[0-9a-f]{{12}}", ref)
    r = web.get("/" + ref)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)
    assert r.headers["cache-control"] == "public, max-age=300"
    etag = r.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{24}"', etag)
    assert r.content == (page.STATIC / name).read_bytes()

    again = web.get(f"/static/{name}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == "public, max-age=300"
    assert web.get(f"/static/{name}", headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert web.get(f"/static/{name}", headers={"If-None-Match": '"other"'}).status_code == 200


def test_page_revalidates_too(web):
    etag = web.get("/").headers["etag"]
    r = web.get("/", headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.content == b""
    assert r.headers["content-security-policy"] == CSP
    head = web.head("/")
    assert head.status_code == 200 and head.content == b""


def test_assets_stay_small_and_self_contained():
    script = (page.STATIC / "app.js").read_text(encoding="utf-8")
    style = (page.STATIC / "app.css").read_text(encoding="utf-8")
    # The only absolute URL in the script is the SVG namespace, which is never fetched.
    assert re.findall(r"https?://[^\s\"'`]+", script) == ["http://www.w3.org/2000/svg"]
    for risky in ("innerHTML", "outerHTML", "insertAdjacentHTML", "eval(", "new Function"):
        assert risky not in script
    assert "@import" not in style and not re.search(r"url\((?!#)", style)
    sizes = [len((page.STATIC / n).read_bytes()) for n in ("app.js", "app.css")]
    sizes.append(len((page.TEMPLATES / "index.html").read_bytes()))
    assert sum(sizes) < 64_000, sizes


def test_the_page_is_not_part_of_the_api_description(web):
    paths = web.get("/openapi.json").json()["paths"]
    assert "/" not in paths and not [p for p in paths if p.startswith("/static")]
