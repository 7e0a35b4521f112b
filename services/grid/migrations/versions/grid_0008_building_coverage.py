"""grid schema: the coverage rule of a building, defined once in SQL

`building_coverage(zone_id, has_group, zone_has_organization, zone_grouped)` is the one
definition of a building's coverage state (orphan, covered, gap) that coverage and the
vector tiles both read. The statement is written here as this revision created it: a
migration replays history, so it never reads services/grid/sql, whose
functions/building_coverage.sql holds the current definition (the same text today;
tests/services/grid/test_sql_definitions.py proves the file and the migrated database agree).

Revision ID: grid_0008
Revises: grid_0007_idempotency_claims
"""

from __future__ import annotations

from alembic import op

revision = "grid_0008"
down_revision = "grid_0007_idempotency_claims"
branch_labels = None
depends_on = None


BUILDING_COVERAGE = """
CREATE OR REPLACE FUNCTION building_coverage(
    p_zone_id uuid, p_has_group boolean, p_zone_has_organization boolean, p_zone_grouped boolean
) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN p_zone_id IS NULL THEN 'orphan'
        WHEN p_has_group THEN 'covered'
        WHEN p_zone_has_organization AND p_zone_grouped THEN 'covered'
        ELSE 'gap'
    END
$$
"""


def upgrade() -> None:
    op.execute(BUILDING_COVERAGE)


def downgrade() -> None:
    op.execute("DROP FUNCTION building_coverage(uuid, boolean, boolean, boolean)")
