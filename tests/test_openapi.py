"""The OpenAPI document: an example for every response, each valid against its own schema and
each a real answer of the API; every operation named, summarised and its errors documented."""

from __future__ import annotations

import json
import re
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


# ---- every JSON read is {data, meta} ----------------------------------------------------------

# Real ids of the shipped data for the path parameters.
PATH_VALUES = {
    "exchange_id": "2024-07-17",
    "source_id": "up-2022-03-24-10for10",
    "claim_id": "2024-01-31.ukraine_received.ua_official",
    "agreement_id": "istanbul-2025-05-16-1000",
}
OPERATIONAL = {"/healthz", "/readyz", "/metrics"}
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "errors"}


def json_reads(doc: dict[str, Any]) -> list[str]:
    """The paths of every GET that declares application/json for its 200."""
    return [
        path
        for path, item in doc["paths"].items()
        if "get" in item
        and "application/json" in item["get"]["responses"].get("200", {}).get("content", {})
    ]


def fill(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path)


def read_cases() -> list[Any]:
    from app.config import Settings
    from app.main import create_app

    doc = create_app(Settings(database_url="sqlite://")).openapi()
    return [pytest.param(path, id=path) for path in json_reads(doc)]


@pytest.mark.parametrize("path", read_cases())
def test_every_json_read_is_one_envelope(client, document, path):
    r = client.get(fill(path), headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == "application/json", r.headers
    body = r.json()
    assert isinstance(body, dict) and set(body) == {"data", "meta"}, list(body)
    version = body["meta"]["dataset_version"]
    if path == "/healthz":  # never touches the database: the last version this process saw
        assert version is None or isinstance(version, int)
        return
    assert isinstance(version, int) and not isinstance(version, bool)
    if path in OPERATIONAL:  # probes, never cached: no validators to declare
        return
    assert r.headers["x-dataset-version"] == str(version)
    # What the document says the answer carries, it carries.
    declared = document["paths"][path]["get"]["responses"]["200"].get("headers", {})
    missing = [h for h in declared if h.lower() not in r.headers]
    assert missing == [], (path, missing)


def v1_reads() -> list[str]:
    from app.config import Settings
    from app.main import create_app

    doc = create_app(Settings(database_url="sqlite://")).openapi()
    return [p for p, item in doc["paths"].items() if p.startswith("/v1/") and "get" in item]


@pytest.mark.parametrize("path", v1_reads())
def test_problems_keep_their_own_shape(client, path):
    """Errors are RFC 9457 problem documents, never wrapped in the envelope."""
    answers = [client.get(fill(path), params={"as_of_version": "0"})]
    if "{" in path:
        answers.append(client.get(re.sub(r"\{(\w+)\}", "no-such-id", path)))
    for r in answers:
        assert r.status_code in (404, 422), (path, r.status_code)
        assert r.headers["content-type"].startswith("application/problem+json")
        body = r.json()
        assert {"type", "title", "status", "detail"} <= set(body) <= PROBLEM_KEYS, body
        assert body["status"] == r.status_code


# ---- closed vocabularies are enums; the headers clients read are declared ---------------------

# list filter -> the codebook's vocabulary it takes, by path (kind means another thing on sources)
VOCABULARIES = {
    "kind": "kinds",
    "confidence": "confidences",
    "figure_status": "figure_statuses",
    "claimant": "claimants",
    "figure": "figures",
    "metric": "metrics",
}
OPEN_LISTS = {"mediator", "language"}  # slugs and language codes: patterns, not enums


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def parameter_types(doc: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-null alternatives of a parameter's schema, references resolved."""
    options = schema.get("anyOf", [schema])
    return [resolve(doc, s) for s in options if s.get("type") != "null"]


def test_closed_vocabularies_of_list_filters_are_enums(client, document):
    book = client.get("/v1/codebook").json()["data"]
    seen: set[tuple[str, str]] = set()
    for path, item in document["paths"].items():
        for p in item.get("get", {}).get("parameters", []):
            (schema,) = parameter_types(document, p["schema"])
            if schema.get("type") != "array":
                continue
            name, items = p["name"], schema["items"]
            if name in OPEN_LISTS:
                assert "enum" not in items and "pattern" in items, (path, name)
                continue
            vocabulary = "source_kinds" if (path, name) == ("/v1/sources", "kind") else (
                VOCABULARIES[name]
            )  # fmt: skip
            assert items == {"type": "string", "enum": list(book[vocabulary])}, (path, name)
            seen.add((path, name))
    assert {
        ("/v1/exchanges", "kind"), ("/v1/exchanges", "confidence"),
        ("/v1/exchanges", "figure_status"), ("/v1/statistics/summary", "kind"),
        ("/v1/statistics/timeseries", "figure_status"), ("/v1/statistics/mediators", "confidence"),
        ("/v1/sources", "kind"), ("/v1/claims", "claimant"), ("/v1/claims", "figure"),
        ("/v1/statistics/reconciliation", "claimant"), ("/v1/statistics/reconciliation", "metric"),
    } <= seen  # fmt: skip


def test_format_sort_and_interval_are_enums(client, document):
    book = client.get("/v1/codebook").json()["data"]
    want = {
        "format": ["json", "csv", "ndjson"],
        "sort": list(book["sorts"]),
        "interval": list(book["intervals"]),
    }
    found = set()
    for path, item in document["paths"].items():
        for p in item.get("get", {}).get("parameters", []):
            if p["name"] not in want:
                continue
            (schema,) = parameter_types(document, p["schema"])
            expected = want[p["name"]]
            if (path, p["name"]) == ("/v1/dataset/citation", "format"):
                expected = ["text", "bibtex", "csl-json"]
            assert schema.get("type") == "string" and schema["enum"] == expected, (path, p)
            found.add(p["name"])
    assert found == set(want)
    assert want["interval"] == ["week", "month", "quarter", "year"]
    assert want["sort"] == ["date", "-date", "total", "-total"]


READ_HEADERS = {"ETag", "Last-Modified", "Link", "X-Dataset-Version", "Cache-Control"}


def test_reads_and_writes_declare_the_headers_clients_read(document):
    reads = writes = refusals = 0
    for path, item in document["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                headers = set(response.get("headers", {}))
                if status in ("429", "503"):
                    assert "Retry-After" in headers, (method, path, status)
                    refusals += 1
                elif method == "get" and status == "200" and path.startswith("/v1/"):
                    assert headers >= READ_HEADERS, (method, path, headers)
                    reads += 1
                elif method == "delete" and status == "200":
                    # A deleted record has no ETag to send back: the version only.
                    assert headers == {"X-Dataset-Version"}, (method, path, status)
                    writes += 1
                elif method != "get" and status in ("200", "201"):
                    assert headers >= {"ETag", "X-Dataset-Version"}, (method, path, status)
                    assert ("Location" in headers) == (status == "201"), (method, path, status)
                    writes += 1
    assert reads >= 20 and writes >= 25 and refusals >= 40


def test_the_codebook_defines_every_measure(client, document):
    book = client.get("/v1/codebook").json()["data"]
    assert set(book["measures"]) == {
        "exchanges", "repatriations", "people_to_ukraine", "people_to_russia",
        "bodies_to_ukraine", "bodies_to_russia", "undisclosed_people_to_ukraine",
        "undisclosed_people_to_russia", "undisclosed_bodies_to_ukraine",
        "undisclosed_bodies_to_russia",
    }  # fmt: skip
    # ... and the answers' schemas use the same definitions.
    measures = document["components"]["schemas"]["Measures"]["properties"]
    for name, text in book["measures"].items():
        assert measures[name]["description"] == text, name
