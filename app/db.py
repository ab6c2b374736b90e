"""Engine and sessions: URL normalising, SQLite pragmas, one place that knows the dialects."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, Result, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.config import get_settings


def normalise_url(url: str) -> str:
    """Accept `postgres://` and `postgresql://` as given and pick the installed psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def is_sqlite(url: str) -> bool:
    return make_url(normalise_url(url)).get_backend_name() == "sqlite"


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for an in-memory database or another backend."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets readers go on while the one writer commits; foreign keys are off by default.
    # SQLite's own lower() folds ASCII only; search lower-cases its words in Python, so the
    # column must be folded the same way for Cyrillic capitals to be found.
    dbapi_conn.create_function("lower", 1, _lower, deterministic=True)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_autocommit_driver(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None


def _sqlite_begin(conn: Any) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get("write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


# SQLite connections kept open per process. Requests beyond it wait for one (the work is CPU-bound
# on one core anyway) rather than open and close a connection each: opening one re-reads the
# schema and runs the pragmas, and closing the last one checkpoints the WAL, which cost a cold
# read about half its time under load and made two workers slower than one.
SQLITE_POOL = 8


def make_engine(url: str, *, query_timeout: float = 0.0, connections: int = 0) -> Engine:
    """An engine for `url`, with pre-ping so a returning database heals without a restart.

    `query_timeout` (seconds, 0 for none) stops any one statement that runs longer: on
    PostgreSQL as its statement_timeout, on SQLite by a progress handler that interrupts the
    statement past its deadline. The server's engines have one; the command line's do not.
    `connections` sets a SQLite file's pool size (default SQLITE_POOL)."""
    url = normalise_url(url)
    if is_sqlite(url):
        database = sqlite_file(url)
        pool: dict[str, Any] = {}
        if database is not None:
            database.parent.mkdir(parents=True, exist_ok=True)
            size = connections or SQLITE_POOL
            pool = {"pool_size": size, "max_overflow": 0, "pool_timeout": 30}
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 10}, **pool
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy, not pysqlite, begin transactions, so that a read transaction is a
        # real one (one snapshot for all its statements) and a write takes the lock at BEGIN.
        event.listen(engine, "connect", _sqlite_autocommit_driver)
        event.listen(engine, "begin", _sqlite_begin)
        if query_timeout:
            _sqlite_deadlines(engine, query_timeout)
        return engine
    connect_args: dict[str, Any] = {"connect_timeout": 5}
    if query_timeout:
        # Added to any `options` the URL already sets (a search_path, say), not instead of it.
        given = make_url(url).query.get("options")
        timeout = f"-c statement_timeout={max(1, round(query_timeout * 1000))}"
        connect_args["options"] = f"{given} {timeout}" if isinstance(given, str) else timeout
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        pool_timeout=5,
        connect_args=connect_args,
    )


def _sqlite_deadlines(engine: Engine, seconds: float) -> None:
    """Each statement gets `seconds` from its start (its rows' fetching included); SQLite
    calls the handler every few thousand instructions and stops the statement ("interrupted")
    once the deadline has passed. A connection going back to the pool has none, so its reset
    (a ROLLBACK) is never interrupted."""

    def connect(dbapi_conn: Any, record: Any) -> None:
        deadline = record.info.setdefault("deadline", [math.inf])
        dbapi_conn.set_progress_handler(lambda: time.monotonic() > deadline[0], 10_000)

    def start(conn: Any, *_: Any) -> None:
        conn.info["deadline"][0] = time.monotonic() + seconds

    def reset(_dbapi_conn: Any, record: Any, _state: Any) -> None:
        record.info["deadline"][0] = math.inf

    event.listen(engine, "connect", connect)
    event.listen(engine, "before_cursor_execute", start)
    event.listen(engine.pool, "reset", reset)


def is_timeout(exc: BaseException) -> bool:
    """Was this database error a statement stopped by `query_timeout`?"""
    orig = getattr(exc, "orig", None)
    return type(orig).__name__ == "QueryCanceled" or "interrupted" in str(orig)


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for DATABASE_URL."""
    return make_engine(get_settings().database_url)


@lru_cache
def _factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


READ = "pow_exchanges.read"  # session.info key: a read session (see open_read)


class Reads(Protocol):
    """What every read uses of a session: statements, the connection (for fixed SQL sent as it
    is), the engine and a dict for what one snapshot learns once. A writer's Session has it,
    and so has a ReadSession."""

    @property
    def info(self) -> dict[Any, Any]: ...

    # Any: Session.execute's overloads type each select's rows; a protocol cannot say them.
    def execute(self, statement: Any, params: Any = None) -> Any: ...

    def connection(self) -> Connection: ...

    def get_bind(self) -> Engine | Connection: ...


class ReadSession:
    """A read's one transaction on a Core connection: the Reads the queries use, without the
    ORM Session's per-request bookkeeping, which cost more than the snapshot's own statements
    (about 35 us of every read, measured; reads map no objects). Closing rolls it back."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn = engine.connect()
        # What this snapshot learns once (the version): its own, never the pooled connection's.
        self.info: dict[Any, Any] = {READ: True}

    def execute(self, statement: Any, params: Any = None) -> Result[Any]:
        return self._conn.execute(statement, params)

    def connection(self) -> Connection:
        return self._conn

    def get_bind(self) -> Engine:
        return self._engine

    def close(self) -> None:
        self._conn.close()

    def invalidate(self) -> None:
        self._conn.invalidate()


@contextmanager
def read_session(engine: Engine | None = None) -> Iterator[ReadSession]:
    """A session for reads: one transaction, so every statement sees the same snapshot."""
    session = open_read(engine)
    try:
        yield session
    finally:
        close_read(session)


def open_read(engine: Engine | None = None) -> ReadSession:
    """A read session (see read_session); the caller closes it with close_read."""
    eng = engine or get_engine()
    session = ReadSession(eng)
    if eng.dialect.name == "postgresql":
        try:
            session.connection().execution_options(isolation_level="REPEATABLE READ")
        except BaseException:
            close_read(session)
            raise
    return session


def close_read(session: ReadSession) -> None:
    """Closing a read session rolls its transaction back. When the database has just gone
    away that ROLLBACK fails, after the answer was made (and perhaps sent): nothing was
    written, so drop the connection rather than fail a request that has already succeeded."""
    try:
        session.close()
    except (OperationalError, InterfaceError):
        with contextlib.suppress(Exception):
            session.invalidate()


def analyze(engine: Engine | None = None) -> None:
    """Refresh the planner's statistics after a bulk load, so that it joins the mediator links
    from the right side (SQLite keeps none until asked; PostgreSQL's autovacuum gets there
    later). A few hundred milliseconds for 100,000 events."""
    with (engine or get_engine()).connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


@contextmanager
def write_session(engine: Engine | None = None) -> Iterator[Session]:
    """A session whose transaction commits whole or rolls back whole (the write lock is taken
    at BEGIN on SQLite; on PostgreSQL the writer's first UPDATE takes the version row's lock)."""
    with _factory(engine or get_engine())() as session:
        session.connection(execution_options={"write": True})

        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
