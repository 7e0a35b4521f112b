"""org schema: an idempotency claim is marked applied by its write's own transaction

A mutation's answer is stored after its write commits; a crash between the two left the claim
unanswered, and a retry after its lease ran the write again. The write's transaction now sets
`applied_at`, so such a retry answers ALREADY_APPLIED (services/common/idempotency.py).

Revision ID: org_0010_idempotency_applied
Revises: org_0009_facts_version_token
"""

from __future__ import annotations

from alembic import op

from services.common.idempotency import TABLE, add_applied_column

revision = "org_0010_idempotency_applied"
down_revision = "org_0009_facts_version_token"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_applied_column(op, "org")


def downgrade() -> None:
    op.drop_column(TABLE, "applied_at", schema="org")
