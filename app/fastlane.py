"""The fast lane: a never-seen page of GET /v1/exchanges without the framework's per-request
work, through the very same parser and code.

FastAPI resolves a route's parameters anew on every request (for sixteen of them, more than
the database takes to answer), and runs a sync route in a worker thread. When the response
cache misses on this path, the fast lane reads the query with the route's own parameter model
(deps.ExchangeListQuery, which FastAPI uses for the route too) and calls the route function
itself (routers.exchanges.list_exchanges): the same rules, queries, headers and bytes. Anything
it cannot answer as the route would goes to the framework untouched: input the model refuses
(the framework then answers the 422 from the same model), a rule the route raises (the same),
or any error at all (the one error path of app.problems answers it). A read changes nothing,
so trying it first never has an effect of its own.

It sits behind the response cache, which adds the CORS grant and compresses, as it does for
every answer it keeps; so it is only installed with the cache. On SQLite the read runs in the
event loop (a local file, under a millisecond: cheaper than a thread trip); on PostgreSQL in
the thread pool, as the framework would.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.deps import IN_LOOP, ExchangeListQuery, query_values
from app.observability import SLOT

PATH = "/v1/exchanges"


def answer(scope: Scope) -> Response | None:
    """The route's own answer to this request, or None for the framework to give it."""
    request = Request(scope)
    try:
        params = ExchangeListQuery.model_validate(query_values(request.query_params,
                                                               ExchangeListQuery))  # fmt: skip
    except ValidationError:
        return None
    if params.stream:  # a download of any size: the framework streams it
        return None
    from app.routers.exchanges import list_exchanges

    try:
        return list_exchanges(request, params)
    except Exception:
        return None


class FastLane:
    """ASGI middleware in front of the framework, behind the response cache."""

    def __init__(self, app: ASGIApp, *, in_loop: bool) -> None:
        self.app = app
        self.in_loop = in_loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        if self.in_loop:
            response = answer({**scope, IN_LOOP: True})
        else:
            response = await run_in_threadpool(answer, scope)
        if response is None:
            await self.app(scope, receive, send)
            return
        slot: Any = scope.get(SLOT)
        if slot is not None:
            slot[0] = PATH  # the route template, for the access log and the metrics
        await response(scope, receive, send)
