"""assess schema: first tables

Revision ID: assess_0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "assess_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "standard",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("grades", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="assess",
    )
    op.create_index(
        "standard_one_default",
        "standard",
        ["is_default"],
        unique=True,
        schema="assess",
        postgresql_where="is_default",
    )
    op.create_table(
        "indicator",
        sa.Column("standard_id", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("group_name", sa.Text(), nullable=False),
        sa.Column("group_en", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("measured", sa.Text(), nullable=False),
        sa.Column("sources", sa.Text(), server_default="", nullable=False),
        sa.Column("weight", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("threshold", sa.Numeric(precision=6, scale=4), nullable=False),
        sa.Column("plan_clause", sa.Text(), server_default="", nullable=False),
        sa.CheckConstraint("measured IN ('computed', 'attested')", name="indicator_measured"),
        sa.CheckConstraint("threshold >= 0 AND threshold <= 1", name="indicator_threshold_share"),
        sa.CheckConstraint("weight >= 0", name="indicator_weight_nonnegative"),
        sa.ForeignKeyConstraint(["standard_id"], ["assess.standard.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("standard_id", "code"),
        schema="assess",
    )


def downgrade() -> None:
    op.drop_table("indicator", schema="assess")
    op.drop_index(
        "standard_one_default",
        table_name="standard",
        schema="assess",
        postgresql_where="is_default",
    )
    op.drop_table("standard", schema="assess")
