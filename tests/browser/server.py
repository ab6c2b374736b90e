"""The app the browser tests serve: the real one, with the dashboard's router included once.

`uvicorn --factory tests.browser.server:build_app`; DATABASE_URL names the database.
"""

from __future__ import annotations

from fastapi import FastAPI

from app.main import create_app
from app.routers import page


def has_page(app: FastAPI) -> bool:
    """Is the page router in already? (FastAPI may keep an included router whole, as a route.)"""
    return any(
        getattr(route, "original_router", None) is page.router
        or getattr(route, "path", None) == "/"
        for route in app.routes
    )


def build_app() -> FastAPI:
    """create_app(), plus the page router unless create_app() already includes it."""
    app = create_app()
    if not has_page(app):
        app.include_router(page.router)
    return app
