"""redact the one captive the research files named, in every stored state and the changelog

No personal names of captives are stored or served. The first import of the curators' files
kept one (a politician handed over on 2022-09-21) in notes and quoted titles; data/ is redacted
now, and this rewrites what a database already holds: every version of every record and the
changelog's before/after, so that as_of_version and /v1/dataset/changes serve no name either.
Privacy overrides "nothing is lost" here, deliberately: the downgrade does not restore it.
URLs are left as published (the address of a citation; see data/name_patterns.txt).

Revision ID: 5d1c8f2a9b7e
Revises: f2e2a717b44c
Create Date: 2026-11-26 00:55:00
"""
from collections.abc import Sequence

from alembic import op


revision: str = '5d1c8f2a9b7e'
down_revision: str | None = 'f2e2a717b44c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, replacement): the curators' notes say what the person was; quoted titles and
# the changelog's JSON mark the cut.
COLUMNS = [
    ("exchange", "notes", "a detained politician"),
    ("claim", "note", "a detained politician"),
    ("agreement", "note", "a detained politician"),
    ("official_total", "note", "a detained politician"),
    ("source", "title", "[name withheld]"),
    ("change", "before", "[name withheld]"),
    ("change", "after", "[name withheld]"),
    ("change", "reason", "[name withheld]"),
]
NAMES = ["Viktor Medvedchuk", "Віктор Медведчук", "Виктор Медведчук", "Medvedchuk", "Медведчук"]


def upgrade() -> None:
    for table, column, replacement in COLUMNS:
        for name in NAMES:  # the full form first, so no first name is left behind
            op.execute(
                f'UPDATE "{table}" SET "{column}" = REPLACE("{column}", \'{name}\', '
                f"'{replacement}') WHERE \"{column}\" LIKE '%{name}%'"
            )


def downgrade() -> None:
    # A redaction is not undone.
    pass
