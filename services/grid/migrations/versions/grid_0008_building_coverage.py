"""grid schema: the coverage rule of a building, defined once in SQL

`building_coverage(zone_id, has_group, zone_has_organization, zone_grouped)` is the one
definition of a building's coverage state (orphan, covered, gap) that coverage and the
vector tiles both read (services/grid/sql/functions/building_coverage.sql). From this
revision on, definitions load from services/grid/sql (`load_definitions`).

Revision ID: grid_0008
Revises: grid_0007_idempotency_claims
"""

from __future__ import annotations

from alembic import op

from services.grid.sql import load_definitions

revision = "grid_0008"
down_revision = "grid_0007_idempotency_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    load_definitions(op, "functions/building_coverage")


def downgrade() -> None:
    op.execute("DROP FUNCTION building_coverage(uuid, boolean, boolean, boolean)")
