"""assess schema: an idempotency claim names the root fields whose writes committed

A keyed request with several mutation fields commits one transaction per field; if it dies
between two, a retry answers ALREADY_APPLIED naming the fields that were applied (and so the
ones that were not): `applied_fields` (services/common/idempotency.py).

Revision ID: assess_0013_applied_fields
Revises: assess_0012_idempotency_applied
"""

from __future__ import annotations

from alembic import op

from services.common.idempotency import TABLE, add_applied_fields_column

revision = "assess_0013_applied_fields"
down_revision = "assess_0012_idempotency_applied"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_applied_fields_column(op, "assess")


def downgrade() -> None:
    op.drop_column(TABLE, "applied_fields", schema="assess")
