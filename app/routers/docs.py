"""/docs and /redoc served with their assets from the app itself, never from a CDN.

The assets come from the maintained `fastapi-offline` package (Swagger UI and ReDoc bundles);
the pages are FastAPI's own, pointed at those local files.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

ASSETS = Path(fastapi_offline.__file__).parent / "static"
PREFIX = "/static-docs"


def install(app: FastAPI) -> None:
    """Mount the bundles and serve the two viewers (FastAPI's CDN pages must be off)."""
    app.mount(PREFIX, StaticFiles(directory=ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title=f"{app.title}: API documentation",
            swagger_js_url=f"{root}{PREFIX}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{PREFIX}/swagger-ui.css",
            swagger_favicon_url=f"{root}{PREFIX}/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}/openapi.json",
            title=f"{app.title}: API reference",
            redoc_js_url=f"{root}{PREFIX}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{PREFIX}/favicon.png",
            with_google_fonts=False,
        )
