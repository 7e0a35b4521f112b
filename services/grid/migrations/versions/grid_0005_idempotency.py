"""grid schema: answers to retried writes (idempotency keys)

(caller subject, Idempotency-Key) -> request fingerprint and the first answer, kept 24 h
(services/common/idempotency.py).

Revision ID: grid_0005_idempotency
Revises: grid_0004
"""

from __future__ import annotations

from alembic import op

from services.common.idempotency import TABLE, create_table

revision = "grid_0005_idempotency"
down_revision = "grid_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_table(op, "grid")


def downgrade() -> None:
    op.drop_table(TABLE, schema="grid")
