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


def test_the_redaction_reaches_every_stored_state_and_the_changelog(empty_url):
    """A database loaded before data/ was redacted holds the name in old states and in the
    changelog; the migration rewrites all of them (and nothing else)."""
    from sqlalchemy import text

    from tests.conftest import load

    config = alembic_config(empty_url)
    # Loaded by today's loader (which knows today's tables), then taken back to the schema
    # before the redaction (a redaction is not undone; the later tables go, with their rows).
    load(empty_url)
    command.downgrade(config, "f2e2a717b44c")  # type: ignore[arg-type]
    engine = create_engine(normalise_url(empty_url))
    old = "Kyiv also handed over Viktor Medvedchuk besides 55 Russians."
    with engine.begin() as conn:  # as the first import stored it
        conn.execute(text("UPDATE exchange SET notes = :n WHERE id = '2022-09-21'"), {"n": old})
        conn.execute(text("UPDATE source SET title = 'Moscow trades 225, Medvedchuk among them'"
                          " WHERE id = 'meduza-2022-09-22'"))  # fmt: skip
        conn.execute(
            text("UPDATE change SET after = :a WHERE seq = 1"), {"a": '{"x": "Medvedchuk"}'}
        )
        untouched = conn.execute(text("SELECT count(*) FROM exchange WHERE notes LIKE '%Mariupol%'")).scalar_one()  # fmt: skip
    command.upgrade(config, "head")  # type: ignore[arg-type]
    with engine.connect() as conn:
        for table, column in (("exchange", "notes"), ("source", "title"), ("change", "after")):
            values = conn.execute(text(f'SELECT "{column}" FROM "{table}"')).scalars()
            # (case-sensitive: the URLs inside the changelog's JSON keep their lower-case slug)
            assert not [v for v in values if v and "Medvedchuk" in v], (table, column)
        notes = conn.execute(
            text("SELECT notes FROM exchange WHERE id = '2022-09-21'")
        ).scalar_one()
        assert notes == "Kyiv also handed over a detained politician besides 55 Russians."
        title = conn.execute(
            text("SELECT title FROM source WHERE id = 'meduza-2022-09-22'")
        ).scalar_one()
        assert title == "Moscow trades 225, [name withheld] among them"
        assert conn.execute(text("SELECT count(*) FROM exchange WHERE notes LIKE '%Mariupol%'")).scalar_one() == untouched  # fmt: skip
    engine.dispose()
