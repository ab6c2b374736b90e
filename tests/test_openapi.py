"""The OpenAPI document: an example for every response, each valid against its own schema and
each a real answer of the API; every operation named, summarised and its errors documented."""

from __future__ import annotations

import json
from typing import Any

import jsonschema_rs
import pytest

from app.openapi import EXAMPLES_FILE


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    from app.config import Settings
    from app.main import create_app

    doc: dict[str, Any] = create_app(Settings(database_url="sqlite://")).openapi()
    return doc


def responses(doc: dict[str, Any]) -> list[tuple[str, str, str, str, dict[str, Any]]]:
    return [
        (path, method, status, media, content)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        for status, response in op["responses"].items()
        for media, content in response.get("content", {}).items()
    ]


def test_every_response_has_an_example(document):
    found = responses(document)
    assert len(found) > 300
    missing = [
        (method, path, status, media)
        for path, method, status, media, content in found
        if "example" not in content and "examples" not in content
    ]
    assert missing == []


def test_every_example_is_valid_against_its_schema(document):
    checked = 0
    for path, method, status, media, content in responses(document):
        schema = content.get("schema")
        if "example" not in content or not schema:
            continue
        root = {**schema, "components": document["components"]}
        validator = jsonschema_rs.Draft202012Validator(root, validate_formats=True)
        errors = [e.message for e in validator.iter_errors(content["example"])]
        assert errors == [], (method, path, status, media, errors[:3])
        checked += 1
    assert checked > 250


def timeless(value: Any) -> Any:
    """Without the load's timestamps, which differ from one load of data/ to the next."""
    if isinstance(value, dict):
        return {k: timeless(v) for k, v in value.items() if k != "updated_at"}
    if isinstance(value, list):
        return [timeless(v) for v in value]
    return value


def test_recorded_examples_are_real_answers_of_the_shipped_data(client):
    # A few recorded examples, compared with what the API answers now (lists are cut to two).
    recorded = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
    one = client.get("/v1/exchanges/2024-07-17").json()
    assert timeless(recorded["get_exchange"]["200"]["application/json"]) == timeless(one)
    page = client.get("/v1/exchanges?mediator=uae&since=2024-01-01&sort=-total").json()
    example = recorded["list_exchanges"]["200"]["application/json"]
    assert timeless(example["data"]) == timeless(page["data"][:2])
    assert example["meta"] == page["meta"]
    csv = client.get("/v1/exchanges?mediator=uae&since=2024-01-01&sort=-total&format=csv").text
    header, first, second = recorded["list_exchanges"]["200"]["text/csv"].splitlines()
    assert csv.splitlines()[0] == header
    assert [line.rsplit(",", 2)[0] for line in csv.splitlines()[1:3]] == [
        first.rsplit(",", 2)[0],
        second.rsplit(",", 2)[0],
    ]  # fmt: skip  (all but updated_at and revision)
    summary = client.get("/v1/statistics/summary?since=2025-01-01").json()
    assert recorded["exchange_summary"]["200"]["application/json"] == summary


def test_operations_are_named_summarised_and_their_errors_documented(document):
    ids = []
    for path, item in document["paths"].items():
        for method, op in item.items():
            ids.append(op["operationId"])
            assert op.get("summary") or op.get("description"), (method, path)
            assert op.get("tags"), (method, path)
            if path.startswith("/v1/"):
                for status in ("422", "503"):
                    content = op["responses"][status]["content"]
                    assert "application/problem+json" in content, (method, path, status)
            if path.startswith("/v1/admin/"):
                assert op["security"] == [{"HTTPBearer": []}]
                assert {"401", "429"} <= set(op["responses"])
    assert len(ids) == len(set(ids))
    assert {"list_exchanges", "get_exchange", "exchange_summary", "create_exchange"} <= set(ids)
