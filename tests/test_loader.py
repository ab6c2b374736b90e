"""The loader: validates everything first, reports every problem, writes all or nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.loader import LoadError
from tests.conftest import DATA, load, use_database


def _count(url: str, table: str) -> int:
    from app import models
    from app.db import read_session

    t = {"exchange": models.Exchange, "change": models.Change}[table].__table__
    with use_database(url), read_session() as s:
        return int(s.execute(select(func.count()).select_from(t)).scalar_one())


def _version(url: str) -> int:
    from app import curation
    from app.db import read_session

    with use_database(url), read_session() as s:
        return curation.current_version(s)


def _copy(tmp_path: Path) -> Path:
    out = tmp_path / "data"
    shutil.copytree(DATA, out)
    return out


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_first_load_is_version_1_and_a_reload_changes_nothing(empty_url):
    assert load(empty_url) == 1
    changes = _count(empty_url, "change")
    assert load(empty_url) is None
    assert _version(empty_url) == 1
    assert _count(empty_url, "change") == changes


def test_a_reload_with_edits_is_one_audited_version(fresh_url, tmp_path):
    data = _copy(tmp_path)
    _edit(
        data / "exchanges.csv",
        "2024-07-17,2024-07-17,pow_exchange,95,95",
        "2024-07-17,2024-07-17,pow_exchange,96,95",
    )
    before = _count(fresh_url, "change")
    assert load(fresh_url, data) == 2
    assert _count(fresh_url, "change") == before + 1
    from app import queries
    from app.db import read_session

    with use_database(fresh_url), read_session() as s:
        row = queries.get_exchange(s, "2024-07-17", version=2)
        old = queries.get_exchange(s, "2024-07-17", version=1)
    assert row is not None and old is not None
    assert (row["ukraine_received"], row["total"], row["revision"]) == (96, 191, 2)
    assert (old["ukraine_received"], old["revision"]) == (95, 1)


BROKEN = [
    # (file, old, new, expected problem fragment)
    (
        "exchanges.csv",
        "2024-07-17,2024-07-17,pow_exchange,95,95",
        "2024-07-17,2024-07-17,pow_exchange,-95,95",
        "ukraine_received: Input should be greater",
    ),
    (
        "exchanges.csv",
        "2024-01-03,2024-01-03,pow_exchange",
        "2024-01-03,2024-01-03,prisoners",
        "kind: Input should be",
    ),
    (
        "exchanges.csv",
        "2022-03-01,2022-03-01,",
        "2022-03-01,2021-03-01,",
        "date: must be on or after",
    ),
    (
        "exchanges.csv",
        "2026-05-15,2026-05-15,",
        "2099-05-15,2099-05-15,",
        "date: must not be in the future",
    ),
    ("exchanges.csv", '.",high,', '.",certain,', "confidence: Input should be"),
    (
        "exchanges.csv",
        "up-2022-04-01-86",
        "no-such-source",
        "sources: unknown source 'no-such-source'",
    ),
    ("exchanges.csv", ",uae,55,", ",atlantis,55,", "mediators: unknown mediator 'atlantis'"),
    (
        "exchanges.csv",
        "2024-02-08,2024-02-08,",
        "2024-01-31,2024-01-31,",
        "id: '2024-01-31' duplicates",
    ),
    (
        "sources.csv",
        "https://www.pravda.com.ua/eng/news/2022/03/24/7334216/",
        "not a url",
        "url: must be an http(s) URL",
    ),
    (
        "sources.csv",
        ",media,en\n",
        ",media,english\n",
        "language: must be a two-letter ISO 639-1 code",
    ),
]


def test_a_broken_directory_reports_every_problem_and_writes_nothing(fresh_url, tmp_path):
    data = _copy(tmp_path)
    for filename, old, new, _ in BROKEN:
        _edit(data / filename, old, new)
    changes, version = _count(fresh_url, "change"), _version(fresh_url)
    with pytest.raises(LoadError) as info:
        load(fresh_url, data)
    problems = info.value.problems
    for filename, _, _, fragment in BROKEN:
        assert any(p.startswith(str(data / filename) + ":") and fragment in p for p in problems), (
            fragment,
            problems,
        )
    # Every problem is file:line: column: message, with a real line number.
    for p in problems:
        path, line, rest = p.split(":", 2)
        assert Path(path).suffix == ".csv" and int(line) > 1, p
        assert ": " in rest
    assert _count(fresh_url, "change") == changes
    assert _version(fresh_url) == version


def test_unknown_and_missing_columns(tmp_path, fresh_url):
    data = _copy(tmp_path)
    _edit(data / "mediators.csv", "id,name", "id,name,country")
    _edit(data / "sources.csv", "id,url,publisher", "id,link,publisher")
    with pytest.raises(LoadError) as info:
        load(fresh_url, data)
    assert any("mediators.csv:1: country: unknown column" in p for p in info.value.problems)
    assert any("sources.csv:1: url: required column is missing" in p for p in info.value.problems)


def test_cli_reports_problems_and_exits_non_zero(tmp_path, fresh_url):
    from typer.testing import CliRunner

    from app.cli import cli

    data = _copy(tmp_path)
    _edit(
        data / "exchanges.csv",
        "2024-07-17,2024-07-17,pow_exchange,95,95",
        "2024-07-17,2024-07-17,pow_exchange,x,95",
    )
    with use_database(fresh_url):
        result = CliRunner().invoke(cli, ["load", str(data)])
    assert result.exit_code == 1
    assert "ukraine_received: Input should be a valid integer" in result.output
    assert "nothing was written" in result.output


def test_load_if_empty_skips_a_loaded_database(fresh_url):
    from typer.testing import CliRunner

    from app.cli import cli

    with use_database(fresh_url):
        result = CliRunner().invoke(cli, ["load", str(DATA), "--if-empty"])
    assert result.exit_code == 0
    assert _version(fresh_url) == 1


# ---- the research update of 2026-12 loads as one version, each record with its reason -----------

BEFORE = Path(__file__).resolve().parent / "fixtures" / "data_2026_11"
REASONS = DATA / "changes" / "2026-12.csv"


@pytest.fixture
def before_url(tmp_root):
    """A database holding the dataset as it stood before the research update (version 1)."""
    from tests.conftest import drop_database, migrate, new_database

    url = new_database(tmp_root)
    try:
        migrate(url)
        assert load(url, BEFORE) == 1
        yield url
    finally:
        drop_database(url)


def test_the_update_loads_as_one_version_with_a_reason_per_record(before_url):
    import csv

    from app.cli import load_directory
    from tests.conftest import make_client

    url = before_url
    with use_database(url):
        assert load_directory(DATA, progress=False, reasons_file=REASONS) == 2
    with (REASONS).open(newline="", encoding="utf-8") as fh:
        reasons = {(r["record_type"], r["record_id"]): r["reason"] for r in csv.DictReader(fh)}
    assert reasons and all(reasons.values())
    with make_client(url) as c:
        assert c.get("/v1/dataset").json()["data"]["version"] == 2
        changes, metas = [], []
        params: dict[str, object] = {"since_version": 1, "limit": 100}
        while True:
            body = c.get("/v1/dataset/changes", params=params).json()
            changes += body["data"]
            metas.append(body["meta"])
            if body["meta"]["next_cursor"] is None:
                break
            params["cursor"] = body["meta"]["next_cursor"]
        # One entry per changed record, all in version 2, each with its own reason.
        keys = [(ch["record_type"], ch["record_id"]) for ch in changes]
        assert len(keys) == len(set(keys)) == metas[0]["count"]
        assert {ch["version"] for ch in changes} == {2}
        assert set(keys) == set(reasons)
        for ch in changes:
            assert ch["reason"] == reasons[ch["record_type"], ch["record_id"]], ch["record_id"]
            assert ch["actor"] == "loader"
        actions = {(ch["record_type"], ch["record_id"]): ch["action"] for ch in changes}
        assert actions["coverage", "dataset"] == "create"
        assert actions["exchange", "2023-10-19"] == "delete"
        assert actions["exchange", "2023-10-06"] == "create"
        assert actions["moved_exchange", "2023-10-19"] == "create"
        assert actions["exchange", "2025-08-24"] == "update"
        # The moved ids: 301 at version 2, the exchange itself at version 1.
        for old, new in (("2023-09-18", "2023-09-15"), ("2023-10-19", "2023-10-06")):
            now = c.get(f"/v1/exchanges/{old}", follow_redirects=False)
            assert now.status_code == 301, old
            assert now.headers["location"] == f"/v1/exchanges/{new}"
            then = c.get(f"/v1/exchanges/{old}?as_of_version=1", follow_redirects=False)
            assert then.status_code == 200 and then.json()["data"]["id"] == old
            assert c.get(f"/v1/exchanges/{new}?as_of_version=1").status_code == 404
        # Version 1 had no coverage; version 2 has.
        assert c.get("/v1/dataset/coverage?as_of_version=1").status_code == 404
        assert c.get("/v1/dataset/coverage").json()["data"]["until"] == "2026-06-07"
        old_counts = c.get("/v1/dataset?as_of_version=1").json()["data"]["counts"]
        assert (old_counts["exchanges"], old_counts["moved_exchanges"]) == (138, 0)
        assert c.get("/v1/dataset").json()["data"]["counts"]["exchanges"] == 150
    # Loading the same files again changes nothing, with or without the reasons.
    changes_before = _count(url, "change")
    with use_database(url):
        assert load_directory(DATA, progress=False, reasons_file=REASONS) is None
        assert load_directory(DATA, progress=False) is None
    assert _version(url) == 2 and _count(url, "change") == changes_before


def test_the_cli_takes_the_reasons_file(before_url):
    from typer.testing import CliRunner

    from app.cli import cli

    with use_database(before_url):
        result = CliRunner().invoke(
            cli, ["load", str(DATA), "--reasons", str(REASONS), "--reason", "fallback"]
        )
    assert result.exit_code == 0, result.output
    assert _version(before_url) == 2


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("record_type,record_id\nexchange,2024-07-17\n", ":1: header: must be"),
        ("record_type,record_id,reason\nplanet,x,Why.\n", ":2: record_type: 'planet' is not"),
        ("record_type,record_id,reason\nexchange,2024-07-17,\n", ":2: reason: must be 1 to"),
        ("record_type,record_id,reason\nexchange\n", ":2: reason: must be 1 to"),  # a short row
        # The rules of an admin write's reason: no formula, no control characters, no names.
        ('record_type,record_id,reason\nexchange,2024-07-17,"=HYPERLINK(""x"")"\n', "formula"),
        ("record_type,record_id,reason\nexchange,2024-07-17,A\x07bell.\n", ":2: reason: "),
        (
            "record_type,record_id,reason\nexchange,2024-07-17,A.\nexchange,2024-07-17,B.\n",
            ":3: record_id: exchange '2024-07-17' is listed twice",
        ),
    ],
)
def test_a_bad_reasons_file_is_refused_and_nothing_written(fresh_url, tmp_path, text, fragment):
    from app.cli import load_directory

    data = _copy(tmp_path)
    _edit(data / "exchanges.csv", "pow_exchange,95,95", "pow_exchange,96,95")
    reasons = tmp_path / "reasons.csv"
    reasons.write_text(text, encoding="utf-8")
    with use_database(fresh_url), pytest.raises(LoadError) as info:
        load_directory(data, progress=False, reasons_file=reasons)
    assert any(p.startswith(str(reasons)) and fragment in p for p in info.value.problems), (
        info.value.problems
    )
    assert _version(fresh_url) == 1


def test_coverage_and_moves_are_optional_files_and_checked(fresh_url, tmp_path, empty_url):
    # An older folder (the fixture of 2026-11) has neither file: it loads.
    assert load(empty_url, BEFORE) == 1
    # An exchange outside coverage.csv, and a moved id that is also an exchange, are refused.
    data = _copy(tmp_path)
    _edit(data / "coverage.csv", "2026-06-07", "2026-05-31")
    _edit(data / "moved_exchanges.csv", "2023-10-19,2023-10-06", "2024-07-17,2023-10-06")
    with pytest.raises(LoadError) as info:
        load(fresh_url, data)
    problems = info.value.problems
    assert any(
        p.startswith(f"{data / 'exchanges.csv'}:")
        and "date: 2026-06-07 is outside the coverage" in p
        for p in problems
    ), problems
    assert any(
        p.startswith(f"{data / 'moved_exchanges.csv'}:") and "'2024-07-17' is also an exchange" in p
        for p in problems
    ), problems
    assert _version(fresh_url) == 1
