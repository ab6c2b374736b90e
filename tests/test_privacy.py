"""No personal names of captives: the shipped data passes the curators' name patterns, and both
ways in (the loader and the curation API) refuse a value that matches one, writing nothing."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from app.loader import LoadError
from app.privacy import PATTERNS_FILE, find_name, name_patterns, parse
from tests.conftest import DATA, load, make_client, use_database
from tests.helpers import assert_problem
from tests.test_admin import AUTH, NEW, admin_env  # noqa: F401  (fixture)

# Every column a curator writes in words; ids, dates, numbers, vocabularies and URLs are not
# prose (a URL is kept exactly as published so that the citation resolves).
PROSE = {"notes", "note", "title", "publisher", "name", "ua_categories"}

NAMES = [
    "Freed: Ivan Petrenko, a marine.",
    "Oleksandr Kovalenko returned.",
    "Serhiy Bondar and 94 others",
    "Олександр Петренко повернувся додому",
    "Сергей Иванов освобождён",
    "Petrenko Ivanovych",
    "Іван Петрович",
    "Sgt. Kovalenko",
    "Lieutenant Bondarenko was among them",
    "молодший сержант Петренко",
    "call sign Grek",
    "позивний «Грек»",
    "born in 1994",
    "1994 р.н.",
    "Viktor Medvedchuk was handed over",
    # shapes a first pattern list let through (found in review)
    "OLEKSANDR PETRENKO",
    "Petrenko Oleksandr",
    "O. Petrenko",
    "Иван Петров",
    "Пётр Иванов",
    "Sgt Petrenko",
    "sergeant Petrenko",
    "Сержант Петренко",
    "Ivan\u200b Petrenko",  # a zero-width space inside
    "Kyrylo Budanovych Petrenko",  # an allowed official's name as a prefix
    "Andriy Yermakov",
]

NOT_NAMES = [
    "Dmytro Lubinets said 95 defenders returned.",
    "Ombudsman Moskalkova confirmed the nine.",
    "Armed Forces; National Guard; Border Guard",
    "United Arab Emirates",
    "The Kyiv Independent",
    "Russia Conduct Major Prisoner Swap Amid Ongoing Conflict",
    "Буданов вперше назвав кількість звільнених полонених",
    "privates and sergeants",
    "Ukraine's 54th exchange, agreed in Istanbul on 2 June 2025.",
    "Wagner Private Military Company",
    "a Lieutenant General of the Russian army",
    "U.S. Army",
    "St. Petersburg",
]


def prose_values() -> list[tuple[str, int, str, str]]:
    out = []
    for path in sorted(DATA.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for line, row in enumerate(csv.DictReader(fh), start=2):
                out += [(path.name, line, k, v) for k, v in row.items() if k in PROSE and v]
    return out


def test_the_shipped_data_names_no_one():
    values = prose_values()
    assert len(values) > 1000  # every file was read, not an empty glob
    found = [(f, line, k, find_name(v)) for f, line, k, v in values if find_name(v)]
    assert found == []


def test_the_pattern_list_is_the_curators_file_and_compiles():
    patterns = name_patterns()
    assert PATTERNS_FILE.parent == DATA
    assert len(patterns.patterns) >= 10 and "Dmytro Lubinets" in patterns.allowed
    with pytest.raises(ValueError, match=r"name_patterns.txt:2: "):
        parse("# a comment\n(unclosed\n")


@pytest.mark.parametrize("text", NAMES)
def test_names_are_found(text):
    assert find_name(text) is not None


@pytest.mark.parametrize("text", NOT_NAMES)
def test_officials_and_ordinary_prose_pass(text):
    assert find_name(text) is None


def test_an_allowed_official_does_not_shield_a_captive_beside_them():
    assert find_name("Dmytro Lubinets named Ivan Petrenko among them") == "Ivan Petrenko"


def test_the_loader_refuses_a_name_and_writes_nothing(fresh_url, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    path: Path = data / "exchanges.csv"
    text = path.read_text(encoding="utf-8")
    old = "2024-07-17,2024-07-17,pow_exchange,95,95"
    line = text[: text.index(old)].count("\n") + 1
    edited = text.replace('"UAE-brokered 95-for-95 swap', '"Ivan Petrenko came home in a swap', 1)
    assert edited != text
    path.write_text(edited, encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load(fresh_url, data)
    problems = info.value.problems
    assert any(
        p.startswith(f"{path}:") and "notes: looks like a personal name" in p for p in problems
    ), problems
    assert any(f":{line}:" in p for p in problems), (line, problems)


def test_a_change_reason_may_not_name_anyone(fresh_url, admin_env):  # noqa: F811
    with use_database(fresh_url), make_client(fresh_url) as c:
        r = c.post("/v1/admin/exchanges?reason=as+told+by+Sgt+Kovalenko", json=NEW, headers=AUTH)
        assert "personal name" in assert_problem(r, 422, "reason")["detail"]
        assert c.get("/v1/dataset").json()["data"]["version"] == 1


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/admin/exchanges", {**NEW, "notes": "Among them Sgt. Kovalenko."}, "notes"),
        (
            "/v1/admin/exchanges",
            {**NEW, "ua_categories": ["Олександр Петренко"]},
            "ua_categories.0",
        ),
    ],
)
def test_the_api_refuses_a_name_and_writes_nothing(fresh_url, admin_env, path, body, field):  # noqa: F811
    with use_database(fresh_url), make_client(fresh_url) as c:
        before = c.get("/v1/dataset").json()["data"]["version"]
        r = c.post(path, json=body, headers=AUTH)
        problem = assert_problem(r, 422, field)
        assert "personal name" in problem["detail"]
        assert c.get("/v1/dataset").json()["data"]["version"] == before
