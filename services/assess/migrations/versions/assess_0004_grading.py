"""assess schema: grading tables

Revision ID: assess_0004
Revises: assess_0003

The grading workflow per community and year (自查自评 → 民意测评 → 认定等级): assessments,
self-scores, survey counts, the computed score at each step, and improvement goals.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "assess_0004"
down_revision = "assess_0003"
branch_labels = None
depends_on = None


def _assessment_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["assessment_id"], ["assess.assessment.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "assessment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("standard_id", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("opened_by", sa.Text(), nullable=False),
        sa.Column(
            "opened_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("self_note", sa.Text(), server_default="", nullable=False),
        sa.Column("self_assessed_by", sa.Text(), nullable=True),
        sa.Column("self_assessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("survey_held_on", sa.Date(), nullable=True),
        sa.Column("survey_note", sa.Text(), server_default="", nullable=False),
        sa.Column("surveyed_by", sa.Text(), nullable=True),
        sa.Column("surveyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("grade_id", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("determined_by", sa.Text(), nullable=True),
        sa.Column("determined_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('self_assessment', 'opinion_survey', 'determined')", name="assessment_state"
        ),
        sa.CheckConstraint("community_code ~ '^[0-9]{12}$'", name="assessment_community_code"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="assessment_year"),
        sa.CheckConstraint(
            "state = 'self_assessment' OR self_assessed_at IS NOT NULL",
            name="assessment_self_assessed",
        ),
        sa.CheckConstraint(
            "state <> 'determined' OR (surveyed_at IS NOT NULL AND grade_id IS NOT NULL"
            " AND reason IS NOT NULL AND determined_at IS NOT NULL)",
            name="assessment_determined",
        ),
        sa.ForeignKeyConstraint(["standard_id"], ["assess.standard.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_code", "year", name="assessment_once_a_year"),
        schema="assess",
    )
    op.create_index(
        "assessment_year", "assessment", ["year", "community_code"], unique=False, schema="assess"
    )
    op.create_table(
        "self_score",
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("indicator_code", sa.Text(), nullable=False),
        sa.Column("score", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.CheckConstraint("score >= 0", name="self_score_nonnegative"),
        _assessment_fk(),
        sa.PrimaryKeyConstraint("assessment_id", "indicator_code"),
        schema="assess",
    )
    op.create_table(
        "survey_count",
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("respondents", sa.Text(), nullable=False),
        sa.Column("satisfied", sa.Integer(), nullable=False),
        sa.Column("basically_satisfied", sa.Integer(), nullable=False),
        sa.Column("dissatisfied", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "respondents IN ('members', 'residents')", name="survey_count_respondents"
        ),
        sa.CheckConstraint(
            "satisfied >= 0 AND basically_satisfied >= 0 AND dissatisfied >= 0",
            name="survey_count_nonnegative",
        ),
        _assessment_fk(),
        sa.PrimaryKeyConstraint("assessment_id", "respondents"),
        schema="assess",
    )
    op.create_table(
        "grading_snapshot",
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.Text(), nullable=False),
        sa.Column(
            "taken_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("score", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("grade_id", sa.Text(), nullable=False),
        sa.Column("meets_standard", sa.Boolean(), nullable=False),
        sa.Column("results", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.CheckConstraint(
            "step IN ('opened', 'self_assessed', 'surveyed', 'determined')",
            name="grading_snapshot_step",
        ),
        _assessment_fk(),
        sa.PrimaryKeyConstraint("assessment_id", "step"),
        schema="assess",
    )
    op.create_table(
        "improvement_goal",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_user", sa.Text(), nullable=True),
        sa.Column("owner_role", sa.Text(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), server_default="open", nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("updated_by", sa.Text(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("status IN ('open', 'done')", name="improvement_goal_status"),
        sa.CheckConstraint(
            "(status = 'done') = (done_on IS NOT NULL)", name="improvement_goal_done_on"
        ),
        sa.CheckConstraint(
            "(owner_user IS NULL) <> (owner_role IS NULL)", name="improvement_goal_one_owner"
        ),
        _assessment_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "assessment_id", "indicator_code", name="improvement_goal_per_indicator"
        ),
        schema="assess",
    )
    op.create_index(
        "improvement_goal_community",
        "improvement_goal",
        ["community_code", "year"],
        unique=False,
        schema="assess",
    )


def downgrade() -> None:
    op.drop_index("improvement_goal_community", table_name="improvement_goal", schema="assess")
    op.drop_table("improvement_goal", schema="assess")
    op.drop_table("grading_snapshot", schema="assess")
    op.drop_table("survey_count", schema="assess")
    op.drop_table("self_score", schema="assess")
    op.drop_index("assessment_year", table_name="assessment", schema="assess")
    op.drop_table("assessment", schema="assess")
