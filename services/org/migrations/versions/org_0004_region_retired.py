"""org schema: places are retired, not deleted (region.retired_at)

A street office or community that merged or split away keeps its row (organizations,
members and grid data hang from it) and refuses new data.

Revision ID: org_0004_region_retired
Revises: org_0003_idempotency
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "org_0004_region_retired"
down_revision = "org_0003_idempotency"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "region", sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True), schema="org"
    )


def downgrade() -> None:
    op.drop_column("region", "retired_at", schema="org")
