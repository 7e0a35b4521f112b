"""grid schema: zones and buildings sort by their names as people read them

Revision ID: grid_0003
Revises: grid_0002
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "grid_0003"
down_revision = "grid_0002"
branch_labels = None
depends_on = None

NATURAL_KEY = Path(__file__).with_name("grid_0003_natural_key.sql")


def upgrade() -> None:
    op.execute(NATURAL_KEY.read_text())
    for table in ("zone", "building"):
        op.add_column(
            table,
            sa.Column(
                "name_key",
                sa.Text(),
                sa.Computed("natural_key(name)", persisted=True),
                nullable=False,
            ),
            schema="grid",
        )


def downgrade() -> None:
    for table in ("zone", "building"):
        op.drop_column(table, "name_key", schema="grid")
    op.execute("DROP FUNCTION natural_key(text)")
