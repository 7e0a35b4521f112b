"""assess schema: an idempotency claim is marked applied by its write's own transaction

A mutation's answer is stored after its write commits; a crash between the two left the claim
unanswered, and a retry after its lease ran the write again. The write's transaction now sets
`applied_at`, so such a retry answers ALREADY_APPLIED (services/common/idempotency.py).

Revision ID: assess_0012_idempotency_applied
Revises: assess_0011_disclosure_records
"""

from __future__ import annotations

from alembic import op

from services.common.idempotency import TABLE, add_applied_column

revision = "assess_0012_idempotency_applied"
down_revision = "assess_0011_disclosure_records"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_applied_column(op, "assess")


def downgrade() -> None:
    op.drop_column(TABLE, "applied_at", schema="assess")
