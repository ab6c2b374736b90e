"""The whole dataset at one version as a zip: the loader's CSV files plus a Frictionless
Data Package descriptor (`datapackage.json`).

The bytes depend only on the dataset version (and the base URL named in the descriptor):
files in a fixed order, fixed zip timestamps (the version's own time), rows in id order,
so `GET /v1/dataset/export` and `pow-exchanges export` give the same file, and an export at
`as_of_version` reproduces an earlier one byte for byte. Loading the unzipped folder with
`pow-exchanges load` rebuilds the same records.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

from app import curation, queries
from app.citation import AUTHOR, citation_text, version_url
from app.codebook import DATASET_NAME, DATASET_TITLE, FIELDS, LICENSE
from app.db import Reads
from app.http import iso_utc
from app.loader import FILES, FileSpec
from app.schemas import field_names

LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
DESCRIPTOR = "datapackage.json"
LIST_NOTE = "A list: the values joined with ';' (empty when there are none)."
DIALECT = {
    "delimiter": ",",
    "lineTerminator": "\n",
    "quoteChar": '"',
    "doubleQuote": True,
    "header": True,
}


def filename(version: int) -> str:
    return f"{DATASET_NAME}-v{version}.zip"


def _cell(value: Any) -> str:
    """One value as the data files write it: empty for null, lists joined with ';'."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def table_csv(fields: list[str], records: list[curation.Record]) -> bytes:
    """A CSV file in the format of data/: header, minimal quoting, `\\n` line ends, UTF-8."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(fields)
    for rec in records:
        writer.writerow([_cell(rec[name]) for name in fields])
    return buf.getvalue().encode("utf-8")


def _pattern(regex: str) -> str:
    # Table Schema patterns are implicitly anchored (XML Schema style): drop ^ and $.
    return regex.removeprefix("^").removesuffix("$")


def schema_field(
    record_type: str, name: str, prop: dict[str, Any], defs: dict[str, Any], required: bool
) -> dict[str, Any]:
    """One Table Schema field from the input model's JSON Schema property."""
    if "$ref" in prop:
        prop = defs[prop["$ref"].rsplit("/", 1)[-1]]
    branches = [b for b in prop.get("anyOf", [prop]) if b.get("type") != "null"]
    body = {**branches[0], **{k: v for k, v in prop.items() if k != "anyOf"}}
    out: dict[str, Any] = {"name": name}
    constraints: dict[str, Any] = {}
    kind = body.get("type")
    if kind == "array":
        out["type"] = "string"
        out["format"] = "default"
    elif kind == "integer":
        out["type"] = "integer"
        constraints.update({k: body[k] for k in ("minimum", "maximum") if k in body})
    elif kind == "boolean":
        out.update(type="boolean", trueValues=["true"], falseValues=["false"])
    elif body.get("format") == "date":
        out.update(type="date", format="default")
    else:
        out["type"] = "string"
        constraints.update({k: body[k] for k in ("minLength", "maxLength") if k in body})
        if "pattern" in body:
            constraints["pattern"] = _pattern(body["pattern"])
        if "enum" in body:
            constraints["enum"] = list(body["enum"])
    words = FIELDS.get(record_type, {}).get(name)
    if kind == "array":
        words = f"{words} {LIST_NOTE}" if words else LIST_NOTE
    if words:
        out["description"] = words
    if required or name == "id":  # ids may be derived in the API, never in the files
        constraints["required"] = True
    if name == "id":
        constraints["unique"] = True
    if constraints:
        out["constraints"] = dict(sorted(constraints.items()))
    return out


def table_schema(spec: FileSpec) -> dict[str, Any]:
    model_schema = spec.model.model_json_schema()
    defs = model_schema.get("$defs", {})
    props = model_schema["properties"]
    required = set(model_schema.get("required", []))
    fields = [
        schema_field(spec.record_type, name, props[name], defs, name in required)
        for name in field_names(spec.model)
    ]
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""], "primaryKey": "id"}
    files = {f.record_type: f for f in FILES}
    foreign = [
        {
            "fields": name,
            "reference": {"resource": _resource_name(files[target]), "fields": "id"},
        }
        for owner, name, target in curation.REFERENCES
        if owner == spec.record_type and name not in spec.lists
    ]
    if foreign:
        schema["foreignKeys"] = foreign
    return schema


def _resource_name(spec: FileSpec) -> str:
    return spec.filename.removesuffix(".csv")


def descriptor(
    version: int, created: dt.datetime | None, base_url: str, files: dict[str, bytes]
) -> dict[str, Any]:
    """The Frictionless Data Package descriptor (tabular-data-package profile)."""
    base = base_url.rstrip("/")
    package: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": DATASET_NAME,
        "id": version_url(base, version),
        "title": DATASET_TITLE,
        "description": "Every record of the dataset at this version, in the format of the "
        "curated data files (`pow-exchanges load` loads the unzipped folder).",
        "version": str(version),
        "homepage": base + "/",
        "licenses": [
            {
                "name": LICENSE,
                "path": LICENSE_URL,
                "title": "Creative Commons Attribution 4.0 International",
            }
        ],
        "sources": [
            {
                "title": f"{DATASET_NAME} API, dataset version {version}",
                "path": version_url(base, version),
            }
        ],
        "contributors": [{"title": AUTHOR, "role": "author"}],
    }
    if created is not None:  # (without it the citation would carry today's date)
        package["created"] = iso_utc(created)
        package["description"] += " Cite as: " + citation_text(version, created, base)
    package["resources"] = [
        {
            "name": _resource_name(spec),
            "path": spec.filename,
            "profile": "tabular-data-resource",
            "title": f"{spec.record_type.replace('_', ' ')} records",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "bytes": len(files[spec.filename]),
            "hash": "sha256:" + hashlib.sha256(files[spec.filename]).hexdigest(),
            "dialect": DIALECT,
            "schema": table_schema(spec),
        }
        for spec in FILES
    ]
    return package


def _zip_time(created: dt.datetime | None) -> tuple[int, int, int, int, int, int]:
    if created is None:
        return (1980, 1, 1, 0, 0, 0)
    if created.tzinfo is not None:
        created = created.astimezone(dt.UTC)
    return (created.year, created.month, created.day, created.hour, created.minute, 0)


def tables(session: Reads, version: int | None) -> dict[str, bytes]:
    """Every file the loader reads (loader.FILES, in its order), at `version` (None: the
    current one), as the data files write them: rows in id order."""
    files: dict[str, bytes] = {}
    for spec in FILES:
        cs = curation.SPECS[spec.record_type]
        found = curation.states(session, cs, curation.live_clause(cs.table, version))
        records = [found[rid][2] for rid in sorted(found)]
        files[spec.filename] = table_csv(field_names(spec.model), records)
    return files


def write_directory(session: Reads, version: int | None, directory: Path) -> list[str]:
    """Write the loader's files into `directory` (data/, say), each replaced whole or not at
    all; any other file there is left alone. `git diff` then shows what the curators changed
    through the API, and loading the folder again changes nothing. Returns the files whose
    bytes changed."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, data in tables(session, version).items():
        path = directory / name
        if path.exists() and path.read_bytes() == data:
            continue  # untouched: keep its timestamp
        part = path.with_name(f".{name}.part")
        try:
            part.write_bytes(data)
            os.replace(part, path)
        finally:
            part.unlink(missing_ok=True)  # left only when the write failed
        changed.append(name)
    return changed


def build_export(session: Reads, version: int | None, *, base_url: str) -> bytes:
    """The dataset at `version` (None: the current one) as a deterministic zip."""
    number = curation.current_version(session) if version is None else version
    created = queries.version_time(session, number) if number > 0 else None
    files = tables(session, version)
    package = descriptor(number, created, base_url, files)
    text = json.dumps(package, indent=2, ensure_ascii=False) + "\n"
    buf = io.BytesIO()
    stamp = _zip_time(created)
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in [(DESCRIPTOR, text.encode("utf-8")), *files.items()]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, wherever it is built
            info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
            archive.writestr(info, data, compresslevel=9)
    return buf.getvalue()
