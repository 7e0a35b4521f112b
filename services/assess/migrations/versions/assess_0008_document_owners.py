"""assess schema: each district owns its grading standards and commendation criteria

Revision ID: assess_0008
Revises: assess_0007

Versions get an owner, `district_code` (6 digits). Every row loaded before this revision stays
shared (owner NULL) with its id and its current flag, so existing assessments, ratings and
lists keep naming the version they were made under and every district keeps grading with what
it graded with until it loads and chooses its own (services/assess/shared/document_owners.py). Version
numbers and the current version are then unique per owner, not across all districts.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "assess_0008"
down_revision = "assess_0007"
branch_labels = None
depends_on = None

S = "assess"
# (table, current flag, old unique constraint, one-current index)
TABLES = (
    ("standard", "is_default", "standard_code_version", "standard_one_default"),
    (
        "commendation_criteria",
        "is_current",
        "commendation_criteria_code_version",
        "commendation_criteria_one_current",
    ),
)
OWNER = sa.text("coalesce(district_code, '')")


def upgrade() -> None:
    for table, flag, unique, one_current in TABLES:
        op.add_column(table, sa.Column("district_code", sa.Text(), nullable=True), schema=S)
        op.create_check_constraint(
            f"{table}_district_code", table, "district_code ~ '^[0-9]{6}$'", schema=S
        )
        op.drop_constraint(unique, table, schema=S)
        op.create_index(
            f"{table}_owner_code_version",
            table,
            [OWNER, sa.text("code"), sa.text("version")],
            unique=True,
            schema=S,
        )
        op.drop_index(one_current, table_name=table, schema=S, postgresql_where=flag)
        op.create_index(one_current, table, [OWNER], unique=True, schema=S, postgresql_where=flag)


def downgrade() -> None:
    for table, flag, unique, one_current in TABLES:
        # Districts' own versions have no place in a schema without owners; nothing graded
        # under one can stay either (the foreign keys refuse), so a downgrade with them fails.
        op.execute(f"DELETE FROM {S}.{table} WHERE district_code IS NOT NULL")
        op.drop_index(one_current, table_name=table, schema=S, postgresql_where=flag)
        op.create_index(one_current, table, [flag], unique=True, schema=S, postgresql_where=flag)
        op.drop_index(f"{table}_owner_code_version", table_name=table, schema=S)
        op.create_unique_constraint(unique, table, ["code", "version"], schema=S)
        op.drop_constraint(f"{table}_district_code", table, schema=S)
        op.drop_column(table, "district_code", schema=S)
