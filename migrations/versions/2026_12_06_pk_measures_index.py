"""events by primary key with what the statistics read, for joins from mediator links

Revision ID: 3b9d51c0e7a2
Revises: 6986c744f8b3
Create Date: 2026-12-06 01:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "3b9d51c0e7a2"
down_revision: str | None = "6986c744f8b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["pk", "valid_to", "date", "kind", "ukraine_received", "russia_received"]


def upgrade() -> None:
    with op.batch_alter_table("exchange", schema=None) as batch_op:
        batch_op.create_index("ix_exchange_pk_measures", COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("exchange", schema=None) as batch_op:
        batch_op.drop_index("ix_exchange_pk_measures")
