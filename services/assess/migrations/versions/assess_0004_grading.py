"""assess schema: grading tables

Revision ID: assess_0004
Revises: assess_0003
"""

from __future__ import annotations

revision = "assess_0004"
down_revision = "assess_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
