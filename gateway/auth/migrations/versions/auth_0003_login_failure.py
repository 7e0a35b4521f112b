"""auth schema: sign-in failures per account and per client, shared by every worker process

Revision ID: auth_0003
Revises: auth_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "auth_0003"
down_revision = "auth_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failure",
        # A keyed hash of the account's name or the client's address (gateway/auth/throttle.py):
        # neither typed names nor addresses are kept, nor carried into backups.
        sa.Column("key", sa.LargeBinary(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
        schema="auth",
    )
    op.create_index("login_failure_last", "login_failure", ["last"], schema="auth")


def downgrade() -> None:
    op.drop_index("login_failure_last", table_name="login_failure", schema="auth")
    op.drop_table("login_failure", schema="auth")
