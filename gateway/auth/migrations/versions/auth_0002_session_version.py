"""auth schema: a session version per user, carried by access tokens

Revision ID: auth_0002
Revises: auth_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "auth_0002"
down_revision = "auth_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "user_account",
        sa.Column("session_version", sa.Integer(), server_default="1", nullable=False),
        schema="auth",
    )


def downgrade() -> None:
    op.drop_column("user_account", "session_version", schema="auth")
