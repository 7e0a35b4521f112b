"""grid schema: first tables

Revision ID: grid_0001
Revises: (none)
"""

from __future__ import annotations

from pathlib import Path

import geoalchemy2
import sqlalchemy as sa
from alembic import op

revision = "grid_0001"
down_revision = None
branch_labels = None
depends_on = None

# Triggers and functions of this revision; frozen with it.
RULES = Path(__file__).with_name("grid_0001_rules.sql")


def upgrade() -> None:
    op.create_table(
        "community",
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=9), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column(
            "boundary",
            geoalchemy2.types.Geometry(
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "ST_GeometryType(boundary) IN ('ST_Polygon', 'ST_MultiPolygon') AND ST_IsValid(boundary)",
            name="community_boundary_valid_polygon",
        ),
        sa.PrimaryKeyConstraint("code"),
        schema="grid",
    )
    op.create_index(
        "community_boundary_gix",
        "community",
        ["boundary"],
        unique=False,
        schema="grid",
        postgresql_using="gist",
    )
    op.create_table(
        "zone",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "boundary",
            geoalchemy2.types.Geometry(
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "ST_GeometryType(boundary) IN ('ST_Polygon', 'ST_MultiPolygon') AND ST_IsValid(boundary)",
            name="zone_boundary_valid_polygon",
        ),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["grid.community.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        schema="grid",
    )
    op.create_index(
        "zone_boundary_gix",
        "zone",
        ["boundary"],
        unique=False,
        schema="grid",
        postgresql_using="gist",
    )
    op.create_index("zone_community_idx", "zone", ["community_code"], unique=False, schema="grid")
    op.create_table(
        "building",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), server_default="", nullable=False),
        sa.Column("households", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "footprint",
            geoalchemy2.types.Geometry(
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("zone_id", sa.Uuid(), nullable=True),
        sa.Column("party_group_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "ST_GeometryType(footprint) IN ('ST_Polygon', 'ST_MultiPolygon', 'ST_Point') AND ST_IsValid(footprint)",
            name="building_footprint_valid",
        ),
        sa.CheckConstraint("households >= 0", name="building_households_nonnegative"),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["grid.community.code"],
        ),
        sa.ForeignKeyConstraint(["zone_id"], ["grid.zone.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        schema="grid",
    )
    op.create_index(
        "building_community_idx", "building", ["community_code"], unique=False, schema="grid"
    )
    op.create_index(
        "building_footprint_gix",
        "building",
        ["footprint"],
        unique=False,
        schema="grid",
        postgresql_using="gist",
    )
    op.create_index("building_zone_idx", "building", ["zone_id"], unique=False, schema="grid")
    op.execute(RULES.read_text())


def downgrade() -> None:
    for fn in ("zone_rederive_buildings", "zone_check_shape", "building_derive_zone"):
        op.execute(f"DROP FUNCTION IF EXISTS {fn}() CASCADE")
    op.execute("DROP FUNCTION IF EXISTS zone_of(varchar, geometry)")
    op.drop_index("building_zone_idx", table_name="building", schema="grid")
    op.drop_index(
        "building_footprint_gix", table_name="building", schema="grid", postgresql_using="gist"
    )
    op.drop_index("building_community_idx", table_name="building", schema="grid")
    op.drop_table("building", schema="grid")
    op.drop_index("zone_community_idx", table_name="zone", schema="grid")
    op.drop_index("zone_boundary_gix", table_name="zone", schema="grid", postgresql_using="gist")
    op.drop_table("zone", schema="grid")
    op.drop_index(
        "community_boundary_gix", table_name="community", schema="grid", postgresql_using="gist"
    )
    op.drop_table("community", schema="grid")
