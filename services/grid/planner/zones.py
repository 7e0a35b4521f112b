"""Redrawing the first grid level: redraw, split, merge, create and delete zones (片区).

Each is an `Operation` for services/grid/planner/runner.py, which previews or commits it.
Shapes arrive already checked (services/grid/planner/shapes.py); a created or redrawn zone is
fitted to its community's boundary there too (snapped a hair inside, or refused with the
clipped shape offered); whether a zone stays inside its community and off its siblings is
then decided by the database's zone shape trigger, and buildings re-derive their zone by
trigger (DOMAIN "Places") — never written here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import split
from sqlalchemy import delete, func, insert, select, update

from services.common.errors import DomainError, UserErrorCode, not_found
from services.common.text import MAX_NAME, clean_text
from services.grid import geometry_pool
from services.grid.models import community, zone
from services.grid.org_client import OrgClient
from services.grid.planner.organizations import check_zone_organization
from services.grid.planner.plan import Plan
from services.grid.planner.shapes import within_community
from services.grid.validation import PlanRefusedError, stale

# Zones closer than this (degrees, about 10 m) count as adjacent for a merge: hand-drawn
# neighbours often leave a thin gap rather than share an edge exactly.
MERGE_GAP = 1e-4


async def zone_for_edit(
    plan: Plan, zone_id: uuid.UUID, expected_version: int, field: list[str]
) -> dict[str, Any]:
    """Lock the zone's community and the zone, then check its version; returns the row."""
    conn = plan.conn
    code = (
        await conn.execute(select(zone.c.community_code).where(zone.c.id == zone_id))
    ).scalar_one_or_none()
    if code is None:
        raise not_found("片区", "zone", zone_id, field[0])
    await plan.begin(code)  # the community lock first, then the row: one lock order
    row = (
        (
            await conn.execute(
                select(
                    zone.c.id,
                    zone.c.community_code,
                    zone.c.name,
                    zone.c.organization_id,
                    zone.c.version,
                    func.ST_AsBinary(zone.c.boundary).label("wkb"),
                )
                .where(zone.c.id == zone_id)
                .with_for_update()
            )
        )
        .mappings()
        .one_or_none()
    )
    if row is None or row["community_code"] != plan.community_code:
        raise not_found("片区", "zone", zone_id, field[0])
    if row["version"] != expected_version:
        raise stale(f"片区 {zone_id} ", f"zone {zone_id}", row["version"], ["expectedVersion"])
    await plan.track_zones([zone_id])
    return dict(row)


def _shape(shape: BaseGeometry) -> Any:
    return func.ST_GeomFromWKB(shapely.to_wkb(shape), 4326)


async def _set_boundary(plan: Plan, zone_id: uuid.UUID, shape: BaseGeometry) -> None:
    await plan.conn.execute(
        update(zone)
        .where(zone.c.id == zone_id)
        .values(boundary=_shape(shape), version=zone.c.version + 1, updated_at=func.now())
    )


async def _delete(plan: Plan, zone_id: uuid.UUID) -> None:
    await plan.conn.execute(delete(zone).where(zone.c.id == zone_id))


@dataclass(frozen=True)
class NewZone:
    """A zone to insert into the plan's community."""

    name: str
    shape: BaseGeometry
    organization_id: uuid.UUID | None

    async def insert(self, plan: Plan) -> None:
        zone_id = uuid.uuid4()
        await plan.track_zones([zone_id])  # before: absent
        await plan.conn.execute(
            insert(zone).values(
                id=zone_id,
                community_code=plan.community_code,
                name=self.name,
                boundary=_shape(self.shape),
                organization_id=self.organization_id,
            )
        )


def _name(name: str, field: list[str]) -> str:
    return clean_text(name, field, MAX_NAME, required=True, what_zh="名称") or ""


@dataclass(frozen=True)
class RedrawZone:
    """Give a zone a new boundary; its buildings re-derive."""

    zone_id: uuid.UUID
    shape: BaseGeometry
    expected_version: int

    async def apply(self, plan: Plan) -> None:
        await zone_for_edit(plan, self.zone_id, self.expected_version, ["zoneId"])
        shape = await within_community(plan, self.shape, ["boundary"], self.zone_id)
        await _set_boundary(plan, self.zone_id, shape)


@dataclass(frozen=True)
class CreateZone:
    """Draw a new zone in a community, optionally with its organization."""

    community_code: str
    name: str
    shape: BaseGeometry
    organization_id: uuid.UUID | None
    org: OrgClient

    async def apply(self, plan: Plan) -> None:
        exists = (
            await plan.conn.execute(
                select(community.c.code).where(community.c.code == self.community_code)
            )
        ).scalar_one_or_none()
        if exists is None:
            raise not_found("社区", "community", self.community_code, "communityCode")
        await plan.begin(self.community_code)
        if self.organization_id is not None:
            await check_zone_organization(self.org, self.organization_id, self.community_code)
        name = _name(self.name, ["name"])
        shape = await within_community(plan, self.shape, ["boundary"])
        await NewZone(name, shape, self.organization_id).insert(plan)


@dataclass(frozen=True)
class DeleteZone:
    """Remove a zone; its buildings re-derive (most become orphans: the preview says so)."""

    zone_id: uuid.UUID
    expected_version: int

    async def apply(self, plan: Plan) -> None:
        await zone_for_edit(plan, self.zone_id, self.expected_version, ["zoneId"])
        await _delete(plan, self.zone_id)


def _halves(zone: BaseGeometry, line: BaseGeometry) -> tuple[BaseGeometry, BaseGeometry]:
    pieces = [p for p in shapely.get_parts(split(zone, line)) if p.area > 0]
    if len(pieces) != 2:
        raise PlanRefusedError(
            UserErrorCode.INVALID,
            f"分割线应把片区恰好分成两块（实际 {len(pieces)} 块）",
            f"The line must cut the zone into exactly two polygons (it gives {len(pieces)})",
            ["line"],
        )
    big, small = sorted(pieces, key=lambda p: p.area, reverse=True)
    return big, small


@dataclass(frozen=True)
class SplitZone:
    """Cut a zone in two along a line: it keeps the larger half (and its organization), a new
    zone gets the other; buildings re-derive."""

    zone_id: uuid.UUID
    line: BaseGeometry
    expected_version: int
    new_name: str
    new_organization_id: uuid.UUID | None
    org: OrgClient

    async def apply(self, plan: Plan) -> None:
        row = await zone_for_edit(plan, self.zone_id, self.expected_version, ["zoneId"])
        kept, other = await geometry_pool.run(
            _halves, shapely.from_wkb(row["wkb"]), self.line, field=["line"]
        )
        organization = self.new_organization_id
        if organization is not None:
            await check_zone_organization(self.org, organization, row["community_code"])
        name = _name(self.new_name, ["newZoneName"])
        await _set_boundary(plan, self.zone_id, kept)  # shrink first: no transient overlap
        await NewZone(name, other, organization).insert(plan)


def _adjacent(shapes: list[BaseGeometry]) -> bool:
    """Whether the zones form one connected group (touching or within MERGE_GAP)."""
    reached, frontier = {0}, [0]
    while frontier:
        i = frontier.pop()
        for j, other in enumerate(shapes):
            if j not in reached and shapes[i].distance(other) <= MERGE_GAP:
                reached.add(j)
                frontier.append(j)
    return len(reached) == len(shapes)


def _merged(shapes: list[BaseGeometry]) -> BaseGeometry | None:
    """The union of adjacent zones, None when they are not one connected group (in a
    geometry worker: both the adjacency test and the union are overlay work)."""
    if not _adjacent(shapes):
        return None
    return shapely.make_valid(shapely.union_all(shapes))


@dataclass(frozen=True)
class MergeZones:
    """Merge adjacent zones of one community into the first: it keeps its id, name and
    organization; the others are deleted; buildings re-derive."""

    zone_ids: list[uuid.UUID]
    expected_versions: list[int]

    def _check(self) -> None:
        if len(self.zone_ids) < 2 or len(set(self.zone_ids)) != len(self.zone_ids):
            raise DomainError(
                UserErrorCode.INVALID,
                "至少需要两个不同的片区",
                "Merging needs at least two distinct zones",
                ["zoneIds"],
            )
        if len(self.expected_versions) != len(self.zone_ids):
            raise DomainError(
                UserErrorCode.INVALID,
                "每个片区都需要给出版本",
                "Give one expected version per zone",
                ["expectedVersions"],
            )

    async def apply(self, plan: Plan) -> None:
        self._check()
        rows = []
        for zone_id, version in zip(self.zone_ids, self.expected_versions, strict=True):
            # A zone of another community is not found in the first one's scope.
            rows.append(await zone_for_edit(plan, zone_id, version, ["zoneIds"]))
        shapes = [shapely.from_wkb(r["wkb"]) for r in rows]
        merged = await geometry_pool.run(_merged, shapes, field=["zoneIds"])
        if merged is None:
            raise DomainError(
                UserErrorCode.RULE_VIOLATION,
                "只能合并相邻的片区",
                "Only adjacent zones can be merged",
                ["zoneIds"],
            )
        for zone_id in self.zone_ids[1:]:  # delete first: the grown zone must not overlap them
            await _delete(plan, zone_id)
        await _set_boundary(plan, self.zone_ids[0], merged)
