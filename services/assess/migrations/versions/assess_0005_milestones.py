"""assess schema: milestones tables

Revision ID: assess_0005
Revises: assess_0004

The schedule is data (services/assess/milestones/data/milestones.yaml); the table keeps the street
office's attestations of the milestones no data proves.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "assess_0005"
down_revision = "assess_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "milestone_attestation",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("milestone", sa.Text(), nullable=False),
        sa.Column("community_code", sa.Text(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("attested_by", sa.Text(), nullable=False),
        sa.Column(
            "attested_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "community_code ~ '^[0-9]{12}$'", name="milestone_attestation_community"
        ),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="milestone_attestation_year"),
        sa.PrimaryKeyConstraint("year", "milestone", "community_code"),
        schema="assess",
    )


def downgrade() -> None:
    op.drop_table("milestone_attestation", schema="assess")
