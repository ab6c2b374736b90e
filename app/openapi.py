"""The OpenAPI document: FastAPI's, plus the admin input schemas and the bearer scheme."""

from __future__ import annotations

import json
from collections.abc import Sequence
from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel


def merge_patch_schema(model: type[BaseModel], schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON merge patch (RFC 7396) of `model`: any of its fields and no others; null removes
    an optional field (a required one cannot be removed, so null is not offered for it)."""
    required = set(schema.get("required", ()))
    properties = {}
    for name, prop in schema["properties"].items():
        prop = {k: v for k, v in prop.items() if k != "default"}
        if name not in required and not _allows_null(prop):
            prop = {"anyOf": [prop, {"type": "null"}]}
        properties[name] = prop
    return {
        "title": f"{model.__name__}Patch",
        "description": f"The fields of {model.__name__} to change, as a JSON merge patch: "
        "absent fields stay as they are, null removes an optional one. The record that "
        "results must still follow every rule of the full schema.",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }


def _allows_null(prop: dict[str, Any]) -> bool:
    return prop.get("type") == "null" or any(
        option.get("type") == "null" for option in prop.get("anyOf", [])
    )


EXAMPLES_FILE = Path(__file__).with_name("openapi_examples.json")

# What the API says for each error, as an example of the problem document (RFC 9457).
PROBLEM_DETAILS = {
    400: "The body is not valid JSON.",
    401: "Send Authorization: Bearer <token>.",
    404: "No exchange '2022-03-02' at dataset version 12.",
    406: "cannot answer in any of: image/png; this resource is served as application/json, "
    "text/csv, application/x-ndjson",
    409: "exchange '2024-07-17' already exists",
    412: "exchange '2024-07-17' has changed since revision 1; read it again and retry",
    413: "The body is larger than 1 MiB.",
    414: "The query string is longer than 8192 bytes.",
    429: "Too many failed authentications; try again in 41 seconds.",
    503: "The database is not answering; try again shortly.",
}


def problem_example(status: int, path: str, op: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": PROBLEM_DETAILS.get(status, HTTPStatus(status).description),
        "instance": path,
    }
    if status == 422:
        # A parameter of this operation (or its body), as the API names it.
        params = [p for p in op.get("parameters", []) if p["in"] in ("query", "path")]
        name, where = (params[0]["name"], params[0]["in"]) if params else ("date", "body")
        error = {"name": name, "location": where, "message": "is not valid here"}
        body["detail"] = f"{name}: {error['message']}"
        body["errors"] = [error]
    return body


def add_examples(doc: dict[str, Any]) -> None:
    """An example for every response: the real answers scripts/build_examples.py recorded
    from the shipped data, and each problem as the API words it."""
    recorded = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
    for path, item in doc["paths"].items():
        for op in item.values():
            for status, response in op.get("responses", {}).items():
                for media, content in response.get("content", {}).items():
                    if media == "application/problem+json":
                        content["example"] = problem_example(int(status), path, op)
                        continue
                    example = recorded.get(op["operationId"], {}).get(status, {}).get(media)
                    if example is not None:
                        content["example"] = example


def _header(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": description, "schema": schema or {"type": "string"}}


# The response headers a client reads, so that generated clients can type them.
READ_HEADERS = {
    "ETag": _header(
        "Strong validator of this answer: a hash of the dataset version and the request (a "
        "single record's starts with r<revision>-, for If-Match). Send it back as "
        "If-None-Match for a 304."
    ),
    "Last-Modified": _header("When the dataset version answered was written (HTTP date)."),
    "Cache-Control": _header(
        "public with a short max-age; immutable at a pinned version (as_of_version, cursors)."
    ),
    "Link": _header(
        'rel="cite-as": how to cite this version (/v1/dataset/citation); on a page that '
        'has one, rel="next": the next page.'
    ),
    "X-Dataset-Version": _header(
        "The dataset version this answer is at (also meta.dataset_version).",
        {"type": "integer", "minimum": 1},
    ),
}
WRITE_HEADERS = {
    "ETag": _header("The record's new ETag: send it as If-Match with the next write."),
    "X-Dataset-Version": _header(
        "The dataset version this write made.", {"type": "integer", "minimum": 1}
    ),
}
RETRY_AFTER = {
    "Retry-After": _header("Seconds to wait before trying again.", {"type": "integer"}),
}


def add_headers(doc: dict[str, Any]) -> None:
    """Declare the headers every read, write and refusal sends (API.md, HTTP behaviour)."""
    for item in doc["paths"].values():
        for method, op in item.items():
            operational = "operations" in op.get("tags", [])
            for status, response in op.get("responses", {}).items():
                headers = response.setdefault("headers", {})
                if status in ("429", "503"):
                    headers.update(RETRY_AFTER)
                elif method == "get" and status in ("200", "301", "304") and not operational:
                    headers.update(READ_HEADERS)
                elif method == "delete" and status == "200":
                    headers["X-Dataset-Version"] = WRITE_HEADERS["X-Dataset-Version"]
                elif method != "get" and status in ("200", "201"):
                    headers.update(WRITE_HEADERS)
                    if status == "201":
                        headers["Location"] = _header("The public read URL of the new record.")
                if not headers:
                    del response["headers"]


def install(app: FastAPI, input_models: Sequence[type[BaseModel]]) -> None:
    """Generate the document once, adding the request-body models the admin routes name."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
            license_info=app.license_info,
            tags=app.openapi_tags,
        )
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        for model in input_models:
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, sub in schema.pop("$defs", {}).items():
                schemas.setdefault(name, sub)
            schemas[model.__name__] = schema
            schemas[f"{model.__name__}Patch"] = merge_patch_schema(model, schema)
        add_examples(doc)
        add_headers(doc)
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
