"""Backups keep the history: the restore drill, on SQLite and (in that pass) PostgreSQL.

Write several versions, back up while writes go on, drop the database, restore it into a new
one, and compare every version's answers byte for byte (ETags included) and the whole
changelog. The figures (versions, bytes compared, time to restore) are printed.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from app import curation
from tests.conftest import drop_database, is_postgres, make_client, new_database, use_database

# A fixed set of reads, each asked at every version: records, lists, statistics, the
# citation and the whole export.
READS = [
    "/v1/dataset",
    "/v1/dataset/citation",
    "/v1/exchanges?limit=500",
    "/v1/exchanges/2024-07-17",
    "/v1/sources?limit=500",
    "/v1/claims?limit=500&format=csv",
    "/v1/agreements",
    "/v1/mediators",
    "/v1/statistics/summary",
    "/v1/statistics/timeseries?interval=month&cumulative=true",
    "/v1/statistics/reconciliation",
    "/v1/dataset/export",
]
HEADERS = ("etag", "last-modified", "x-dataset-version", "content-type", "link")


def cli(url: str, *args: str) -> tuple[int, str]:
    from typer.testing import CliRunner

    from app.cli import cli as command

    with use_database(url):
        result = CliRunner().invoke(command, list(args))
    return result.exit_code, " ".join(result.output.split())


def one_write(url: str, engine: Any, i: int) -> int:
    """The i-th write of the load: an update, a create, a delete and a restore in turn."""
    from app.db import write_session

    source = f"zz-drill-{i - i % 4 + 1}"
    with write_session(engine) as session:
        if i % 4 == 0:
            live = curation.live_record(session, "exchange", "2024-07-17")
            assert live is not None
            rec, action, rid = {**live[2], "notes": f"Write {i}."}, "update", "2024-07-17"
            result = curation.write_one(session, "exchange", action, rid, rec, actor="drill",
                                        reason=f"write {i}", expected_revision=None)  # fmt: skip
        else:
            action = {1: "create", 2: "delete", 3: "restore"}[i % 4]
            rec = None
            if action == "create":
                rec = {"id": source, "url": f"https://example.org/{i}", "publisher": "Drill",
                       "title": None, "published": None, "kind": "media", "language": "en"}  # fmt: skip
            result = curation.write_one(session, "source", action, source, rec, actor="drill",
                                        reason=None, expected_revision=None)  # fmt: skip
    assert result.version is not None
    return result.version


def answers(url: str, versions: range) -> dict[str, tuple[bytes, dict[str, str]]]:
    """Every read at every version, and every page of the changelog at the last one."""
    out: dict[str, tuple[bytes, dict[str, str]]] = {}
    with make_client(url) as c:
        for v in versions:
            for read in READS:
                u = f"{read}{'&' if '?' in read else '?'}as_of_version={v}"
                r = c.get(u)
                assert r.status_code == 200, (u, r.text)
                out[u] = (r.content, {h: r.headers.get(h, "") for h in HEADERS})
        u: str | None = f"/v1/dataset/changes?limit=500&as_of_version={versions[-1]}"
        while u:
            r = c.get(u)
            assert r.status_code == 200, r.text
            out[u] = (r.content, {h: r.headers.get(h, "") for h in HEADERS})
            cursor = r.json()["meta"]["next_cursor"]
            u = (
                cursor
                and f"/v1/dataset/changes?limit=500&as_of_version={versions[-1]}&cursor={cursor}"
            )
    return out


def drop(url: str) -> None:
    drop_database(url)
    if not is_postgres():
        path = Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def test_restore_drill(fresh_url, tmp_root, tmp_path):
    from app.db import make_engine

    engine = make_engine(fresh_url)
    for i in range(4):  # history before the load: versions 2..5
        one_write(fresh_url, engine, i)
    stop = threading.Event()
    written: list[int] = []

    def load() -> None:
        i = 4
        while not stop.is_set():
            written.append(one_write(fresh_url, engine, i))
            i += 1
            time.sleep(0.02)

    writer = threading.Thread(target=load)
    writer.start()
    try:
        time.sleep(0.15)
        before = len(written)
        backup_file = tmp_path / ("pow.dump" if is_postgres() else "pow.sqlite3")
        code, output = cli(fresh_url, "backup", str(backup_file))
        during = len(written) - before
        time.sleep(0.15)
    finally:
        stop.set()
        writer.join(30)
    engine.dispose()
    assert code == 0, output
    saved = int(output.split("dataset version ")[1].split()[0])
    print(f"\nbackup: {output}")
    # The backup was taken under load: writes landed before, during or after it.
    assert before > 0 and written[-1] > saved > 5, (before, during, saved, written)

    expected = answers(fresh_url, range(1, saved + 1))
    drop(fresh_url)  # the database is lost

    restored = new_database(tmp_root)
    try:
        started = time.monotonic()
        code, output = cli(restored, "restore", str(backup_file))
        seconds = time.monotonic() - started
        assert code == 0, output
        assert f"restored dataset version {saved}" in output
        got = answers(restored, range(1, saved + 1))
    finally:
        drop(restored)
    assert got.keys() == expected.keys()
    for u in expected:
        assert got[u][1] == expected[u][1], u  # ETag, Last-Modified, version, Link
        assert got[u][0] == expected[u][0], u
    compared = sum(len(body) for body, _ in expected.values())
    print(
        f"restore drill ({'PostgreSQL' if is_postgres() else 'SQLite'}): {saved} versions, "
        f"{len(expected)} answers, {compared:,} bytes compared byte for byte, backup "
        f"{backup_file.stat().st_size:,} bytes taken while {during} writes landed, "
        f"restored in {seconds:.2f} s"
    )


def test_restore_refuses_a_database_that_holds_data_unless_forced(fresh_url, empty_url, tmp_path):
    backup_file = tmp_path / "backup"
    assert cli(fresh_url, "backup", str(backup_file))[0] == 0
    code, output = cli(fresh_url, "backup", str(backup_file))
    assert code == 2 and "exists" in output and "--force" in output
    assert cli(fresh_url, "backup", "--force", str(backup_file))[0] == 0

    with make_client(empty_url) as c:  # migrated, no data: restored without asking
        assert c.get("/v1/dataset").json()["data"]["version"] == 0
    code, output = cli(empty_url, "restore", str(backup_file))
    assert code == 0, output

    from app.db import make_engine

    engine = make_engine(empty_url)
    one_write(empty_url, engine, 0)  # version 2 now
    engine.dispose()
    code, output = cli(empty_url, "restore", str(backup_file))
    assert code == 2 and "holds data (dataset version 2" in output and "--force" in output
    with make_client(empty_url) as c:
        assert c.get("/v1/dataset").json()["data"]["version"] == 2  # untouched
    code, output = cli(empty_url, "restore", "--force", str(backup_file))
    assert code == 0 and "restored dataset version 1" in output
    with make_client(empty_url) as c:
        assert c.get("/v1/dataset").json()["data"]["version"] == 1
        assert c.get("/v1/exchanges/2024-07-17").json()["data"]["revision"] == 1


def test_a_file_that_is_not_a_backup_is_refused(fresh_url, tmp_path):
    other = tmp_path / "other"
    other.write_bytes(b"PGDMP" if not is_postgres() else b"SQLite format 3\x00")
    code, output = cli(fresh_url, "restore", "--force", str(other))
    assert code == 2 and "is not a" in output
    code, output = cli(fresh_url, "restore", str(tmp_path / "missing"))
    assert code == 2 and "no such backup file" in output


def test_a_backup_from_before_a_migration_restores_to_exactly_its_tables(
    fresh_url, empty_url, tmp_path
):
    """A backup taken before a migration added a table, restored into a database migrated
    since: the database is then what the backup holds (the later table gone, the older
    alembic_version), and `migrate` brings it up to date again."""
    from sqlalchemy import inspect, text

    from app.db import make_engine

    backup_file = tmp_path / "backup"
    assert cli(fresh_url, "backup", str(backup_file))[0] == 0
    engine = make_engine(empty_url)
    with engine.begin() as conn:  # what a later migration would add, with a row in it
        conn.execute(text("CREATE TABLE added_later (id INTEGER PRIMARY KEY)"))
        conn.execute(text("INSERT INTO added_later VALUES (1)"))
    engine.dispose()
    code, output = cli(empty_url, "restore", str(backup_file))
    assert code == 0, output
    engine = make_engine(empty_url)
    try:
        assert "added_later" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    assert cli(empty_url, "migrate")[0] == 0
    with make_client(empty_url) as c:
        assert c.get("/v1/dataset").json()["data"]["version"] == 1


def test_a_database_that_is_none_is_said_in_words(tmp_path):
    """Not a database file, or a server out of reach: a sentence and exit 2, no traceback."""
    if is_postgres():
        url = "postgresql://postgres@127.0.0.1:1/nowhere"  # nothing listens on port 1
    else:
        junk = tmp_path / "junk.sqlite3"
        junk.write_bytes(b"this is no database, just bytes of some other file\n" * 100)
        url = f"sqlite:///{junk}"
    backup_file = tmp_path / "backup"
    for args in (("backup", str(backup_file)), ("restore", "--force", str(backup_file))):
        if args[0] == "restore":  # a backup file of the right kind, so the database is asked
            backup_file.write_bytes(b"PGDMP" if is_postgres() else b"SQLite format 3\x00")
        code, output = cli(url, *args)
        assert code == 2 and "Traceback" not in output, (args, output)
        assert not (tmp_path / ".backup.part").exists()
