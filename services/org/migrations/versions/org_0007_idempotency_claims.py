"""org schema: each idempotency claim carries its request's random token

Only the request holding a claim may store its answer or give it up, so one whose lease ran
out and was taken over by a retry cannot answer for the retry (services/common/idempotency.py).

Revision ID: org_0007_idempotency_claims
Revises: org_0006_district_codes
"""

from __future__ import annotations

from alembic import op

from services.common.idempotency import TABLE, add_claim_column

revision = "org_0007_idempotency_claims"
down_revision = "org_0006_district_codes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_claim_column(op, "org")


def downgrade() -> None:
    op.drop_column(TABLE, "claim", schema="org")
