"""GET /: the dashboard page, its one script and its one stylesheet.

The page is a plain client of the public API: it holds no data of its own. It is rendered once
per language at import (templates/index.html, with the words of the dashboard catalog, and the
words its script needs as a JSON data block), and its assets are static files. The HTML names
each asset with a hash of its bytes (`?v=...`), so a new release is picked up at once even
though the assets are cached.
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter, Request
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.responses import Response

from app.web import i18n
from app.web.assets import Asset, serve
from app.web.i18n import Lang

STATIC = Path(__file__).resolve().parent / "static"
TEMPLATES = Path(__file__).resolve().parent / "templates"
DOMAIN = "dashboard"

# Strict: nothing inline, nothing from elsewhere. `data:` images only for the blank favicon.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
PAGE_CACHE = "no-cache"  # revalidate the HTML each time (cheap: ETag), so asset URLs stay fresh

router = APIRouter(include_in_schema=False)


KINDS = {
    "pow_exchange": "Prisoner exchange",
    "mixed": "Mixed: prisoners of war and civilians",
    "civilian_release": "Civilian release",
    "bodies_repatriation": "Repatriation of bodies",
}


def render(lang: Lang, assets: dict[str, str]) -> bytes:
    """The page in one language: its words, and those of its script as a JSON data block
    (a data block is never run, so the strict CSP stays: no inline script)."""
    words = i18n.words(lang, DOMAIN)
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined, keep_trailing_newline=True,
    )  # fmt: skip
    messages = i18n.catalog(lang, DOMAIN).messages
    strings: dict[str, str | dict[str, str]] = {
        k: v for k, v in messages.items() if isinstance(v, str)
    }
    strings.update(i18n.plural_forms(lang, DOMAIN))
    # "<" escaped, so no text can close the data block early: safe to mark as markup.
    data = Markup(  # noqa: S704
        json.dumps(strings, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")
    )
    html = env.get_template("index.html").render(
        _=words, lang=lang.value, langs={k.value: v for k, v in i18n.NAMES.items()},
        kinds={k: words(v) for k, v in KINDS.items()}, assets=assets, strings=data,
    )  # fmt: skip
    return html.encode("utf-8")


def _load() -> dict[str, Asset]:
    script = Asset((STATIC / "app.js").read_bytes(), "text/javascript; charset=utf-8")
    style = Asset((STATIC / "app.css").read_bytes(), "text/css; charset=utf-8")
    urls = {"app.js": script.url("static/app.js"), "app.css": style.url("static/app.css")}
    pages = {
        f"page.{lang.value}": Asset(
            render(lang, urls),
            "text/html; charset=utf-8",
            PAGE_CACHE,
            {
                "Content-Security-Policy": CSP,
                "Content-Language": lang.value,
                "Vary": "Accept-Language",
            },
        )
        for lang in Lang
    }
    return {**pages, "app.js": script, "app.css": style}


ASSETS = _load()


@router.get("/")
def page(request: Request) -> Response:
    """The dashboard: the dataset at a glance, drawn from the API by the browser, in the
    reader's language (lang=, else Accept-Language, else English)."""
    lang = i18n.request_lang(request)
    return serve(request, ASSETS[f"page.{lang.value}"])


@router.get("/static/app.js")
def script(request: Request) -> Response:
    return serve(request, ASSETS["app.js"])


@router.get("/static/app.css")
def stylesheet(request: Request) -> Response:
    return serve(request, ASSETS["app.css"])
