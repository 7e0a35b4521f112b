"""Tables of the grid schema: community boundaries, zones (片区), buildings (楼栋).

Assignments to Party organizations are org ids (zone -> grid branch or zone group,
building -> Party group), checked through the org service, never by a cross-schema key.
A building's zone is derived by the database (triggers in the first migration): the zone
whose polygon covers an interior point of the building's footprint.
"""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    CheckConstraint,
    Column,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from services.common.idempotency import define_table

SCHEMA = "grid"
SRID = 4326
metadata = MetaData(schema=SCHEMA)
# Answers to retried writes (services/common/idempotency.py).
idempotency_key = define_table(metadata)


def _geometry(name: str) -> Column:
    return Column(
        name,
        Geometry(geometry_type="GEOMETRY", srid=SRID, spatial_index=False),
        nullable=False,
    )


community = Table(
    "community",
    metadata,
    Column("code", String(12), primary_key=True),  # the org Region code of the community
    Column("street_code", String(9), nullable=False),
    Column("district_code", String(6), nullable=False),
    _geometry("boundary"),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(
        "ST_GeometryType(boundary) IN ('ST_Polygon', 'ST_MultiPolygon') AND ST_IsValid(boundary)",
        name="community_boundary_valid_polygon",
    ),
)
Index("community_boundary_gix", community.c.boundary, postgresql_using="gist")

zone = Table(
    "zone",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_code", String(12), ForeignKey("community.code"), nullable=False),
    Column("name", Text, nullable=False),
    # Sorts names as people read them (第二 before 第十, 2号楼 before 10号楼); see migration 0003.
    Column("name_key", Text, Computed("natural_key(name)", persisted=True), nullable=False),
    _geometry("boundary"),
    # The grid branch (committee/general-branch communities) or the Party group (branch
    # communities) that covers this zone: an org PartyOrganization id.
    Column("organization_id", Uuid, nullable=True),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(
        "ST_GeometryType(boundary) IN ('ST_Polygon', 'ST_MultiPolygon') AND ST_IsValid(boundary)",
        name="zone_boundary_valid_polygon",
    ),
)
Index("zone_boundary_gix", zone.c.boundary, postgresql_using="gist")
Index("zone_community_idx", zone.c.community_code)

building = Table(
    "building",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_code", String(12), ForeignKey("community.code"), nullable=False),
    Column("name", Text, nullable=False),
    Column("name_key", Text, Computed("natural_key(name)", persisted=True), nullable=False),
    Column("address", Text, nullable=False, server_default=""),
    Column("households", Integer, nullable=False, server_default="0"),
    _geometry("footprint"),
    # Derived by trigger from the zones' polygons; never written by the application.
    Column("zone_id", Uuid, ForeignKey("zone.id", ondelete="SET NULL"), nullable=True),
    Column("party_group_id", Uuid, nullable=True),  # an org PartyOrganization id
    Column("version", Integer, nullable=False, server_default="1"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("households >= 0", name="building_households_nonnegative"),
    CheckConstraint(
        "ST_GeometryType(footprint) IN ('ST_Polygon', 'ST_MultiPolygon', 'ST_Point') "
        "AND ST_IsValid(footprint)",
        name="building_footprint_valid",
    ),
)
Index("building_footprint_gix", building.c.footprint, postgresql_using="gist")
Index("building_community_idx", building.c.community_code)
Index("building_zone_idx", building.c.zone_id)

# History (ARCHITECTURE "Data": every edit to boundaries and assignments is versioned, listable,
# diffable and undoable). One change set per planner commit, numbered per community; its items
# hold each directly written entity's state before and after (null: absent).
change_set = Table(
    "change_set",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_code", String(12), ForeignKey("community.code"), nullable=False),
    Column("number", Integer, nullable=False),  # 1, 2, ... per community
    Column("kind", Text, nullable=False),  # redraw_zone, split_zone, ..., undo
    Column("author", Text, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The derived effects when committed: buildings that changed zone/branch/group, coverage.
    Column("summary", JSONB, nullable=False, server_default="{}"),
    Column("undo_of", Uuid, ForeignKey("change_set.id"), nullable=True),
    Column("undone_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("community_code", "number", name="change_set_number_per_community"),
)

change_item = Table(
    "change_item",
    metadata,
    Column(
        "change_set_id",
        Uuid,
        ForeignKey("change_set.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("entity", Text, primary_key=True),  # zone | building
    Column("entity_id", Uuid, primary_key=True),
    Column("community_code", String(12), nullable=False),
    Column("before", JSONB, nullable=True),
    Column("after", JSONB, nullable=True),
    CheckConstraint("entity IN ('zone', 'building')", name="change_item_entity_kind"),
)
Index("change_item_entity_idx", change_item.c.entity_id)
