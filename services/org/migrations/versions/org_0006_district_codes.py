"""org schema: external ids (组织编码, 党员编号) unique per district, not across all districts

Two districts' roster systems may number alike; a district is its communities' first six
digits (region codes nest by prefix), so the unique indexes are on (left(community_code, 6),
external_id).

Revision ID: org_0006_district_codes
Revises: org_0005_roster_columns
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "org_0006_district_codes"
down_revision = "org_0005_roster_columns"
branch_labels = None
depends_on = None

_TABLES = (("party_organization", "party_organization"), ("member", "member"))


def upgrade() -> None:
    for table, prefix in _TABLES:
        op.drop_index(f"{prefix}_external_id", table_name=table, schema="org")
        op.create_index(
            f"{prefix}_district_external_id",
            table,
            [sa.text("left(community_code, 6)"), "external_id"],
            unique=True,
            schema="org",
            postgresql_where=sa.text("external_id IS NOT NULL"),
        )


def downgrade() -> None:
    # Fails while two districts share a code: that state has no place in the old schema.
    for table, prefix in _TABLES:
        op.drop_index(f"{prefix}_district_external_id", table_name=table, schema="org")
        op.create_index(
            f"{prefix}_external_id",
            table,
            ["external_id"],
            unique=True,
            schema="org",
            postgresql_where=sa.text("external_id IS NOT NULL"),
        )
