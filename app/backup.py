"""Backups that keep the history, and restores: the whole database, every version of every
record and the whole changelog, not just the current version the export zip holds.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies the live file in one step
under a read snapshot, so it is safe while the server runs and writes (WAL lets the writer go
on). PostgreSQL: `pg_dump --format=custom`, then `pg_restore` and `psql` to restore, run as
subprocesses (they must be on PATH, of the server's major version or newer); the dump reads the
snapshot of a transaction of ours, so the version it holds is known exactly.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from app.db import is_sqlite, normalise_url, sqlite_file

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A refusal or a failure, said in words; nothing was changed."""


@contextlib.contextmanager
def _said() -> Iterator[None]:
    """A database's own failure (a file that is no database, a server out of reach) as a
    BackupError, in its words, instead of a traceback."""
    import psycopg

    try:
        yield
    except (sqlite3.DatabaseError, psycopg.Error) as exc:
        raise BackupError(str(exc).strip() or type(exc).__name__) from exc


@dataclass(frozen=True)
class Report:
    path: Path
    version: int  # the dataset version the backup holds (or the restored database now holds)
    changes: int  # entries of the changelog it holds
    bytes: int
    seconds: float


def backup(url: str, path: Path, *, force: bool = False) -> Report:
    """Copy the database at `url` to `path` (written whole, then renamed into place)."""
    with _said():
        return _backup(url, path, force=force)


def _backup(url: str, path: Path, *, force: bool) -> Report:
    if path.exists() and not force:
        raise BackupError(f"{path} exists; give another path, or --force to replace it")
    if path.is_dir():
        raise BackupError(f"{path} is a folder; give a file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.part")
    start = time.monotonic()
    try:
        if is_sqlite(url):
            version, changes = _sqlite_backup(_sqlite_file(url), part)
        else:
            version, changes = _pg_dump(make_url(normalise_url(url)), part)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return Report(path, version, changes, path.stat().st_size, time.monotonic() - start)


def restore(url: str, path: Path, *, force: bool = False) -> Report:
    """Replace the database at `url` by the backup at `path`; a database that holds data is
    refused unless `force`."""
    with _said():
        return _restore(url, path, force=force)


def _restore(url: str, path: Path, *, force: bool) -> Report:
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file")
    with path.open("rb") as fh:
        magic = fh.read(len(SQLITE_MAGIC))
    sqlite = is_sqlite(url)
    if sqlite and not magic.startswith(SQLITE_MAGIC):
        raise BackupError(f"{path} is not a SQLite backup, and DATABASE_URL is SQLite")
    if not sqlite and not magic.startswith(PGDUMP_MAGIC):
        raise BackupError(f"{path} is not a pg_dump custom-format backup, and DATABASE_URL is "
                          "PostgreSQL")  # fmt: skip
    start = time.monotonic()
    if sqlite:
        target = _sqlite_file(url)
        held = _sqlite_state(target)
        _refuse_unless(held, force)
        _sqlite_restore(path, target)
        version, changes = _sqlite_state(target) or (0, 0)
    else:
        pg = make_url(normalise_url(url))
        _refuse_unless(_pg_state_of(pg), force)
        _pg_restore(pg, path)
        version, changes = _pg_state_of(pg) or (0, 0)
    return Report(path, version, changes, path.stat().st_size, time.monotonic() - start)


def _refuse_unless(held: tuple[int, int] | None, force: bool) -> None:
    if held is not None and held[0] > 0 and not force:
        raise BackupError(
            f"the database holds data (dataset version {held[0]}, {held[1]} changes); "
            "restore into an empty database, or give --force to replace it"
        )


_STATE_SQL = "SELECT (SELECT version FROM dataset_meta WHERE id = 1), (SELECT count(*) FROM change)"


# ---- SQLite ----------------------------------------------------------------------------------


def _sqlite_file(url: str) -> Path:
    database = sqlite_file(url)
    if database is None:
        raise BackupError("DATABASE_URL names no database file")
    return database


@contextlib.contextmanager
def _sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    # Read-write even to read: the last connection to close a WAL database removes its -wal
    # and -shm files, which a read-only one cannot (and would leave beside a backup).
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def _sqlite_state(path: Path) -> tuple[int, int] | None:
    """(version, changes) of a database file; None when it holds no dataset at all."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    with _sqlite(path) as conn:
        try:
            version, changes = conn.execute(_STATE_SQL).fetchone()
        except sqlite3.OperationalError:  # no such table: not migrated
            return None
    return int(version or 0), int(changes)


def _sqlite_backup(source: Path, part: Path) -> tuple[int, int]:
    if not source.exists():
        raise BackupError(f"{source}: no such database file")
    part.unlink(missing_ok=True)
    with _sqlite(source) as src, _sqlite(part) as dst:
        src.backup(dst)  # all pages in one step, under one read snapshot of the live file
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
    if check != "ok":
        raise BackupError(f"the copy failed its integrity check: {check}")
    state = _sqlite_state(part)
    if state is None:
        raise BackupError(f"{source} holds no pow-exchanges dataset")
    return state


def _sqlite_restore(backup_file: Path, target: Path) -> None:
    with _sqlite(backup_file) as src:
        check = src.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"{backup_file} failed its integrity check: {check}")
        target.parent.mkdir(parents=True, exist_ok=True)
        with _sqlite(target) as dst:
            # The backup API writes every page into the target under its write lock, so other
            # connections see the old database or the restored one, never a mix.
            src.backup(dst)


# ---- PostgreSQL -------------------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not on PATH (install PostgreSQL's client tools, of the "
                          "server's major version or newer)")  # fmt: skip
    return found


def _conninfo(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and the environment that carries it (a password on
    a command line is visible to every user of the machine)."""
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(cmd: list[str], env: dict[str, str]) -> str:
    """Run one of PostgreSQL's tools; its output, or a BackupError with its last words."""
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)  # noqa: S603 - no shell; our tool, our arguments
    if done.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def _pg_connect(url: URL) -> Any:
    import psycopg

    conninfo, _ = _conninfo(url)
    return psycopg.connect(conninfo, password=url.password, connect_timeout=10, autocommit=True)


def _pg_state(conn: Any) -> tuple[int, int] | None:
    """(version, changes) as `conn` sees them; None when it holds no dataset at all."""
    if conn.execute("SELECT to_regclass('public.dataset_meta')").fetchone()[0] is None:
        return None
    version, changes = conn.execute(_STATE_SQL).fetchone()
    return int(version or 0), int(changes)


def _pg_state_of(url: URL) -> tuple[int, int] | None:
    with _pg_connect(url) as conn:
        return _pg_state(conn)


def _pg_dump(url: URL, part: Path) -> tuple[int, int]:
    pg_dump = _tool("pg_dump")
    conninfo, env = _conninfo(url)
    with _pg_connect(url) as conn:
        # pg_dump reads the snapshot of this transaction, so the version read here is the one
        # the dump holds, however many writes land meanwhile.
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        state = _pg_state(conn)
        if state is None:
            raise BackupError("the database holds no pow-exchanges dataset")
        _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={part}",
              f"--dbname={conninfo}"], env)  # fmt: skip
        conn.execute("ROLLBACK")
    _run([_tool("pg_restore"), "--list", str(part)], env)  # the archive reads back whole
    return state


# A table in pg_restore's list of an archive: "<id>; <oid> <oid> TABLE <schema> <name> <owner>".
_ARCHIVED_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE public (\S+) ", re.MULTILINE)


def _pg_restore(url: URL, backup_file: Path) -> None:
    """Make the database what the backup holds, in one transaction (a restore that fails
    leaves it as it was). pg_restore's --clean drops only what the archive holds: tables that
    a later migration added (a backup from before it, restored into a migrated database)
    would stay, with their rows and beside an older alembic_version, so that `migrate` then
    failed on them. They are dropped first, in the same transaction, by psql, which runs the
    script pg_restore writes (--no-owner: the restoring role owns what it creates)."""
    from psycopg import sql

    conninfo, env = _conninfo(url)
    pg_restore = _tool("pg_restore")
    archived = set(_ARCHIVED_TABLE.findall(_run([pg_restore, "--list", str(backup_file)], env)))
    with _pg_connect(url) as conn:
        present = {r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}  # fmt: skip
        drops = "".join(
            sql.SQL("DROP TABLE public.{} CASCADE;").format(sql.Identifier(t)).as_string(conn)
            for t in sorted(present - archived)
        )
    with tempfile.TemporaryDirectory(prefix="pow-restore-") as tmp:
        script = Path(tmp) / "restore.sql"  # whole before it runs: a cut stream would commit
        _run([pg_restore, "--clean", "--if-exists", "--no-owner", f"--file={script}",
              str(backup_file)], env)  # fmt: skip
        _run([_tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction",
              "--set=ON_ERROR_STOP=1", *([f"--command={drops}"] if drops else []),
              f"--file={script}", f"--dbname={conninfo}"], env)  # fmt: skip
    with _pg_connect(url) as conn:
        conn.execute("ANALYZE")  # a dump holds no planner statistics
