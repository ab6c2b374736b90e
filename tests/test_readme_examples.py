"""The README's "Use it from code" examples, run as written against a live server.

Each example is the fenced block just below a `<!-- tested: NAME -->` line. The README writes
them for a server on http://127.0.0.1:8000; the test puts its own server's address in that
place and changes nothing else. Two things are checked rather than run:
- a `pip install X` line: X must be in the locked test environment (the suite never installs
  into its own environment; uv.lock pins what the examples run with);
- a TypeScript excerpt: it must appear, as written, in examples/typescript/src/main.ts, which
  is compiled and run whole.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, drop_database, is_postgres, new_database
from tests.servers import running_server

ON_POSTGRES = "the examples read HTTP answers, the same on PostgreSQL; the SQLite run checks them"
pytestmark = [pytest.mark.slow, pytest.mark.skipif(is_postgres(), reason=ON_POSTGRES)]

README_BASE = "http://127.0.0.1:8000"
BLOCK = re.compile(r"<!-- tested: ([\w-]+)(?:,[^>]*)? -->\n```(\w+)\n(.*?)\n```", re.S)
EXAMPLE = ROOT / "examples" / "typescript"
BIN = str(Path(sys.executable).parent)  # the locked environment's tools (openapi-python-client)


def blocks(name: str) -> list[tuple[str, str]]:
    """The (language, text) of each block marked `name`, in README order."""
    found = [(lang, text) for mark, lang, text in BLOCK.findall(readme()) if mark == name]
    assert found, f"no block marked <!-- tested: {name} --> in README.md"
    return found


def readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def base(tmp_root, template_url, tmp_path_factory):
    url = new_database(tmp_root, template_url)
    try:
        with running_server(url, tmp_path_factory.mktemp("server")) as (address, _log):
            yield address
    finally:
        drop_database(url)


def run_shell(script: str, base: str, cwd: Path) -> str:
    """A README shell block as written (its address the live server's), `pip install` lines
    checked against the locked environment instead of run."""
    lines = []
    for line in script.replace(README_BASE, base).splitlines():
        if line.startswith("pip install "):
            for package in line.split("#")[0].split()[2:]:
                assert importlib.metadata.version(package), package
            continue
        lines.append(line)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", "\n".join(lines)], cwd=cwd,
                         capture_output=True, text=True, timeout=600, env=env)  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run.stdout + run.stderr


def run_python(code: str, base: str, cwd: Path) -> list[str]:
    (cwd / "example.py").write_text(code.replace(README_BASE, base), encoding="utf-8")
    run = subprocess.run([sys.executable, "example.py"], cwd=cwd, capture_output=True,
                         text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout.splitlines()


def get(base: str, path: str, **params: Any) -> Any:
    r = httpx.get(f"{base}{path}", params=params)
    r.raise_for_status()
    return r.json()


def said(*values: object) -> str:
    """What print(*values) writes."""
    return " ".join(map(str, values))


def test_python_client_example(base, tmp_path):
    (shell_lang, shell), (python_lang, code) = blocks("python-client")
    assert (shell_lang, python_lang) == ("sh", "python")
    output = run_shell(shell, base, tmp_path)
    assert "WARNING" not in output and "Warning" not in output, output  # the zip is understood
    assert (tmp_path / "pow_client" / "api" / "dataset" / "export_dataset.py").is_file()

    first = get(base, "/v1/exchanges", mediator="uae", limit=5)
    second = get(
        base, "/v1/exchanges", mediator="uae", limit=5, cursor=first["meta"]["next_cursor"]
    )
    one = get(base, "/v1/exchanges/2024-07-17")["data"]
    summary = get(base, "/v1/statistics/summary")["data"]
    assert run_python(code, base, tmp_path) == [
        said(first["meta"]["count"], [e["id"] for e in first["data"]]),
        said([e["id"] for e in second["data"]]),
        said(one["ukraine_received"], one["ua_sequence_number"], one["sources"][0]["publisher"]),
        said(summary["people_to_ukraine"], summary["bodies_to_ukraine"],
             summary["undisclosed_people_to_ukraine"]),
    ]  # fmt: skip
    assert summary["people_to_ukraine"] == 7450  # the README's own figure, to be sure


def test_pandas_example(base, tmp_path):
    ((lang, code),) = blocks("pandas")
    assert lang == "python"
    rows = get(base, "/v1/exchanges", stream="true")["data"]
    months = get(base, "/v1/statistics/timeseries", interval="month")["data"]
    assert run_python(code, base, tmp_path) == [
        said(len(rows), sum(1 for r in rows if r["ukraine_received"] is None)),
        said(sum(m["people_to_ukraine"] for m in months),
             sum(m["people_to_ukraine"] for m in months if m["period"].startswith("2024-"))),
    ]  # fmt: skip
    assert len(rows) == 150


def node_or_skip() -> None:
    missing = [tool for tool in ("node", "npm", "npx") if shutil.which(tool) is None]
    if not missing:
        return
    message = (f"{', '.join(missing)} not found: the TypeScript example (examples/typescript) "
               "needs Node 20 or newer with npm; install them to run this test")  # fmt: skip
    if os.environ.get("CI"):
        pytest.fail(message + " (CI must run it)")
    pytest.skip(message)


def test_typescript_example(base, tmp_path):
    node_or_skip()
    (shell_lang, shell), (ts_lang, excerpt) = blocks("typescript")
    assert (shell_lang, ts_lang) == ("sh", "ts")
    main = (EXAMPLE / "src" / "main.ts").read_text(encoding="utf-8")
    assert excerpt in main, "the README's TypeScript differs from examples/typescript/src/main.ts"
    assert '"strict": true' in (EXAMPLE / "tsconfig.json").read_text()

    # A copy of the example, as a fresh clone has it (no node_modules, no generated types).
    copy = tmp_path / "examples" / "typescript"
    for name in ("package.json", "package-lock.json", "tsconfig.json", "src/main.ts"):
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_text((EXAMPLE / name).read_text().replace(README_BASE, base))
    run_shell(shell, base, tmp_path)
    ran = subprocess.run(["node", "dist/main.js"], cwd=copy, capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert ran.returncode == 0, ran.stderr

    page = get(base, "/v1/exchanges", mediator="uae", kind="pow_exchange", since="2024-01-01",
               sort="-total", limit=5)  # fmt: skip
    summary = get(base, "/v1/statistics/summary")
    months = get(base, "/v1/statistics/timeseries", interval="month")["data"]
    s = summary["data"]
    assert ran.stdout.splitlines() == [
        *(f"{e['id']}: {e['ukraine_received']} to Ukraine" for e in page["data"]),
        f"{page['meta']['count']} events; next page: yes",
        f"people returned to Ukraine: {s['people_to_ukraine']} "
        f"({s['undisclosed_people_to_ukraine']} undisclosed)",
        f"curated up to {summary['meta']['coverage']['until']}",
        f"{len(months)} months; {months[-1]['period']}: {months[-1]['people_to_ukraine']} "
        "people to Ukraine",
        "summary unchanged: true",
    ]

    # Why the README names the media types: a plain client does not compile (the setting it
    # documents), as long as list routes declare CSV and NDJSON beside JSON.
    plain = re.sub(r"createClient<paths, [^>]*>", "createClient<paths>", main)
    assert plain != main
    (copy / "src" / "main.ts").write_text(plain.replace(README_BASE, base))
    check = subprocess.run(["npx", "tsc", "--noEmit"], cwd=copy, capture_output=True,
                           text=True, timeout=300)  # fmt: skip
    assert check.returncode != 0
    assert "Property 'data' does not exist on type" in check.stdout, check.stdout[-2000:]
