"""assess schema: standards are versioned YAML documents; indicators name their measure

Revision ID: assess_0002
Revises: assess_0001

Rows loaded before this revision came from the old TOML file and have no version or measure:
they are removed (nothing refers to a standard yet) and setup installs the shipped default
again (services.assess.standard.documents.ensure_default_standard).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "assess_0002"
down_revision = "assess_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM assess.standard")
    op.add_column("standard", sa.Column("code", sa.Text(), nullable=False), schema="assess")
    op.add_column("standard", sa.Column("version", sa.Integer(), nullable=False), schema="assess")
    op.add_column(
        "standard",
        sa.Column("total_weight", sa.Numeric(precision=8, scale=2), nullable=False),
        schema="assess",
    )
    op.add_column("standard", sa.Column("document", sa.Text(), nullable=False), schema="assess")
    op.add_column(
        "standard",
        sa.Column("loaded_by", sa.Text(), server_default="", nullable=False),
        schema="assess",
    )
    op.create_unique_constraint(
        "standard_code_version", "standard", ["code", "version"], schema="assess"
    )
    op.create_check_constraint(
        "standard_version_positive", "standard", "version >= 1", schema="assess"
    )
    op.add_column("indicator", sa.Column("metric", sa.Text(), nullable=True), schema="assess")
    op.add_column("indicator", sa.Column("record", sa.Text(), nullable=True), schema="assess")
    op.add_column(
        "indicator",
        sa.Column(
            "params",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        schema="assess",
    )
    op.create_check_constraint(
        "indicator_measure",
        "indicator",
        "(measured = 'computed' AND metric IS NOT NULL AND record IS NULL)"
        " OR (measured = 'attested' AND record IS NOT NULL AND metric IS NULL)",
        schema="assess",
    )


def downgrade() -> None:
    op.execute("DELETE FROM assess.standard")
    op.drop_constraint("indicator_measure", "indicator", schema="assess")
    for column in ("params", "record", "metric"):
        op.drop_column("indicator", column, schema="assess")
    op.drop_constraint("standard_version_positive", "standard", schema="assess")
    op.drop_constraint("standard_code_version", "standard", schema="assess")
    for column in ("loaded_by", "document", "total_weight", "version", "code"):
        op.drop_column("standard", column, schema="assess")
