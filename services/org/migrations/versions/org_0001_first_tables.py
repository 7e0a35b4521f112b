"""org schema: first tables

Revision ID: org_0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "org_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "region",
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("parent_code", sa.String(length=12), nullable=True),
        sa.Column("is_pilot", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(level = 'district') = (length(code) = 6) AND (level = 'community') = (length(code) = 12)",
            name="region_code_length_matches_level",
        ),
        sa.CheckConstraint("(parent_code IS NULL) = (level = 'district')", name="region_parent"),
        sa.CheckConstraint("code ~ '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$'", name="region_code_digits"),
        sa.CheckConstraint(
            "level IN ('district', 'street', 'township', 'community')", name="region_level"
        ),
        sa.ForeignKeyConstraint(
            ["parent_code"],
            ["org.region.code"],
        ),
        sa.PrimaryKeyConstraint("code"),
        schema="org",
    )
    op.create_index("region_parent_idx", "region", ["parent_code"], unique=False, schema="org")
    op.create_table(
        "party_organization",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("dissolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('community_committee', 'general_branch', 'branch', 'grid_branch', 'party_group', 'functional_branch', 'special_branch')",
            name="party_organization_kind",
        ),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["org.region.code"],
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["org.party_organization.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="org",
    )
    op.create_index(
        "party_organization_community_idx",
        "party_organization",
        ["community_code"],
        unique=False,
        schema="org",
    )
    op.create_index(
        "party_organization_one_per_community",
        "party_organization",
        ["community_code"],
        unique=True,
        schema="org",
        postgresql_where=sa.text(
            "kind IN ('community_committee', 'general_branch', 'branch') AND dissolved_at IS NULL"
        ),
    )
    op.create_index(
        "party_organization_parent_idx",
        "party_organization",
        ["parent_id"],
        unique=False,
        schema="org",
    )
    op.create_table(
        "member",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("gender", sa.String(length=1), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("education", sa.Text(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("is_probationary", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("management", sa.Text(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("home_building_id", sa.Uuid(), nullable=True),
        sa.Column("employer_unit", sa.Text(), nullable=True),
        sa.Column("reported_in_on", sa.Date(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("gender IN ('M', 'F')", name="member_gender"),
        sa.CheckConstraint("management IN ('self', 'non_self', 'joint')", name="member_management"),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["org.region.code"],
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["org.party_organization.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="org",
    )
    op.create_index(
        "member_community_idx", "member", ["community_code"], unique=False, schema="org"
    )
    op.create_index(
        "member_home_building_idx", "member", ["home_building_id"], unique=False, schema="org"
    )
    op.create_index(
        "member_organization_idx", "member", ["organization_id"], unique=False, schema="org"
    )
    op.create_table(
        "committee_membership",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=True),
        sa.Column("term_end", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "role IN ('secretary', 'fulltime_deputy', 'parttime_deputy', 'member')",
            name="committee_role",
        ),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["org.region.code"],
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["org.member.id"],
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["org.party_organization.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="org",
    )
    op.create_index(
        "committee_membership_org_idx",
        "committee_membership",
        ["organization_id"],
        unique=False,
        schema="org",
    )


def downgrade() -> None:
    op.drop_index("committee_membership_org_idx", table_name="committee_membership", schema="org")
    op.drop_table("committee_membership", schema="org")
    op.drop_index("member_organization_idx", table_name="member", schema="org")
    op.drop_index("member_home_building_idx", table_name="member", schema="org")
    op.drop_index("member_community_idx", table_name="member", schema="org")
    op.drop_table("member", schema="org")
    op.drop_index("party_organization_parent_idx", table_name="party_organization", schema="org")
    op.drop_index(
        "party_organization_one_per_community",
        table_name="party_organization",
        schema="org",
        postgresql_where=sa.text(
            "kind IN ('community_committee', 'general_branch', 'branch') AND dissolved_at IS NULL"
        ),
    )
    op.drop_index("party_organization_community_idx", table_name="party_organization", schema="org")
    op.drop_table("party_organization", schema="org")
    op.drop_index("region_parent_idx", table_name="region", schema="org")
    op.drop_table("region", schema="org")
