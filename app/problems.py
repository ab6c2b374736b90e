"""RFC 9457 problem documents: the domain exceptions and the one set of handlers for every error."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.schemas import error_message

log = logging.getLogger("app.problems")

PROBLEM = "application/problem+json"


class ProblemError(Exception):
    """Base of the domain exceptions; each maps to one status."""

    status = 400
    title: str | None = None

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


class BadRequest(ProblemError):
    status = 400


class Unauthorized(ProblemError):
    status = 401


class NotFound(ProblemError):
    status = 404


class NotAcceptable(ProblemError):
    status = 406


class Conflict(ProblemError):
    status = 409


class Gone(ProblemError):
    status = 410


class PreconditionFailed(ProblemError):
    status = 412


class PayloadTooLarge(ProblemError):
    status = 413


class Invalid(ProblemError):
    """Bad input: `errors` names each parameter or field."""

    status = 422


class TooManyRequests(ProblemError):
    status = 429


class Unavailable(ProblemError):
    status = 503


def invalid(name: str, message: str, location: str = "query") -> Invalid:
    """A 422 naming one parameter."""
    return Invalid(
        f"{name}: {message}", errors=[{"name": name, "location": location, "message": message}]
    )


def problem_response(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM, headers=headers)


def _location_and_name(loc: tuple[Any, ...]) -> tuple[str, str]:
    if not loc:
        return "body", "body"
    where = str(loc[0])
    rest = [str(p) for p in loc[1:]]
    return where, ".".join(rest) if rest else where


def validation_errors(errors: Any) -> list[dict[str, str]]:
    """FastAPI/pydantic errors as `{name, location, message}`."""
    out = []
    for err in errors:
        where, name = _location_and_name(tuple(err.get("loc", ())))
        out.append({"name": name, "location": where, "message": error_message(err)})
    return out


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return problem_response(
        exc.status,
        exc.detail,
        title=exc.title,
        errors=exc.errors,
        headers=exc.headers,
        instance=request.url.path,
    )


async def _on_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = validation_errors(exc.errors())
    detail = "; ".join(f"{e['name']}: {e['message']}" for e in errors)
    return problem_response(
        422, detail or "invalid request", errors=errors, instance=request.url.path
    )


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No resource at {request.url.path}."
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}."
        headers["Allow"] = allowed_methods(request)
    return problem_response(exc.status_code, detail, headers=headers, instance=request.url.path)


def allowed_methods(request: Request) -> str:
    """Every method routed at this path (Starlette's 405 names only the first route's)."""
    methods: set[str] = set()
    for route in _leaves(request.app.router.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(request.url.path):
            methods |= set(getattr(route, "methods", None) or ())
    if "GET" in methods:
        methods.add("HEAD")  # HeadAsGet answers HEAD wherever GET is answered
    return ", ".join(sorted(methods))


def _leaves(routes: Iterable[Any]) -> Iterator[Any]:
    """The routes themselves, looking inside included routers (none has a prefix of its own)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        yield from _leaves(inner.routes) if inner is not None else (route,)


async def _on_database(request: Request, exc: Exception) -> Response:
    from app.db import is_timeout

    if is_timeout(exc):
        limit = request.app.state.settings.query_timeout
        log.warning("query stopped after %s s", limit)
        return problem_response(
            503,
            f"A query of this request ran longer than {limit:g} s and was stopped; narrow it "
            "(filters, a smaller page) or try again later.",
            headers={"Retry-After": "30"},
            instance=request.url.path,
        )
    log.warning("database unavailable: %s", type(exc).__name__)
    return problem_response(
        503,
        "The database is not answering; try again shortly.",
        headers={"Retry-After": "5"},
        instance=request.url.path,
    )


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        500, "An unexpected error occurred; it has been logged.", instance=request.url.path
    )


def install(app: FastAPI) -> None:
    """Register the handlers: every error leaves as application/problem+json."""
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(OperationalError, _on_database)
    app.add_exception_handler(InterfaceError, _on_database)
    app.add_exception_handler(PoolTimeout, _on_database)
    app.add_exception_handler(Exception, _on_unexpected)
