"""OpenAPI response declarations shared by the routers: the problem documents and formats."""

from __future__ import annotations

from typing import Any

from app.answers import Problem

# The Problem schema is added to components by app.openapi (it is no route's model).
_PROBLEM_CONTENT = {
    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
}
SCHEMAS = [Problem]


def problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": _PROBLEM_CONTENT}


ERRORS: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not Modified: the If-None-Match ETag still matches; empty body."},
    404: problem("Not found."),
    406: problem("None of the media types in Accept can be served."),
    414: problem("The query string is longer than 8192 bytes."),
    422: problem("A parameter is invalid; `errors` names each one."),
    503: problem(
        "The database is not answering (retry after Retry-After seconds), a query ran past "
        "QUERY_TIMEOUT and was stopped, or the read replica has not yet replayed the version "
        "asked for (as_of_version, a cursor's, or one this server has already answered)."
    ),
}

LIST_FORMATS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The page. With format=csv (or Accept: text/csv) a CSV table in the "
        "documented column order, lists joined with ';'; with format=ndjson one JSON object "
        "per line.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }
}
