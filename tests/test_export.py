"""GET /v1/dataset/export and `pow-exchanges export`: one deterministic zip of the dataset."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from app import curation
from app.codebook import FIELDS, LICENSE, Claimant, Kind, SourceKind
from app.loader import FILES
from app.schemas import field_names
from tests.conftest import DATA, load, make_client, use_database

URL = "/v1/dataset/export"
NAMES = ["datapackage.json", *(spec.filename for spec in FILES)]
TYPES = {"string", "integer", "date", "boolean"}


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        infos = archive.infolist()
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos)
        assert len({i.date_time for i in infos}) == 1
        return {i.filename: archive.read(i) for i in infos}


def run_cli(url: str, *args: str) -> tuple[int, str]:
    from typer.testing import CliRunner

    from app.cli import cli

    with use_database(url):
        result = CliRunner().invoke(cli, ["export", *args])
    return result.exit_code, result.output


def cli_bytes(url: str, path: Path, *args: str) -> bytes:
    code, output = run_cli(url, "--output", str(path), *args)
    assert code == 0, output
    return path.read_bytes()


def snapshot(url: str) -> dict[str, dict[str, curation.Record]]:
    from app.db import read_session

    with use_database(url), read_session() as session:
        return {
            name: {rid: rec for rid, (_, _, rec) in curation.live_records(session, name).items()}
            for name in curation.LOAD_ORDER
        }


def test_export_is_a_zip_with_the_same_bytes_as_the_cli(client, db_url, tmp_path, monkeypatch):
    r = client.get(URL)
    assert r.status_code == 200, r.text
    version = int(r.headers["x-dataset-version"])
    assert r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"] == (
        f'attachment; filename="pow-exchanges-v{version}.zip"'
    )
    assert 'rel="cite-as"' in r.headers["link"]
    files = unzip(r.content)
    assert list(files) == NAMES
    # The same bytes again, from the route and from the command (told the server's base URL).
    assert client.get(URL).content == r.content
    assert cli_bytes(db_url, tmp_path / "x.zip", "--base-url", "http://testserver") == r.content
    # By default the command writes pow-exchanges-v{N}.zip where it runs and says so.
    monkeypatch.chdir(tmp_path)
    code, output = run_cli(db_url, "--base-url", "http://testserver/")
    assert code == 0, output
    assert f"pow-exchanges-v{version}.zip" in output
    assert (tmp_path / f"pow-exchanges-v{version}.zip").read_bytes() == r.content


def test_public_base_url_gives_the_same_bytes_without_options(db_url, tmp_path, monkeypatch):
    base = "https://pow.example.org"
    with make_client(db_url, public_base_url=base) as c:
        served = c.get(URL).content
    monkeypatch.setenv("PUBLIC_BASE_URL", base)
    assert cli_bytes(db_url, tmp_path / "x.zip") == served
    package = json.loads(unzip(served)["datapackage.json"])
    assert package["sources"][0]["path"].startswith(base + "/v1/dataset")


def check_value(field: dict, raw: str, where: str) -> None:
    """A cell against its Table Schema field (the structural part of a Frictionless check)."""
    rules = field.get("constraints", {})
    if raw == "":
        assert not rules.get("required"), f"{where}: required"
        return
    kind = field["type"]
    if kind == "integer":
        value = int(raw)
        assert rules.get("minimum", value) <= value <= rules.get("maximum", value), where
    elif kind == "date":
        dt.date.fromisoformat(raw)
    elif kind == "boolean":
        assert raw in field["trueValues"] + field["falseValues"], where
    else:
        assert len(raw) <= rules.get("maxLength", len(raw)), where
        if "pattern" in rules:
            assert re.fullmatch(rules["pattern"], raw), where
        if "enum" in rules:
            assert raw in rules["enum"], where


def test_datapackage_describes_every_csv(client):
    r = client.get(URL)
    files = unzip(r.content)
    package = json.loads(files["datapackage.json"])
    assert package["profile"] == "tabular-data-package"
    assert package["name"] == "pow-exchanges" and package["title"]
    assert package["version"] == r.headers["x-dataset-version"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", package["created"])
    assert package["licenses"] == [
        {
            "name": LICENSE,
            "path": "https://creativecommons.org/licenses/by/4.0/",
            "title": "Creative Commons Attribution 4.0 International",
        }
    ]
    assert package["sources"] and all(s["title"] and s["path"] for s in package["sources"])
    resources = {res["name"]: res for res in package["resources"]}
    assert [res["path"] for res in package["resources"]] == NAMES[1:]
    for spec in FILES:
        res = next(res for res in package["resources"] if res["path"] == spec.filename)
        assert re.fullmatch(r"[a-z0-9._/-]+", res["name"])
        assert (res["format"], res["mediatype"], res["encoding"]) == ("csv", "text/csv", "utf-8")
        assert res["profile"] == "tabular-data-resource"
        data = files[spec.filename]
        assert res["bytes"] == len(data)
        assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert b"\r" not in data.replace(b'"\r', b"")  # `\n` line ends, as in data/
        schema = res["schema"]
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
        header, body = rows[0], rows[1:]
        assert [f["name"] for f in schema["fields"]] == header == field_names(spec.model)
        # The same columns as the curated file in data/ (coverage.csv's `from`, not `from_`).
        assert header == (DATA / spec.filename).read_text(encoding="utf-8").split("\n", 1)[0].split(
            ","
        )
        assert all(f["type"] in TYPES for f in schema["fields"])
        for f in schema["fields"]:
            if f["name"] in FIELDS[spec.record_type]:
                assert f["description"].startswith(FIELDS[spec.record_type][f["name"]])
        assert schema["primaryKey"] == "id"
        ids = [row[0] for row in body]
        assert ids == sorted(set(ids)), "rows in id order, ids unique"
        for n, row in enumerate(body, start=2):
            assert len(row) == len(header)
            for field, raw in zip(schema["fields"], row, strict=True):
                check_value(field, raw, f"{spec.filename}:{n}:{field['name']}")
        for fk in schema.get("foreignKeys", []):
            target = resources[fk["reference"]["resource"]]
            assert fk["reference"]["fields"] == "id" and fk["fields"] in header
            assert target["schema"]["primaryKey"] == "id"
            known = {row[0] for row in csv.reader(io.StringIO(files[target["path"]].decode()))}
            column = header.index(fk["fields"])
            assert {row[column] for row in body} <= known
    enums = {
        (res["name"], f["name"]): f.get("constraints", {}).get("enum")
        for res in package["resources"]
        for f in res["schema"]["fields"]
    }
    assert enums["exchanges", "kind"] == list(Kind)
    assert enums["sources", "kind"] == list(SourceKind)
    assert enums["claims", "claimant"] == list(Claimant)
    assert resources["claims"]["schema"]["foreignKeys"] == [
        {"fields": "exchange", "reference": {"resource": "exchanges", "fields": "id"}}
    ]


def test_loading_an_export_reproduces_the_dataset(client, db_url, empty_url, tmp_path):
    exported = client.get(URL).content
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        archive.extractall(folder)
    assert load(empty_url, folder) == 1
    source, copy = snapshot(db_url), snapshot(empty_url)
    for name in curation.LOAD_ORDER:
        assert source[name], name
        assert copy[name] == source[name], name
    # And the copy exports the same CSV files.
    with make_client(empty_url) as c:
        again = unzip(c.get(URL).content)
    original = unzip(exported)
    assert all(again[spec.filename] == original[spec.filename] for spec in FILES)


def test_an_earlier_version_exports_byte_for_byte(fresh_url, tmp_path):
    from app.db import write_session

    with make_client(fresh_url) as c:
        before = c.get(URL)
        version = int(before.headers["x-dataset-version"])
        with use_database(fresh_url), write_session() as session:
            live = curation.live_records(session, "exchange")["2024-07-17"][2]
            source = {
                "id": "zz-test-source",
                "url": "https://example.org/report",
                "publisher": "Example",
                "title": None,
                "published": None,
                "kind": "media",
                "language": "en",
            }
            curation.apply(
                session,
                [
                    curation.Op("source", "create", source["id"], source),
                    curation.Op("exchange", "update", "2024-07-17", {**live, "notes": "edited"}),
                ],
                actor="test",
            )
        now = c.get(URL)
        then = c.get(URL, params={"as_of_version": version})
    assert now.headers["x-dataset-version"] == str(version + 1)
    assert now.content != before.content
    assert b"zz-test-source" in unzip(now.content)["sources.csv"]
    assert then.status_code == 200
    assert then.content == before.content
    assert then.headers["content-disposition"].endswith(f'-v{version}.zip"')
    assert then.headers["cache-control"].endswith("immutable")
    pinned = cli_bytes(
        fresh_url, tmp_path / "then.zip", "--as-of-version", str(version), "--base-url",
        "http://testserver",
    )  # fmt: skip
    assert pinned == before.content
    code, output = run_cli(fresh_url, "--as-of-version", str(version + 5))
    assert code == 2 and "at most the current version" in output


def test_if_none_match_is_a_304(client):
    r = client.get(URL)
    etag = r.headers["etag"]
    again = client.get(URL, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert "max-age" in again.headers["cache-control"]
    other = client.get(URL, params={"as_of_version": 1})
    assert other.status_code == 200 and other.headers["etag"] != etag


@pytest.mark.parametrize("version", ["0", "x", "999999"])
def test_a_bad_version_is_a_422(client, version):
    r = client.get(URL, params={"as_of_version": version})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")


def test_openapi_documents_the_zip(client):
    op = client.get("/openapi.json").json()["paths"][URL]["get"]
    assert op["operationId"] == "export_dataset" and op["tags"] == ["dataset"]
    assert list(op["responses"]["200"]["content"]) == ["application/zip"]


# ---- export --to: the curators' writes back to data/ ----------------------------------------


def export_to(url: str, folder: Path) -> str:
    code, output = run_cli(url, "--to", str(folder))
    assert code == 0, output
    return " ".join(output.split())  # as one line, however the console wrapped it


def test_export_to_a_folder_of_a_fresh_load_is_data_itself(db_url, tmp_path):
    from tests.conftest import DATA

    expected = DATA  # data/ is in id order, as export --to writes it
    out = tmp_path / "out"
    out.mkdir()
    (out / "README.md").write_text("the curators' notes\n")
    output = export_to(db_url, out)
    assert "dataset version 1" in output
    for spec in FILES:
        assert (out / spec.filename).read_bytes() == (expected / spec.filename).read_bytes()
    assert sorted(p.name for p in out.iterdir()) == sorted(["README.md", *NAMES[1:]])
    assert (out / "README.md").read_text() == "the curators' notes\n"  # left alone
    assert "nothing changed" in export_to(db_url, out)


def test_data_files_are_in_id_order():
    """So export --to data/ of an unchanged database is data/ byte for byte."""
    from tests.conftest import DATA

    for spec in FILES:
        _header, *rows = (DATA / spec.filename).read_text(encoding="utf-8").splitlines(True)
        ids = [next(csv.reader([row]))[0] for row in rows]
        assert ids == sorted(ids), spec.filename


def text_field(model: type) -> str:
    """A free-text field of an input model (the one every record type has: note, name...)."""
    from app.schemas import TEXT, TEXT1

    props = model.model_json_schema()["properties"]  # type: ignore[attr-defined]
    for name, prop in props.items():
        for branch in prop.get("anyOf", [prop]):
            if branch.get("type") == "string" and branch.get("pattern") in (TEXT, TEXT1):
                return str(name)
    raise AssertionError(f"{model} has no free-text field")


def changed_ids(old: bytes, new: bytes) -> tuple[list[str], list[str]]:
    """The ids of the rows only in `old` and only in `new` (what `git diff` shows)."""
    import difflib

    gone, added = [], []
    for line in difflib.unified_diff(old.decode().splitlines(), new.decode().splitlines(), n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        rid = next(csv.reader([line[1:]]))[0]
        (gone if line[0] == "-" else added).append(rid)
    return gone, added


def test_curators_writes_come_back_to_data_and_reload_as_nothing(fresh_url, tmp_path):
    """Load data/, write a record of every type the loader knows (and a create and a delete),
    export --to a folder: it differs from data/ by exactly those records, and loading it
    changes nothing."""
    from app.db import read_session, write_session
    from tests.conftest import DATA

    expected = DATA
    written: dict[str, set[str]] = {spec.record_type: set() for spec in FILES}
    with use_database(fresh_url):
        for spec in FILES:  # an update of every record type, each its own version
            with write_session() as session:
                rid, (_, _, record) = min(curation.live_records(session, spec.record_type).items())
                name = text_field(spec.model)
                edited = {**record, name: f"{record[name] or 'Text'} (edited by a curator)"}
                curation.write_one(session, spec.record_type, "update", rid, edited,
                                   actor="test", reason="round trip", expected_revision=None)  # fmt: skip
            written[spec.record_type].add(rid)
        source = {"id": "zz-round-trip", "url": "https://example.org/r", "publisher": "Example",
                  "title": "A new, source", "published": None, "kind": "media", "language": "en"}  # fmt: skip
        with write_session() as session:
            curation.write_one(session, "source", "create", source["id"], source,
                               actor="test", reason=None, expected_revision=None)  # fmt: skip
            claim = max(curation.live_records(session, "claim"))
            curation.write_one(session, "claim", "delete", claim, None,
                               actor="test", reason=None, expected_revision=None)  # fmt: skip
        with read_session() as session:
            version = curation.current_version(session)
    assert version == 1 + len(FILES) + 2  # each write_one is a version
    out = tmp_path / "out"
    export_to(fresh_url, out)

    for spec in FILES:
        old, new = (expected / spec.filename).read_bytes(), (out / spec.filename).read_bytes()
        gone, added = changed_ids(old, new)
        ids = written[spec.record_type]
        if spec.record_type == "source":
            assert (gone, sorted(added)) == (sorted(ids), sorted([*ids, "zz-round-trip"]))
        elif spec.record_type == "claim":
            assert (sorted(gone), added) == (sorted([*ids, claim]), sorted(ids))
        else:
            assert (gone, added) == (sorted(ids), sorted(ids)), spec.filename
    # Loading what was written changes nothing: the files say exactly what the database holds.
    assert load(fresh_url, out) is None
    with use_database(fresh_url), read_session() as session:
        assert curation.current_version(session) == version
    # And the folder exported again is the same bytes.
    assert "nothing changed" in export_to(fresh_url, out)
