"""assess schema: attested records and their evidence files

Revision ID: assess_0003
Revises: assess_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "assess_0003"
down_revision = "assess_0002"
branch_labels = None
depends_on = None

KINDS = (
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


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "evidence_blob",
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="evidence_blob_sha256_hex"),
        sa.CheckConstraint("size = octet_length(content)", name="evidence_blob_size"),
        sa.PrimaryKeyConstraint("sha256"),
        schema="assess",
    )
    op.create_table(
        "evidence",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.Text(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("uploaded_by", sa.Text(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.ForeignKeyConstraint(["sha256"], ["assess.evidence_blob.sha256"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_code", "sha256", name="evidence_community_content"),
        schema="assess",
    )
    op.create_table(
        "record",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("community_code", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("parent_id", sa.UUID(), nullable=True),
        sa.Column(
            "details",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voided_by", sa.Text(), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")", name="record_kind"
        ),
        sa.CheckConstraint("amount IS NULL OR amount >= 0", name="record_amount_nonnegative"),
        sa.CheckConstraint(
            "(voided_at IS NULL AND voided_by IS NULL AND void_reason IS NULL)"
            " OR (voided_at IS NOT NULL AND voided_by IS NOT NULL AND void_reason <> '')",
            name="record_void_complete",
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["assess.record.id"]),
        sa.PrimaryKeyConstraint("id"),
        schema="assess",
    )
    op.create_index(
        "record_live",
        "record",
        ["community_code", "kind", "year"],
        schema="assess",
        postgresql_where=sa.text("voided_at IS NULL"),
    )
    op.create_index(
        "record_parent",
        "record",
        ["parent_id"],
        schema="assess",
        postgresql_where=sa.text("parent_id IS NOT NULL"),
    )
    op.create_index(
        "record_one_adoption",
        "record",
        ["community_code", "subject"],
        unique=True,
        schema="assess",
        postgresql_where=sa.text("kind = 'work_system' AND voided_at IS NULL"),
    )
    op.create_table(
        "record_evidence",
        sa.Column("record_id", sa.UUID(), nullable=False),
        sa.Column("evidence_id", sa.UUID(), nullable=False),
        sa.Column("attached_by", sa.Text(), nullable=False),
        sa.Column("attached_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.ForeignKeyConstraint(["evidence_id"], ["assess.evidence.id"]),
        sa.ForeignKeyConstraint(["record_id"], ["assess.record.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("record_id", "evidence_id"),
        schema="assess",
    )
    op.create_index("record_evidence_evidence", "record_evidence", ["evidence_id"], schema="assess")


def downgrade() -> None:
    op.drop_index("record_evidence_evidence", table_name="record_evidence", schema="assess")
    op.drop_table("record_evidence", schema="assess")
    for name in ("record_one_adoption", "record_parent", "record_live"):
        op.drop_index(name, table_name="record", schema="assess")
    op.drop_table("record", schema="assess")
    op.drop_table("evidence", schema="assess")
    op.drop_table("evidence_blob", schema="assess")
