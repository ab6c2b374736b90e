"""Plain ASGI middleware that sits in front of the framework."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_QUERY = 8192  # bytes of query string; as much as a proxy's request line usually allows


class BoundedQuery:
    """A query string longer than MAX_QUERY is a 414 problem before anything reads it (each
    parameter has its own cap too; this bounds the whole, repeats included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and len(scope.get("query_string", b"")) > MAX_QUERY:
            from app.problems import problem_response

            detail = f"The query string is longer than {MAX_QUERY} bytes."
            # Answered before the CORS middleware: a dashboard's browser must still be allowed
            # to read why (reads are open to any origin; admin routes get no grant).
            admin = scope["path"].startswith("/v1/admin")
            grant = None if admin else {"Access-Control-Allow-Origin": "*"}
            answer = problem_response(414, detail, instance=scope["path"], headers=grant)
            await answer(scope, receive, send)
            return

        await self.app(scope, receive, send)


# Probes and scrapers name the process by its address (a Kubernetes probe sends the pod's IP as
# Host): they are answered whatever the host.
PROBES = frozenset(("/healthz", "/readyz", "/metrics"))
SEEN_HOSTS = 1024  # Host values whose verdict is kept (a spray of forged ones is asked anew)


class AllowedHosts:
    """Answer only for ALLOWED_HOSTS. Starlette's TrustedHostMiddleware decides; a host it
    refuses gets a 400 problem document instead of its plain text, naming neither the host nor
    any link to it. It sits in front of the response cache, which keys by host: a refused host
    is never answered from it, and nothing is ever kept under one.

    The verdict is kept per Host value: asking the middleware (header parsing, a regex) cost
    half as much again as a whole cached answer."""

    def __init__(self, app: ASGIApp, hosts: Sequence[str]) -> None:
        self.app = app
        self.trusted = TrustedHostMiddleware(_let_through, allowed_hosts=hosts,
                                             www_redirect=False)  # fmt: skip
        self.verdicts: dict[bytes | None, bool] = {}

    def allowed_before(self, host: bytes | None) -> bool:
        """Whether this Host is known to be allowed (its verdict kept, or any host is)."""
        return self.trusted.allow_any or self.verdicts.get(host) is True

    async def _allowed(self, scope: Scope, receive: Receive) -> bool:
        """Ask TrustedHostMiddleware: it calls the app (_let_through) only for a good host."""
        probe: Scope = {"type": "http", "headers": scope["headers"], _PASSED: False}

        async def swallow(_message: Message) -> None:
            return None

        await self.trusted(probe, receive, swallow)
        return bool(probe[_PASSED])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or self.trusted.allow_any
            or scope["path"] in PROBES  # no links, never cached
        ):
            await self.app(scope, receive, send)
            return
        host = next((v for k, v in scope["headers"] if k == b"host"), None)
        allowed = self.verdicts.get(host)
        if allowed is None:
            allowed = await self._allowed(scope, receive)
            if len(self.verdicts) < SEEN_HOSTS:
                self.verdicts[host] = allowed
        if allowed:
            await self.app(scope, receive, send)
            return
        from app.problems import problem_response

        answer = problem_response(
            400,
            "This server does not answer for the host named in the request's Host header; "
            "use its public address.",
            instance=scope["path"],
            headers={"Cache-Control": "no-store"},
        )
        await answer(scope, receive, send)


_PASSED = "pow_exchanges.host_allowed"


async def _let_through(scope: Scope, _receive: Receive, _send: Send) -> None:
    scope[_PASSED] = True


HEAD_ONLY = "pow_exchanges.head"  # scope key: the GET is a HEAD, no body will be sent


class HeadAsGet:
    """Answer HEAD wherever GET is answered: run the GET, send its headers, drop its body.
    A streamed answer sees HEAD_ONLY and reads nothing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        await self.app({**scope, "method": "GET", HEAD_ONLY: True}, receive, send_headers_only)


class ReadOnlyCORS:
    """Starlette's CORS for reads; admin routes get no CORS grant at all."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        allow_origins: Sequence[str],
        allow_methods: Sequence[str],
        allow_headers: Sequence[str],
        expose_headers: Sequence[str],
        max_age: int,
    ) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=allow_origins,
            allow_methods=allow_methods,
            allow_headers=allow_headers,
            expose_headers=expose_headers,
            max_age=max_age,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/v1/admin"):
            await self.app(scope, receive, send)
            return
        await self.cors(scope, receive, send)
