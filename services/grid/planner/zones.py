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
from collections.abc import Callable
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
from services.grid.planner.contiguity import MERGE_GAP as MERGE_GAP  # re-exported
from services.grid.planner.contiguity import Merged, merged_zone
from services.grid.planner.organizations import check_zone_organization
from services.grid.planner.plan import Plan
from services.grid.planner.reshape import Reshape, reshape_zones
from services.grid.planner.shapes import within_community
from services.grid.validation import Finding, PlanRefusedError, Severity, stale


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


# A drawing within this of the stored boundary (degrees, about 0.1 mm, vertex by vertex) is the
# zone as it is: not rewritten, so it gets no new version without a change to record (an
# older change set touching it would be refused as STALE by undo ever after).
UNCHANGED = 1e-9


async def _redraw(
    plan: Plan,
    changes: list[ZoneChange],
    field: Callable[[int, str], list[str]],
    shapes_field: list[str],
) -> None:
    """Give zones new boundaries, each checked as drawn (its version; fitted to its
    community), written together with no transient overlap (services/grid/planner/reshape.py);
    a zone sent unchanged is left as it is. `field(i, name)`: where change i's `name` is."""
    rows = []
    for i, change in enumerate(changes):
        # The first locks its community; a zone of another one is not found in it.
        rows.append(
            await zone_for_edit(plan, change.zone_id, change.expected_version, field(i, "zoneId"))
        )
    reshapes = []
    for i, (change, row) in enumerate(zip(changes, rows, strict=True)):
        shape = await within_community(plan, change.shape, field(i, "boundary"), change.zone_id)
        if shape.equals_exact(shapely.from_wkb(row["wkb"]), UNCHANGED):
            continue
        values = {
            "boundary": _shape(shape),
            "version": zone.c.version + 1,
            "updated_at": func.now(),
        }
        reshapes.append(Reshape(change.zone_id, shape, values))
    await reshape_zones(plan.conn, reshapes, shapes_field)


@dataclass(frozen=True)
class RedrawZone:
    """Give a zone a new boundary; its buildings re-derive."""

    zone_id: uuid.UUID
    shape: BaseGeometry
    expected_version: int

    async def apply(self, plan: Plan) -> None:
        change = ZoneChange(self.zone_id, self.shape, self.expected_version)
        await _redraw(plan, [change], lambda _i, name: [name], ["boundary"])


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


async def _surroundings(plan: Plan, keep: list[uuid.UUID]) -> tuple[BaseGeometry, BaseGeometry]:
    """The plan's community boundary and its other zones (all but `keep`), united."""
    conn = plan.conn
    boundary = (
        await conn.execute(
            select(func.ST_AsBinary(community.c.boundary)).where(community.c.code == plan.community)
        )
    ).scalar_one()
    others = (
        await conn.execute(
            select(func.ST_AsBinary(zone.c.boundary)).where(
                zone.c.community_code == plan.community, zone.c.id.not_in(keep)
            )
        )
    ).scalars()
    shapes = [shapely.from_wkb(bytes(w)) for w in others]
    return shapely.from_wkb(bytes(boundary)), shapely.union_all(shapes)


def _not_contiguous(merged: Merged) -> PlanRefusedError:
    gap = f"{merged.gap_m:.0f}"
    zh = (
        f"所选片区互不相连（最近处相距约 {gap} 米），合并后将成为 {merged.pieces} 块的片区；"
        "如确需如此，请确认合并为多块片区"
    )
    en = (
        f"The zones do not touch (about {gap} m apart at the closest): merged they would be "
        f"one zone of {merged.pieces} pieces; confirm a multi-part zone if that is intended"
    )
    return PlanRefusedError(
        UserErrorCode.RULE_VIOLATION,
        zh,
        en,
        ["zoneIds"],
        rule="zone.not_contiguous",
        findings=[Finding("NOT_CONTIGUOUS", zh, en)],
    )


def _merge_findings(merged: Merged) -> list[Finding]:
    if merged.pieces > 1:
        return [
            Finding(
                "MULTI_PART",
                f"合并后的片区由 {merged.pieces} 块组成（已确认）",
                f"The merged zone has {merged.pieces} pieces (confirmed)",
                severity=Severity.INFO,
            )
        ]
    if merged.bridged_m2 > 0:
        gap, area = f"{merged.gap_m:.0f}", f"{merged.bridged_m2:.0f}"
        return [
            Finding(
                "MERGE_BRIDGED",
                f"片区间相距约 {gap} 米，合并后的片区一并纳入其间约 {area} 平方米的土地，成为一块",
                f"The zones were about {gap} m apart: the merged zone also takes the "
                f"{area} m² of land between them, to be one piece",
                severity=Severity.INFO,
            )
        ]
    return []


@dataclass(frozen=True)
class MergeZones:
    """Merge zones of one community into the first: it keeps its id, name and organization;
    the others are deleted; buildings re-derive. The result is one polygon (the zones' union,
    bridged across a gap up to MERGE_GAP: services/grid/planner/contiguity.py), or several
    only when the planner confirmed it (`allow_multi_part`)."""

    zone_ids: list[uuid.UUID]
    expected_versions: list[int]
    allow_multi_part: bool = False

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
        boundary, others = await _surroundings(plan, self.zone_ids)
        merged = await geometry_pool.run(
            merged_zone, shapes, boundary, others, self.allow_multi_part, field=["zoneIds"]
        )
        if merged.shape is None:
            raise _not_contiguous(merged)
        plan.findings.extend(_merge_findings(merged))
        for zone_id in self.zone_ids[1:]:  # delete first: the grown zone must not overlap them
            await _delete(plan, zone_id)
        await _set_boundary(plan, self.zone_ids[0], merged.shape)


# More than this many zones in one redraw is no shared-edge edit: refused, it would hold the
# community's edit lock for long.
MAX_REDRAWN_ZONES = 50


def _change_count_error() -> DomainError:
    return DomainError(
        UserErrorCode.INVALID,
        f"请给出 1 至 {MAX_REDRAWN_ZONES} 个不同的片区",
        f"Give between 1 and {MAX_REDRAWN_ZONES} distinct zones",
        ["changes"],
    )


def check_change_count(count: int) -> None:
    """1 to MAX_REDRAWN_ZONES changes: checked by the resolver before it parses any shape
    (parsing is the costly part), and again by the operation."""
    if not 0 < count <= MAX_REDRAWN_ZONES:
        raise _change_count_error()


@dataclass(frozen=True)
class ZoneChange:
    """One zone's new boundary in a multi-zone redraw."""

    zone_id: uuid.UUID
    shape: BaseGeometry
    expected_version: int


@dataclass(frozen=True)
class RedrawZones:
    """Give several zones of one community new boundaries at once, all or nothing (e.g. an
    edge two zones share, moved on both sides), in whatever order they come. Each zone is
    checked as `RedrawZone` does; zones first shrink to what they keep, so no write overlaps
    a neighbour that moves away in the same edit (services/grid/planner/reshape.py)."""

    changes: list[ZoneChange]

    def _check(self) -> None:
        check_change_count(len(self.changes))
        if len({c.zone_id for c in self.changes}) != len(self.changes):
            raise _change_count_error()

    async def apply(self, plan: Plan) -> None:
        self._check()
        await _redraw(plan, self.changes, lambda i, name: ["changes", str(i), name], ["changes"])
