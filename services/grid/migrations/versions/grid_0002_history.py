"""grid schema: change sets of the planner (history, diff, undo)

Revision ID: grid_0002
Revises: grid_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "grid_0002"
down_revision = "grid_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_set",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "summary", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("undo_of", sa.Uuid(), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["community_code"], ["grid.community.code"]),
        sa.ForeignKeyConstraint(["undo_of"], ["grid.change_set.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_code", "number", name="change_set_number_per_community"),
        schema="grid",
    )
    op.create_table(
        "change_item",
        sa.Column("change_set_id", sa.Uuid(), nullable=False),
        sa.Column("entity", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint("entity IN ('zone', 'building')", name="change_item_entity_kind"),
        sa.ForeignKeyConstraint(["change_set_id"], ["grid.change_set.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("change_set_id", "entity", "entity_id"),
        schema="grid",
    )
    op.create_index(
        "change_item_entity_idx", "change_item", ["entity_id"], unique=False, schema="grid"
    )


def downgrade() -> None:
    op.drop_index("change_item_entity_idx", table_name="change_item", schema="grid")
    op.drop_table("change_item", schema="grid")
    op.drop_table("change_set", schema="grid")
