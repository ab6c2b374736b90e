"""Curators' bearer tokens: hashed at rest, compared in constant time, failures slowed down.

ADMIN_TOKENS holds `name:sha256-hex` pairs; the server never sees a token in clear except in
the request that presents it, and never logs or stores it. After too many failures from one
client in a window (AUTH_FAILURE_LIMIT, 20 a minute by default), every attempt from it (a
correct token included) gets 429 until the window ends. The window is kept per process: with
several workers a client gets up to workers x the limit, which still stops guessing.

A request with no Authorization header presents nothing to guess with: it gets 401 and is not
counted (nor refused with 429), so a client that forgot its token, or a scanner checking that
writes need one, never locks out the curator behind the same address.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from app.problems import TooManyRequests, Unauthorized

MAX_FAILURES = 20
WINDOW_SECONDS = 60.0
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def parse_tokens(setting: str) -> dict[str, bytes]:
    """`name:sha256-hex,...` -> {name: digest}; malformed entries are refused loudly."""
    out: dict[str, bytes] = {}
    for entry in (e.strip() for e in setting.split(",")):
        if not entry:
            continue
        name, _, digest = entry.partition(":")
        name, digest = name.strip(), digest.strip().lower()
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,80}", name) or not _HEX64.match(digest):
            raise ValueError(
                "ADMIN_TOKENS entries must be name:sha256-hex (64 hex digits); "
                "make one with `pow-exchanges token new NAME`"
            )
        out[name] = bytes.fromhex(digest)
    return out


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def identify(tokens: dict[str, bytes], presented: str) -> str | None:
    """The name of the token presented, comparing against every digest in constant time."""
    digest = hashlib.sha256(presented.encode()).digest()
    found = None
    for name, expected in tokens.items():
        if secrets.compare_digest(digest, expected):
            found = name
    return found


@dataclass
class FailureLimiter:
    """Counts failed authentications per client over a sliding window; each check gives the
    limit (the AUTH_FAILURE_LIMIT setting)."""

    window: float = WINDOW_SECONDS
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.setdefault(client, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def check(self, client: str, limit: int = MAX_FAILURES) -> None:
        """429 while the client has used up its failures for the window."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(client, now)
            if len(times) >= limit:
                retry = max(1, int(self.window - (now - times[0])) + 1)
                raise TooManyRequests(
                    f"Too many failed authentications; try again in {retry} seconds.",
                    headers={"Retry-After": str(retry)},
                )

    def fail(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent(client, now).append(now)
            if len(self._failures) > 10_000:  # bound memory under a spray of addresses
                for key in [k for k, v in self._failures.items() if not v][:5_000]:
                    del self._failures[key]


def unauthorized(detail: str) -> Unauthorized:
    return Unauthorized(detail, headers={"WWW-Authenticate": 'Bearer realm="pow-exchanges"'})


def authenticate(
    header: str | None,
    tokens: dict[str, bytes],
    limiter: FailureLimiter,
    client: str,
    limit: int = MAX_FAILURES,
) -> str:
    """The token's name, or 401 / 429. Never echoes the token."""
    if header is None or not header.strip():  # no credentials: nothing guessed, nothing counted
        if not tokens:
            raise unauthorized("Writes are disabled: no admin tokens are configured.")
        raise unauthorized("Send Authorization: Bearer <token>.")
    limiter.check(client, limit)
    if not tokens:
        limiter.fail(client)
        raise unauthorized("Writes are disabled: no admin tokens are configured.")
    scheme, _, presented = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        limiter.fail(client)
        raise unauthorized("Send Authorization: Bearer <token>.")
    name = identify(tokens, presented.strip())
    if name is None:
        limiter.fail(client)
        raise unauthorized("The token is not valid.")
    return name
