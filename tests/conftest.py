"""Test databases and clients: migrated to head by Alembic and filled by the real loader.

SQLite by default; set TEST_DATABASE_URL to a PostgreSQL server URL to run the same suite
there (each database is created for the run and dropped afterwards).
"""

from __future__ import annotations

import os
import shutil
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
TEST_URL = os.environ.get("TEST_DATABASE_URL", "")


def is_postgres() -> bool:
    return TEST_URL.startswith(("postgres://", "postgresql"))


def _admin_url() -> str:
    from app.db import normalise_url

    return str(make_url(normalise_url(TEST_URL)).set(database="postgres"))


def new_database(tmp: Path, template: str | None = None) -> str:
    """A new, empty (or copied from `template`) database; returns its URL."""
    if is_postgres():
        from app.db import normalise_url

        name = f"powx_test_{uuid.uuid4().hex[:12]}"
        engine = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            suffix = f' TEMPLATE "{make_url(template).database}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
        engine.dispose()
        return str(
            make_url(normalise_url(TEST_URL))
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    path = tmp / f"db-{uuid.uuid4().hex[:8]}.sqlite3"
    if template:
        shutil.copyfile(make_url(template).database or "", path)
    return f"sqlite:///{path}"


def drop_database(url: str) -> None:
    dispose_all()
    if not is_postgres():
        return
    name = make_url(url).database
    engine = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def dispose_all() -> None:
    from app.db import get_engine

    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()


@contextmanager
def use_database(url: str) -> Iterator[str]:
    """Point the app (settings, engine) at `url` for the duration."""
    from app.config import get_settings

    old = os.environ.get("DATABASE_URL")
    dispose_all()
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    try:
        yield url
    finally:
        dispose_all()
        if old is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = old
        get_settings.cache_clear()


def migrate(url: str) -> None:
    from alembic import command

    from app.cli import alembic_config

    command.upgrade(alembic_config(url), "head")  # type: ignore[arg-type]


def load(url: str, directory: Path = DATA) -> int | None:
    from app.cli import load_directory

    with use_database(url):
        return load_directory(directory, progress=False)


@pytest.fixture(scope="session")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dbs")


@pytest.fixture(scope="session")
def template_url(tmp_root: Path) -> Iterator[str]:
    """Migrated to head and loaded from data/: the canonical fixture, copied for each use."""
    url = new_database(tmp_root)
    migrate(url)
    load(url)
    dispose_all()
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def db_url(tmp_root: Path, template_url: str) -> Iterator[str]:
    """The shipped dataset, shared by every read-only test."""
    url = new_database(tmp_root, template_url)
    yield url
    drop_database(url)


@pytest.fixture
def fresh_url(tmp_root: Path, template_url: str) -> Iterator[str]:
    """A private copy of the shipped dataset for a test that writes."""
    url = new_database(tmp_root, template_url)
    yield url
    drop_database(url)


SMALL = ROOT / "tests" / "fixtures" / "small"


@pytest.fixture(scope="session")
def small_client(tmp_root: Path):  # type: ignore[no-untyped-def]
    """The small hand-checked fixture dataset (tests/fixtures/small), read-only."""
    url = new_database(tmp_root)
    migrate(url)
    load(url, SMALL)
    with make_client(url) as c:
        yield c
    drop_database(url)


@pytest.fixture
def empty_url(tmp_root: Path) -> Iterator[str]:
    """A migrated database with no data."""
    url = new_database(tmp_root)
    migrate(url)
    yield url
    drop_database(url)


def make_client(url: str, **settings: object):  # type: ignore[no-untyped-def]
    """A client of an app bound to `url` (other settings from the environment)."""
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app

    # Tests write behind the app's back, so the cache checks the version on every request.
    settings.setdefault("version_ttl", 0.0)
    app = create_app(Settings(database_url=url, **settings))  # type: ignore[arg-type]

    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="session")
def client(db_url: str):  # type: ignore[no-untyped-def]
    with make_client(db_url) as c:
        yield c


@pytest.fixture
def fresh_client(fresh_url: str):  # type: ignore[no-untyped-def]
    with make_client(fresh_url) as c:
        yield c
