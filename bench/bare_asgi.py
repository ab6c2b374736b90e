"""A bare ASGI app: the Python floor for serving our page's exact bytes.

The benchmark runs it as `uvicorn bench.bare_asgi:app --no-access-log --log-level warning` (one
worker, uvloop and httptools from uvicorn[standard]). It reads the body once at import from
BENCH_PAGE (default `bench/out/page.json`, saved by `bench/run.py` from our API's
`GET /v1/exchanges?limit=50`) and answers every HTTP request with it, as application/json.
No routing, no validation, no database: only what any Python ASGI server must do per request.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

PAGE = Path(os.environ.get("BENCH_PAGE") or Path(__file__).resolve().parent / "out" / "page.json")
BODY = PAGE.read_bytes()
HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(BODY)).encode("ascii")),
]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer every request with BODY; acknowledge lifespan events."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
