"""No CSV cell starts a spreadsheet formula (OWASP "CSV Injection").

A cell that starts with =, +, -, @, a tab or a carriage return is read as a formula when a
reporter opens a CSV answer or the export in Excel or LibreOffice. Free text is refused with
such a start where it comes in (the input models the loader and the admin API share, and the
`reason` of a write), so no CSV answer and no file of the export can hold one. Numbers are
not text: a negative number ("-61") is a number to a spreadsheet too, and may start with "-".
"""

from __future__ import annotations

import csv
import functools
import io
import re
import zipfile
from typing import Any

import pytest
from pydantic import ValidationError

from app import curation
from app.loader import FILES, read_directory, read_file
from app.schemas import TEXT, TEXT1
from tests.conftest import DATA
from tests.helpers import assert_problem
from tests.test_admin import AUTH, NEW, admin_env, api  # noqa: F401 - fixtures

SOURCE = {"id": "zz-formula", "url": "https://example.org/x", "publisher": "Example",
          "kind": "media", "language": "en"}  # fmt: skip
DEAL = {"id": "zz-deal", "name": "A deal", "sources": ["up-2022-03-24-10for10"]}
STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULAS = ["=1+1", "+1", "-1", "@SUM(A1)", '=HYPERLINK("http://x.example","click")',
            "\t=1", "\r=1", " =1", "\u3000@x"]  # fmt: skip


def formula_cells(data: bytes, where: str) -> list[str]:
    """Every cell of a CSV body that a spreadsheet would read as a formula (not a number)."""
    text = data.decode("utf-8").removeprefix("\ufeff")
    out = []
    for n, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        for cell in row:
            if cell.startswith(STARTS):
                try:
                    float(cell)
                except ValueError:
                    out.append(f"{where}:{n}: {cell[:40]!r}")
    return out


def string_schemas(model: Any) -> list[tuple[str, dict[str, Any]]]:
    """(field, JSON Schema) of every string, and every list's string items, of a model."""
    schema = model.model_json_schema()
    out = []
    for name, prop in schema["properties"].items():
        for branch in prop.get("anyOf", [prop]):
            if branch.get("type") == "array":
                branch = branch["items"]
            if branch.get("type") == "string":
                out.append((name, branch))
    return out


@functools.cache
def shipped() -> Any:
    return read_directory(DATA)


def a_record(type_: str) -> dict[str, Any]:
    """A valid record of this type from the shipped data, as the loader reads it."""
    records = shipped().records[type_]
    return dict(records[min(records)])


def test_the_shipped_files_start_no_cell_with_a_formula():
    found = []
    for spec in FILES:
        found += formula_cells((DATA / spec.filename).read_bytes(), spec.filename)
    assert found == []


@pytest.mark.parametrize("type_", list(curation.SPECS))
def test_no_text_field_of_any_record_type_may_start_a_formula(type_):
    """Every string of every record type the loader knows is an enum, a date or patterned, and
    the pattern refuses a formula; the model refuses one in every free-text field, naming it."""
    spec = curation.SPECS[type_]
    record = a_record(type_)
    free_text = []
    for name, schema in string_schemas(spec.model):
        if "enum" in schema or "const" in schema or schema.get("format") in ("date", "date-time"):
            continue
        assert "pattern" in schema, f"{type_}.{name} takes any text"
        for value in FORMULAS:
            assert not re.fullmatch(schema["pattern"], value), (type_, name, value)
        if isinstance(record.get(name), list):
            continue  # lists of ids; the categories are checked below
        if schema["pattern"] in (TEXT, TEXT1):
            free_text.append(name)
    assert free_text, f"{type_} has no free text?"
    for name in free_text:
        for value in FORMULAS:
            with pytest.raises(ValidationError) as info:
                spec.model.model_validate({**record, name: value})
            errors = info.value.errors()
            assert [e["loc"] for e in errors] == [(name,)], errors
            assert "formula" in curation.validation_problems(info.value)[0]["message"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/admin/exchanges", {**NEW, "notes": "=1+1"}, "notes"),
        ("/v1/admin/exchanges", {**NEW, "notes": "  @SUM(A1)"}, "notes"),
        ("/v1/admin/exchanges", {**NEW, "ua_categories": ["-Armed Forces"]}, "ua_categories.0"),
        ("/v1/admin/sources", {**SOURCE, "publisher": "+Example"}, "publisher"),
        ("/v1/admin/agreements", {**DEAL, "name": "=cmd|' /C calc'!A0"}, "name"),
        ("/v1/admin/exchanges?reason=%3D1%2B1", NEW, "reason"),
        ("/v1/admin/exchanges?reason=%09%40x", NEW, "reason"),
    ],
)
def test_the_api_refuses_a_formula_and_writes_nothing(api, path, body, field):  # noqa: F811
    before = api.get("/v1/dataset").json()["data"]["version"]
    problem = assert_problem(api.post(path, json=body, headers=AUTH), 422, field)
    assert "formula" in problem["detail"]
    assert api.get("/v1/dataset").json()["data"]["version"] == before


def test_a_patch_and_a_reason_are_checked_too(api):  # noqa: F811
    r = api.patch("/v1/admin/exchanges/2024-07-17", json={"notes": "-5 more"}, headers=AUTH)
    assert_problem(r, 422, "notes")
    r = api.delete("/v1/admin/exchanges/2024-07-17?reason=%40curator", headers=AUTH)
    assert_problem(r, 422, "reason")
    # Inside the text, and with the dash spreadsheets do not read as minus, all is well.
    ok = api.patch(
        "/v1/admin/exchanges/2024-07-17?reason=a+=+b",
        json={"notes": "\u2013 five more; net = 100 - 5"},
        headers=AUTH,
    )
    assert ok.status_code == 200, ok.text


def test_the_loader_refuses_a_formula_naming_file_line_and_column(tmp_path):
    spec = next(f for f in FILES if f.record_type == "mediator")
    path = tmp_path / spec.filename
    path.write_text("id,name\nuae,United Arab Emirates\nzz,=1+1\n", encoding="utf-8")
    problems: list[str] = []
    read_file(path, spec, problems)
    assert len(problems) == 1 and problems[0].startswith(f"{path}:3: name: must not start with")


def test_load_refuses_such_a_reason(tmp_path):
    from typer.testing import CliRunner

    from app.cli import cli

    result = CliRunner().invoke(cli, ["load", str(tmp_path), "--reason", "=1+1"])
    assert result.exit_code == 2 and "formula" in result.output


def csv_operations(client: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every operation that can answer text/csv, from the API's own description."""
    doc = client.get("/openapi.json").json()
    out = []
    for path, ops in doc["paths"].items():
        op = ops.get("get")
        if op and "text/csv" in op["responses"].get("200", {}).get("content", {}):
            out.append((path, op))
    return out


def test_no_csv_answer_has_a_cell_that_starts_a_formula(client):
    operations = csv_operations(client)
    assert len(operations) >= 9
    exchange_ids = [row["id"] for row in client.get("/v1/exchanges?stream=true").json()["data"]]
    found: list[str] = []
    answers = 0
    for path, op in operations:
        names = {p["name"] for p in op.get("parameters", [])}
        params: dict[str, Any] = {"format": "csv", "bom": "true"}
        if "stream" in names:
            params["stream"] = "true"
        elif "limit" in names:
            params["limit"] = 500
        urls = [path.replace("{exchange_id}", i) for i in exchange_ids] if "{" in path else [path]
        for url in urls:
            r = client.get(url, params=params)
            assert r.status_code == 200, (url, r.text)
            assert r.headers["content-type"].startswith("text/csv")
            found += formula_cells(r.content, url)
            answers += 1
    assert found == []
    assert answers > len(operations)
    # Negative numbers are numbers, not formulas: the reconciliation shows some.
    body = client.get("/v1/statistics/reconciliation?format=csv").text
    assert re.search(r",-\d", body)


def test_no_file_of_the_export_has_a_cell_that_starts_a_formula(client):
    r = client.get("/v1/dataset/export")
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        names = [n for n in archive.namelist() if n.endswith(".csv")]
        assert names == [spec.filename for spec in FILES]
        found = [c for n in names for c in formula_cells(archive.read(n), n)]
    assert found == []
