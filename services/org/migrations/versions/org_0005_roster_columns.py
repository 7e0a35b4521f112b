"""org schema: what department rosters carry that the tables lacked

External ids (the roster system's own organization code / member number: the natural key of
a re-import), 成立日期 of an organization, 民族 and 转正日期 of a member. 身份证号 is never
stored (issue 13: PartyGrid must not need to keep it).

Revision ID: org_0005_roster_columns
Revises: org_0004_region_retired
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "org_0005_roster_columns"
down_revision = "org_0004_region_retired"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("party_organization", sa.Column("external_id", sa.Text), schema="org")
    op.add_column("party_organization", sa.Column("founded_on", sa.Date), schema="org")
    op.add_column("member", sa.Column("external_id", sa.Text), schema="org")
    op.add_column("member", sa.Column("ethnicity", sa.Text), schema="org")
    op.add_column("member", sa.Column("confirmed_on", sa.Date), schema="org")
    op.create_index(
        "party_organization_external_id",
        "party_organization",
        ["external_id"],
        unique=True,
        schema="org",
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )
    op.create_index(
        "member_external_id",
        "member",
        ["external_id"],
        unique=True,
        schema="org",
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("member_external_id", table_name="member", schema="org")
    op.drop_index("party_organization_external_id", table_name="party_organization", schema="org")
    for table, column in (
        ("member", "confirmed_on"),
        ("member", "ethnicity"),
        ("member", "external_id"),
        ("party_organization", "founded_on"),
        ("party_organization", "external_id"),
    ):
        op.drop_column(table, column, schema="org")
