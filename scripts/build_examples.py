"""Write app/openapi_examples.json: a real answer of every operation, for the OpenAPI document.

    uv run python scripts/build_examples.py

Serves data/ from a throwaway SQLite database and asks each operation for each documented
success status and format, writes included (create, replace, update, delete, restore), so every
example is an answer the API really gave. Lists are cut to two records, CSV and NDJSON to two
rows, so the document stays readable; the test suite checks each example against its schema.
Run it again when data/ or a response shape changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "app" / "openapi_examples.json"
TOKEN = "examples-token"  # noqa: S105  (a throwaway database of its own)
AUTH = {"Authorization": f"Bearer {TOKEN}"}

# A record of each type from data/, to fill the path parameters.
PATH_VALUES = {
    "exchange_id": "2024-07-17",
    "source_id": "up-2022-03-24-10for10",
    "claim_id": "2024-07-17.ukraine_received.ua_official",
    "agreement_id": "istanbul-2025-05-16-1000",
}
QUERIES = {
    "list_exchanges": "mediator=uae&since=2024-01-01&sort=-total",
    "exchange_summary": "since=2025-01-01",
    "exchange_timeseries": "interval=year",
    "reconciliation": "metric=people_returned_to_ukraine",
}
# The writes, in an order that works: create, then change, delete and restore what was made.
NEW = {
    "exchange": {
        "date": "2026-06-01", "kind": "pow_exchange", "ukraine_received": 84,
        "russia_received": 84, "mediators": ["uae"], "ua_categories": ["Armed Forces"],
        "notes": "An example swap.", "confidence": "medium", "sources": [PATH_VALUES["source_id"]],
    },
    "source": {
        "id": "example-2026-06-01", "url": "https://example.org/news/2026/06/01/swap",
        "publisher": "Example News", "title": "Ukraine and Russia swap prisoners",
        "published": "2026-06-01", "kind": "media", "language": "en",
    },
    "claim": {
        "exchange": "2024-07-17", "claimant": "media", "figure": "russia_received", "value": 95,
        "sources": [PATH_VALUES["source_id"]], "note": "An example claim.",
    },
    "agreement": {
        "id": "example-agreement", "name": "An example staged deal", "agreed_on": "2024-07-01",
        "agreed_ukraine_received": 95, "agreed_russia_received": 95, "stages": ["2024-07-17"],
        "sources": [PATH_VALUES["source_id"]],
    },
    "moved_exchange": {
        "id": "2024-07-16", "moved_to": "2024-07-17",
        "note": "An example: first dated by the publication date of a later report.",
    },
    "coverage": {
        "from": "2022-02-24", "until": "2026-06-07",
        "note": "Searched up to 7 June 2026; nothing after it is curated yet.",
    },
}  # fmt: skip
PATCH = {"exchange": {"notes": "Corrected."}, "source": {"title": "Corrected title"},
         "claim": {"note": "Corrected."}, "agreement": {"note": "Corrected."},
         "moved_exchange": {"note": "Corrected."}, "coverage": {"note": "Corrected."}}  # fmt: skip
# A re-dated exchange: its old id answers 301 (data/moved_exchanges.csv).
MOVED_ID = "2023-10-19"


def trim(media: str, body: bytes) -> Any:
    if media == "application/json" or media.endswith("+json"):
        value = json.loads(body)
        if isinstance(value, dict) and isinstance(value.get("data"), list):
            value["data"] = value["data"][:2]
        return value
    text = body.decode("utf-8")
    if media in ("text/csv", "application/x-ndjson"):
        keep = 3 if media == "text/csv" else 2
        return "".join(text.splitlines(keepends=True)[:keep])
    if media == "text/plain" and text.startswith("# HELP"):
        # The API's own families (requests, latency, cache), not the runtime's.
        ours = ("http_requests", "response_cache", "database_errors")
        lines = [line for line in text.splitlines(keepends=True) if any(n in line for n in ours)]
        return "".join(lines[:12])
    return text


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = _database(Path(tmp), "examples", ROOT / "data")
        # The first PUT of a coverage answers 201: a dataset loaded without one shows it.
        bare = Path(tmp) / "no-coverage"
        shutil.copytree(ROOT / "data", bare, ignore=shutil.ignore_patterns("coverage.csv"))
        first_coverage = _first_coverage(_database(Path(tmp), "bare", bare))
        build(url, {"replace_coverage": {"201": {"application/json": first_coverage}}})


def _database(tmp: Path, name: str, data: Path) -> str:
    url = f"sqlite:///{tmp}/{name}.sqlite3"
    env = {**os.environ, "DATABASE_URL": url}
    for args in (["migrate"], ["load", str(data)]):
        command = [sys.executable, "-m", "app.cli", *args]
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603
    return url


def _app(url: str) -> Any:
    from app.config import Settings
    from app.main import create_app

    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    return create_app(Settings(database_url=url, admin_tokens=f"examples:{digest}"))


def _first_coverage(url: str) -> Any:
    from fastapi.testclient import TestClient

    with TestClient(_app(url)) as client:
        r = client.put("/v1/admin/coverage", json=NEW["coverage"], headers=AUTH)
        assert r.status_code == 201, r.text
        return r.json()


def build(url: str, made_elsewhere: dict[str, dict[str, dict[str, Any]]]) -> None:
    from fastapi.testclient import TestClient

    auth = AUTH
    out: dict[str, dict[str, dict[str, Any]]] = {}
    with TestClient(_app(url)) as client:
        doc = client.get("/openapi.json").json()
        ops = [(path, method, op) for path, item in doc["paths"].items()
               for method, op in item.items()]  # fmt: skip
        for path, method, op in sorted(ops, key=lambda o: _order(o[2]["operationId"])):
            op_id = op["operationId"]
            type_ = op_id.split("_", 1)[-1]
            target = path
            for name, value in PATH_VALUES.items():
                target = target.replace(f"{{{name}}}", value)
            if "{record_id}" in target:
                record = NEW[type_].get("id") or _made[type_]
                target = target.replace("{record_id}", record)
            for status, response in op["responses"].items():
                if not status.startswith("2") and status != "301":
                    continue
                for media in response.get("content", {}):
                    if media == "application/zip":
                        continue  # binary: no example can be written inline
                    if status in made_elsewhere.get(op_id, {}):
                        out.setdefault(op_id, {})[status] = made_elsewhere[op_id][status]
                        continue
                    moved = target.replace(PATH_VALUES["exchange_id"], MOVED_ID)
                    asked = moved if status == "301" else target
                    r = _ask(client, method, asked, op_id, type_, media, auth)
                    assert str(r.status_code) == status, (op_id, status, r.status_code, r.text)
                    if op_id.startswith("create_"):
                        _made[type_] = r.json()["data"]["id"]
                    out.setdefault(op_id, {}).setdefault(status, {})[media] = trim(media, r.content)
    OUT.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {sum(len(v) for v in out.values())} statuses")


_made: dict[str, str] = {}


def _order(op_id: str) -> int:
    for i, verb in enumerate(("create_", "replace_", "update_", "delete_", "restore_")):
        if op_id.startswith(verb):
            return i + 1
    return 0


def _ask(client: Any, method: str, target: str, op_id: str, type_: str, media: str,
         auth: dict[str, str]) -> Any:  # fmt: skip
    if method == "get":
        query = QUERIES.get(op_id, "")
        if op_id == "get_citation":
            query = {"text/plain": "format=text", "application/x-bibtex": "format=bibtex"}.get(
                media, "format=csl-json"
            )
        return client.get(f"{target}?{query}", headers={"Accept": media}, follow_redirects=False)
    if type_ == "coverage":
        if op_id.startswith("replace_"):
            return client.put(target, json=NEW[type_], headers=auth)
        return client.patch(target, json=PATCH[type_], headers=auth)
    if op_id.startswith("create_"):
        return client.post(target, json=NEW[type_], headers=auth)
    if op_id.startswith("replace_"):
        return client.put(target, json={**NEW[type_], "id": target.rsplit("/", 1)[-1]},
                          headers=auth)  # fmt: skip
    if op_id.startswith("update_"):
        return client.patch(target, json=PATCH[type_], headers=auth)
    if op_id.startswith("delete_"):
        return client.delete(target, headers=auth)
    return client.post(target, headers=auth)  # restore


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
