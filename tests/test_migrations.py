"""Migrations: upgrade on an empty database, no drift from the models, down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from app.cli import alembic_config
from app.db import normalise_url
from app.models import metadata


def _diff(url: str) -> list[object]:
    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, metadata)
    engine.dispose()
    return list(diff)


def test_upgrade_check_downgrade_upgrade(empty_url):
    config = alembic_config(empty_url)
    assert _diff(empty_url) == []
    command.check(config)  # type: ignore[arg-type]
    command.downgrade(config, "base")  # type: ignore[arg-type]
    command.upgrade(config, "head")  # type: ignore[arg-type]
    assert _diff(empty_url) == []
