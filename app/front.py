"""The front door: a repeated read answered in one step, before any middleware.

Most reads repeat (dashboards poll), and the response cache answers them without the
framework. What was left on that path was the middleware in front of the cache, each doing
per request what is the same for every answer of one entry: five layers of ASGI calls, and
Observe's security headers worked out anew every time. The front door asks the same pieces
directly for a plain GET the cache holds: the host's verdict as AllowedHosts keeps it (only
a host already allowed), the query's size as BoundedQuery bounds it, the cache's own lookup
and answer (304, compression, CORS), the security headers Observe adds (worked out once per
entry, by Observe's own function), and Observe's own count and access line. Anything else (a
host not seen yet, a HEAD, a miss, a request the cache never keeps) goes through the whole
stack unchanged, which answers it as before.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Receive, Scope, Send

from app.cache import ResponseCache, request_headers
from app.middleware import MAX_QUERY, AllowedHosts
from app.observability import Observe, request_id, security_headers


class Front:
    """ASGI: the whole stack (`stack`), with its cache hits answered first."""

    def __init__(
        self, stack: ASGIApp, *, cache: ResponseCache, hosts: AllowedHosts, observe: Observe
    ) -> None:
        self.stack = stack
        self.cache = cache
        self.hosts = hosts
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or len(scope.get("query_string", b"")) > MAX_QUERY
        ):
            await self.stack(scope, receive, send)
            return
        began = time.perf_counter()
        request = request_headers(scope)
        entry = (
            self.cache.lookup(scope, request)
            if self.hosts.allowed_before(request.get(b"host"))
            else None
        )
        if entry is None:
            await self.stack(scope, receive, send)
            return
        if entry.secured is None:
            entry.secured = security_headers(entry.headers, entry.body)
        rid = request_id(request.get(b"x-request-id"))
        extra = [*entry.secured, (b"x-request-id", rid.encode("ascii"))]
        status = 500
        error: BaseException | None = None
        try:
            status = await self.cache.answer(request, send, entry, extra)
        except BaseException as exc:
            error = exc
            raise
        finally:
            self.observe.done(scope, None, status, time.perf_counter() - began, error, rid)
