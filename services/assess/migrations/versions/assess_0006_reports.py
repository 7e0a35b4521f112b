"""assess schema: reports tables

Revision ID: assess_0006
Revises: assess_0005

Monthly supervision reports (月报表) of street offices and their per-community snapshots.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "assess_0006"
down_revision = "assess_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monthly_report",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("street_code", sa.String(length=9), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("street_name", sa.Text(), nullable=False),
        sa.Column("standard_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="draft", nullable=False),
        sa.Column("progress", sa.Text(), server_default="", nullable=False),
        sa.Column("problems", sa.Text(), server_default="", nullable=False),
        sa.Column("next_plan", sa.Text(), server_default="", nullable=False),
        sa.Column("compared_month", sa.String(length=7), nullable=True),
        sa.Column("generated_by", sa.Text(), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_by", sa.Text(), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("revision", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("street_code ~ '^[0-9]{9}$'", name="monthly_report_street_code"),
        sa.CheckConstraint("month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'", name="monthly_report_month"),
        sa.CheckConstraint("status IN ('draft', 'submitted')", name="monthly_report_status"),
        sa.CheckConstraint(
            "(status = 'submitted') = (submitted_at IS NOT NULL AND submitted_by IS NOT NULL)",
            name="monthly_report_submitted",
        ),
        sa.ForeignKeyConstraint(["standard_id"], ["assess.standard.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("street_code", "month", name="monthly_report_street_month"),
        schema="assess",
    )
    op.create_index(
        "monthly_report_month_idx", "monthly_report", ["month"], unique=False, schema="assess"
    )
    op.create_table(
        "monthly_report_row",
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("score", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("grade_id", sa.Text(), nullable=False),
        sa.Column("grade_name", sa.Text(), nullable=False),
        sa.Column("grade_name_en", sa.Text(), nullable=False),
        sa.Column("grade_determined", sa.Boolean(), nullable=False),
        sa.Column("meets_standard", sa.Boolean(), nullable=False),
        sa.Column("passed_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("failed_codes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("buildings", sa.Integer(), nullable=False),
        sa.Column("covered", sa.Integer(), nullable=False),
        sa.Column("zones", sa.Integer(), nullable=False),
        sa.Column("zones_with_organization", sa.Integer(), nullable=False),
        sa.Column("gap_counts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("change", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("remark", sa.Text(), server_default="", nullable=False),
        sa.CheckConstraint("score >= 0 AND score <= 100", name="monthly_report_row_score"),
        sa.CheckConstraint(
            "covered >= 0 AND covered <= buildings AND zones_with_organization >= 0"
            " AND zones_with_organization <= zones",
            name="monthly_report_row_counts",
        ),
        sa.ForeignKeyConstraint(["report_id"], ["assess.monthly_report.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("report_id", "community_code"),
        schema="assess",
    )


def downgrade() -> None:
    op.drop_table("monthly_report_row", schema="assess")
    op.drop_index("monthly_report_month_idx", table_name="monthly_report", schema="assess")
    op.drop_table("monthly_report", schema="assess")
