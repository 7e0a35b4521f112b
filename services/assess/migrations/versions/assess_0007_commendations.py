"""assess schema: commendations tables

Revision ID: assess_0007
Revises: assess_0006
"""

from __future__ import annotations

revision = "assess_0007"
down_revision = "assess_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
