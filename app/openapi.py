"""The OpenAPI document: FastAPI's, plus the admin input schemas and the bearer scheme."""

from __future__ import annotations

from collections.abc import Sequence
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
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
