"""assess schema: records tables

Revision ID: assess_0003
Revises: assess_0002
"""

from __future__ import annotations

revision = "assess_0003"
down_revision = "assess_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
