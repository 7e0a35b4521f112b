"""assess schema: answers to retried writes (idempotency keys)

(caller subject, Idempotency-Key) -> request fingerprint and the first answer, kept 24 h
(services/common/idempotency.py).

Revision ID: assess_0009
Revises: assess_0008
"""

from __future__ import annotations

from alembic import op

from services.common.idempotency import TABLE, create_table

revision = "assess_0009"
down_revision = "assess_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_table(op, "assess")


def downgrade() -> None:
    op.drop_table(TABLE, schema="assess")
