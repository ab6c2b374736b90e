"""Builds the app: middleware, error handlers, routers, docs."""

from __future__ import annotations

import functools
import gc
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette_compress import CompressMiddleware, add_compress_type

from app import observability, openapi, problems
from app.cache import Highest, ResponseCache, VersionSource
from app.codebook import DATASET_TITLE, PRIVACY_RULE, UNDISCLOSED_RULE
from app.config import Settings, get_settings
from app.db import make_engine
from app.fastlane import FastLane
from app.front import Front
from app.http import COMPRESS_MIN, release
from app.middleware import AllowedHosts, BoundedQuery, HeadAsGet, ReadOnlyCORS
from app.routers import (
    admin,
    agreements,
    claims,
    dataset,
    docs,
    exchanges,
    mediators,
    ops,
    responses,
    sources,
    statistics,
)
from app.web import embeds, feeds, pages

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


class App(FastAPI):
    """FastAPI with the response cache in front of its whole middleware stack, so a hit costs
    neither routing nor the framework's own per-request work."""

    front: Any = None
    allowed_hosts: Sequence[str] = ("*",)
    reads_in_loop = False  # the fast lane reads in the event loop (SQLite) or in a thread

    def build_middleware_stack(self) -> ASGIApp:
        # Observe sees every request, cache hits included; Routed tells it the route template.
        # The host is checked before anything can answer, the response cache included. The
        # fast lane answers what the cache misses on its path (see app.fastlane).
        inner: ASGIApp = observability.Routed(super().build_middleware_stack())
        if not self.front:
            checked = AllowedHosts(BoundedQuery(HeadAsGet(inner)), self.allowed_hosts)
            return observability.Observe(checked, cached=False)
        cache = self.front(FastLane(inner, in_loop=self.reads_in_loop))
        hosts = AllowedHosts(BoundedQuery(HeadAsGet(cache)), self.allowed_hosts)
        observe = observability.Observe(hosts, cached=True)
        # A cache hit is answered at the front door, by the same pieces (see app.front).
        return Front(observe, cache=cache, hosts=hosts, observe=observe)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Straight to the stack for HTTP: FastAPI's own OpenTelemetry hook is not configured
        # here (app.observability measures every request), and merely asking whether it is
        # reads the environment three times a request, more than a cached answer costs.
        # What Starlette.__call__ does, without its frame.
        if scope["type"] == "http":
            if self.root_path:
                scope["root_path"] = self.root_path
            scope["app"] = self
            if self.middleware_stack is None:
                self.middleware_stack = self.build_middleware_stack()
            await self.middleware_stack(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


# Our text formats beyond starlette-compress' list of compressible types (JSON, HTML, ...).
for _media in ("text/csv", "application/x-ndjson", "application/problem+json",
               "application/x-bibtex", "application/vnd.citationstyles.csl+json"):  # fmt: skip
    add_compress_type(_media)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app for `settings` (by default, the environment's), with an engine of its own."""
    settings = settings or get_settings()
    observability.configure_logging(settings.log_level, access=settings.access_log)
    release()  # the code's stamp in every ETag: worked out once, before the first request
    engine = make_engine(settings.database_url, query_timeout=settings.query_timeout)
    read_url = settings.database_read_url or settings.database_url
    read_engine = (
        make_engine(read_url, query_timeout=settings.query_timeout)
        if settings.database_read_url
        else engine
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Everything loaded at start lives as long as the process: keep it out of the
        # collector's way, so full collections stay short under load (tail latency).
        gc.collect()
        gc.freeze()
        yield
        observability.flush_access_log()  # a clean shutdown writes every kept line
        engine.dispose()
        read_engine.dispose()
        loop_engine = getattr(app.state, "loop_engine", None)
        if loop_engine is not None:
            loop_engine.dispose()

    app = App(
        lifespan=lifespan,
        title="pow-exchanges",
        version="1",
        summary="Prisoner-of-war exchanges between Ukraine and Russia, with sources.",
        description=DESCRIPTION,
        license_info={"name": "Data: CC-BY-4.0", "identifier": "CC-BY-4.0"},
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.allowed_hosts = settings.allowed_host_list()
    app.state.engine = engine  # writes (and /readyz's migration check)
    app.state.read_engine = read_engine
    app.state.highest = highest = Highest()  # the newest version this process has served
    problems.install(app)
    observability.install(app)  # GET /metrics; counts what the error handlers answer
    for module in (exchanges, sources, mediators, claims, agreements, statistics, dataset, ops,
                   pages, feeds, embeds):  # fmt: skip
        app.include_router(module.router)
    for router in admin.routers:
        app.include_router(router)
    openapi.install(app, [*admin.INPUT_MODELS, *responses.SCHEMAS])
    docs.install(app)
    app.add_middleware(CompressMiddleware, minimum_size=COMPRESS_MIN)
    if settings.response_cache:
        versions = VersionSource(read_url, settings.version_ttl, highest)
        app.state.versions = versions
        if read_engine.dialect.name == "sqlite":
            # The fast lane's reads run in the event loop, one at a time, on a connection of
            # their own: never waiting for the pool the worker threads share (a loop blocked
            # on a connection that only the loop could give back would stop the server).
            app.reads_in_loop = True
            app.state.loop_engine = make_engine(
                read_url, query_timeout=settings.query_timeout, connections=1
            )
        app.front = functools.partial(
            ResponseCache, versions=versions, max_bytes=settings.response_cache_mb * 2**20,
            cors=[(b"access-control-allow-origin", b"*"),
                  (b"access-control-expose-headers", ", ".join(EXPOSED).encode())],
        )  # fmt: skip
    app.add_middleware(
        ReadOnlyCORS,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=["If-None-Match", "If-Modified-Since", "Accept"],
        expose_headers=EXPOSED,
        max_age=86400,
    )
    return app


app = create_app()
