"""assess schema: commendations tables

Star ratings (星级模范), five-good organizations (五好) and July-1 (七一) commendation lists,
with the versioned criteria they are made under.

Revision ID: assess_0007
Revises: assess_0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "assess_0007"
down_revision = "assess_0006"
branch_labels = None
depends_on = None

S = "assess"


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "commendation_criteria",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("is_current", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("loaded_by", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint("version >= 1", name="commendation_criteria_version_positive"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code", "version", name="commendation_criteria_code_version"),
        schema=S,
    )
    op.create_index(
        "commendation_criteria_one_current",
        "commendation_criteria",
        ["is_current"],
        unique=True,
        schema=S,
        postgresql_where="is_current",
    )
    op.create_table(
        "star_attestation",
        sa.Column("unit_id", sa.UUID(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.Text(), nullable=False),
        sa.Column("community_code", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("attested_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint("length(btrim(note)) > 0", name="star_attestation_note"),
        sa.PrimaryKeyConstraint("unit_id", "year", "criterion"),
        schema=S,
    )
    op.create_index(
        "star_attestation_community_year",
        "star_attestation",
        ["community_code", "year"],
        schema=S,
    )
    op.create_table(
        "star_rating",
        sa.Column("unit_id", sa.UUID(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("community_code", sa.Text(), nullable=False),
        sa.Column("unit_kind", sa.Text(), nullable=False),
        sa.Column("unit_name", sa.Text(), nullable=False),
        sa.Column("criteria_id", sa.Text(), nullable=False),
        sa.Column("computed_stars", sa.Integer(), nullable=False),
        sa.Column("awarded_stars", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("leader", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("facts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("awarded_by", sa.Text(), nullable=False),
        sa.Column("awarded_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint(
            "unit_kind IN ('grid_branch', 'party_group')", name="star_rating_unit_kind"
        ),
        sa.CheckConstraint("computed_stars BETWEEN 0 AND 5", name="star_rating_computed_range"),
        sa.CheckConstraint("awarded_stars BETWEEN 0 AND 5", name="star_rating_awarded_range"),
        sa.ForeignKeyConstraint(["criteria_id"], ["assess.commendation_criteria.id"]),
        sa.PrimaryKeyConstraint("unit_id", "year"),
        schema=S,
    )
    op.create_index(
        "star_rating_community_year", "star_rating", ["community_code", "year"], schema=S
    )
    op.create_table(
        "five_good",
        sa.Column("community_code", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=True),
        sa.Column("organization_name", sa.Text(), nullable=False),
        sa.Column("criteria_id", sa.Text(), nullable=False),
        sa.Column("stage", sa.Text(), nullable=False),
        sa.Column("goods", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("nominated_by", sa.Text(), nullable=False),
        sa.Column(
            "nominated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False
        ),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), server_default="", nullable=False),
        sa.CheckConstraint(
            "stage IN ('nominated', 'confirmed', 'rejected')", name="five_good_stage"
        ),
        sa.ForeignKeyConstraint(["criteria_id"], ["assess.commendation_criteria.id"]),
        sa.PrimaryKeyConstraint("community_code", "year"),
        schema=S,
    )
    op.create_table(
        "commendation_list",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("district_code", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("criteria_id", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), server_default="draft", nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("drafted_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("published_by", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(state = 'published') = (published_at IS NOT NULL)",
            name="commendation_list_published",
        ),
        sa.CheckConstraint("state IN ('draft', 'published')", name="commendation_list_state"),
        sa.ForeignKeyConstraint(["criteria_id"], ["assess.commendation_criteria.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("district_code", "year", name="commendation_list_district_year"),
        schema=S,
    )
    op.create_table(
        "commendation_entry",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("list_id", sa.UUID(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("subject_id", sa.UUID(), nullable=False),
        sa.Column("subject_name", sa.Text(), nullable=False),
        sa.Column("community_code", sa.Text(), nullable=False),
        sa.Column("management", sa.Text(), nullable=True),
        sa.Column("part_time_member", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("basis", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("added_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint(
            "category IN ('five_good_organization', 'excellent_party_worker', 'excellent_member')",
            name="commendation_entry_category",
        ),
        sa.CheckConstraint(
            "management IS NULL OR management IN ('self', 'non_self', 'joint')",
            name="commendation_entry_management",
        ),
        sa.CheckConstraint(
            "source IN ('five_good', 'star_rating', 'evaluation', 'nomination')",
            name="commendation_entry_source",
        ),
        sa.ForeignKeyConstraint(["list_id"], ["assess.commendation_list.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("list_id", "category", "subject_id", name="commendation_entry_once"),
        schema=S,
    )
    op.create_index(
        "commendation_entry_list",
        "commendation_entry",
        ["list_id", "community_code"],
        schema=S,
    )


def downgrade() -> None:
    op.drop_index("commendation_entry_list", table_name="commendation_entry", schema=S)
    op.drop_table("commendation_entry", schema=S)
    op.drop_table("commendation_list", schema=S)
    op.drop_table("five_good", schema=S)
    op.drop_index("star_rating_community_year", table_name="star_rating", schema=S)
    op.drop_table("star_rating", schema=S)
    op.drop_index("star_attestation_community_year", table_name="star_attestation", schema=S)
    op.drop_table("star_attestation", schema=S)
    op.drop_index(
        "commendation_criteria_one_current",
        table_name="commendation_criteria",
        schema=S,
        postgresql_where="is_current",
    )
    op.drop_table("commendation_criteria", schema=S)
