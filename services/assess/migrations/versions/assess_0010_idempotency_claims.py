"""assess schema: each idempotency claim carries its request's random token

Only the request holding a claim may store its answer or give it up, so one whose lease ran
out and was taken over by a retry cannot answer for the retry (services/common/idempotency.py).

Revision ID: assess_0010_idempotency_claims
Revises: assess_0009
"""

from __future__ import annotations

from alembic import op

from services.common.idempotency import TABLE, add_claim_column

revision = "assess_0010_idempotency_claims"
down_revision = "assess_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_claim_column(op, "assess")


def downgrade() -> None:
    op.drop_column(TABLE, "claim", schema="assess")
