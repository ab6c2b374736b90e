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
