"""GET /: the dashboard page, its one script and its one stylesheet.

The page is a plain client of the public API: it holds no data of its own, so it is served as
three static files read once at import. The HTML names each asset with a hash of its bytes
(`?v=...`), so a new release is picked up at once even though the assets are cached.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.http import matches, not_modified

STATIC = Path(__file__).resolve().parent / "static"

# Strict: nothing inline, nothing from elsewhere. `data:` images only for the blank favicon.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
ASSET_CACHE = "public, max-age=300"
PAGE_CACHE = "no-cache"  # revalidate the HTML each time (cheap: ETag), so asset URLs stay fresh
COMMON = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    etag: str
    headers: dict[str, str]


def _digest(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=12).hexdigest()


def _asset(body: bytes, media_type: str, headers: dict[str, str]) -> Asset:
    return Asset(body, media_type, f'"{_digest(body)}"', {**COMMON, **headers})


def _load() -> dict[str, Asset]:
    script = (STATIC / "app.js").read_bytes()
    style = (STATIC / "app.css").read_bytes()
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    for name, body in (("app.js", script), ("app.css", style)):
        html = html.replace(f'"static/{name}"', f'"static/{name}?v={_digest(body)[:12]}"')
    return {
        "page": _asset(
            html.encode("utf-8"),
            "text/html; charset=utf-8",
            {"Content-Security-Policy": CSP, "Cache-Control": PAGE_CACHE},
        ),
        "app.js": _asset(script, "text/javascript; charset=utf-8", {"Cache-Control": ASSET_CACHE}),
        "app.css": _asset(style, "text/css; charset=utf-8", {"Cache-Control": ASSET_CACHE}),
    }


ASSETS = _load()


def _serve(request: Request, asset: Asset) -> Response:
    headers = {"ETag": asset.etag, **asset.headers}
    if matches(request.headers.get("if-none-match"), asset.etag):
        return not_modified(asset.etag, asset.headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


@router.get("/")
def page(request: Request) -> Response:
    """The dashboard: the dataset at a glance, drawn from the API by the browser."""
    return _serve(request, ASSETS["page"])


@router.get("/static/app.js")
def script(request: Request) -> Response:
    return _serve(request, ASSETS["app.js"])


@router.get("/static/app.css")
def stylesheet(request: Request) -> Response:
    return _serve(request, ASSETS["app.css"])
