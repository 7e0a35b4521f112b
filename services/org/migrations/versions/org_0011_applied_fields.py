"""org schema: an idempotency claim names the root fields whose writes committed

A keyed request with several mutation fields commits one transaction per field; if it dies
between two, a retry answers ALREADY_APPLIED naming the fields that were applied (and so the
ones that were not): `applied_fields` (services/common/idempotency.py).

Revision ID: org_0011_applied_fields
Revises: org_0010_idempotency_applied
"""

from __future__ import annotations

from alembic import op

from services.common.idempotency import TABLE, add_applied_fields_column

revision = "org_0011_applied_fields"
down_revision = "org_0010_idempotency_applied"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_applied_fields_column(op, "org")


def downgrade() -> None:
    op.drop_column(TABLE, "applied_fields", schema="org")
