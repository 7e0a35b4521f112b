"""assess schema: a record may be a 党务公开 posting (kind `disclosure`)

What appears on the Party affairs disclosure board (党务公开栏): the date, the topic, where it
was posted, a photo as evidence (services/assess/records/kinds.py).

Revision ID: assess_0011_disclosure_records
Revises: assess_0010_idempotency_claims
"""

from __future__ import annotations

from alembic import op

revision = "assess_0011_disclosure_records"
down_revision = "assess_0010_idempotency_claims"
branch_labels = None
depends_on = None

# The kinds as they stand at this revision (a migration never reads today's code).
BEFORE = (
    "funds",
    "fund_use",
    "facility",
    "work_rule",
    "training",
    "work_system",
    "sitting",
    "activity",
    "agreement",
)
AFTER = (*BEFORE, "disclosure")


def _kinds(kinds: tuple[str, ...]) -> None:
    op.drop_constraint("record_kind", "record", schema="assess", type_="check")
    op.create_check_constraint(
        "record_kind",
        "record",
        "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")",
        schema="assess",
    )


def upgrade() -> None:
    _kinds(AFTER)


def downgrade() -> None:
    # A posting cannot be kept as any other kind: refuse rather than lose records.
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM assess.record WHERE kind = 'disclosure') THEN"
        " RAISE EXCEPTION 'assess.record holds disclosure records; void and remove them first';"
        " END IF; END $$"
    )
    _kinds(BEFORE)
