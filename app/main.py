"""Builds the app: middleware, error handlers, routers, docs."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from app import openapi, problems
from app.codebook import DATASET_TITLE, PRIVACY_RULE, UNDISCLOSED_RULE
from app.middleware import HeadAsGet, ReadOnlyCORS
from app.routers import (
    admin,
    agreements,
    claims,
    dataset,
    exchanges,
    mediators,
    ops,
    page,
    sources,
    statistics,
)

DESCRIPTION = f"""{DATASET_TITLE}: a curated, source-cited dataset, read-only for everyone.

Every answer carries the dataset version (`meta.dataset_version`); pass it back as
`as_of_version` to reproduce the answer exactly. Errors are RFC 9457 problem documents.

{UNDISCLOSED_RULE}

{PRIVACY_RULE}
"""

EXPOSED = [
    "ETag",
    "Link",
    "Last-Modified",
    "X-Dataset-Version",
    "Content-Disposition",
    "Retry-After",
]


def create_app() -> FastAPI:
    app = FastAPI(
        title="pow-exchanges",
        version="1",
        summary="Prisoner-of-war exchanges between Ukraine and Russia, with sources.",
        description=DESCRIPTION,
        license_info={"name": "Data: CC-BY-4.0", "identifier": "CC-BY-4.0"},
    )
    problems.install(app)
    for module in (exchanges, sources, mediators, claims, agreements, statistics, dataset, ops,
                   page):  # fmt: skip
        app.include_router(module.router)
    for router in admin.routers:
        app.include_router(router)
    openapi.install(app, admin.INPUT_MODELS)
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(
        ReadOnlyCORS,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=["If-None-Match", "If-Modified-Since", "Accept"],
        expose_headers=EXPOSED,
        max_age=86400,
    )
    app.add_middleware(HeadAsGet)
    return app


app = create_app()
