"""assess schema: reports tables

Revision ID: assess_0006
Revises: assess_0005
"""

from __future__ import annotations

revision = "assess_0006"
down_revision = "assess_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
