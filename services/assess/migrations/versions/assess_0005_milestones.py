"""assess schema: milestones tables

Revision ID: assess_0005
Revises: assess_0004
"""

from __future__ import annotations

revision = "assess_0005"
down_revision = "assess_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
