"""org schema: answers to retried writes (idempotency keys)

(caller subject, Idempotency-Key) -> request fingerprint and the first answer, kept 24 h
(services/common/idempotency.py).

Revision ID: org_0003_idempotency
Revises: org_0002
"""

from __future__ import annotations

from alembic import op

from services.common.idempotency import TABLE, create_table

revision = "org_0003_idempotency"
down_revision = "org_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_table(op, "org")


def downgrade() -> None:
    op.drop_table(TABLE, schema="org")
