"""Redrawing the first grid level: redraw, split, merge, create and delete zones (片区).

Each function returns an `Operation` for services/grid/planner/runner.py, which previews or
commits it. Shapes arrive already checked (services/grid/validation.py); whether a zone
stays inside its community and off its siblings is decided by the database's zone shape
trigger, and buildings re-derive their zone by trigger (DOMAIN "Places") — never written here.
"""

from __future__ import annotations

import uuid

import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import split
from sqlalchemy import text

from services.common.errors import DomainError, UserErrorCode, not_found
from services.common.text import MAX_NAME, clean_text
from services.grid import geometry_pool
from services.grid.org_client import OrgClient
from services.grid.planner.runner import Operation, Plan
from services.grid.validation import PlanRefusedError, stale

# Zones closer than this (degrees, about 10 m) count as adjacent for a merge: hand-drawn
# neighbours often leave a thin gap rather than share an edge exactly.
MERGE_GAP = 1e-4


async def zone_for_edit(
    plan: Plan, zone_id: uuid.UUID, expected_version: int, field: list[str]
) -> dict:
    """Lock the zone's community and the zone, then check its version; returns the row."""
    conn = plan.conn
    code = (
        await conn.execute(
            text("SELECT community_code FROM grid.zone WHERE id = :i"), {"i": zone_id}
        )
    ).scalar_one_or_none()
    if code is None:
        raise not_found("片区", "zone", zone_id, field[0])
    await plan.begin(code)  # the community lock first, then the row: one lock order
    row = (
        (
            await conn.execute(
                text(
                    "SELECT id, community_code, name, organization_id, version, "
                    "ST_AsBinary(boundary) AS wkb FROM grid.zone WHERE id = :i FOR UPDATE"
                ),
                {"i": zone_id},
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


async def _set_boundary(plan: Plan, zone_id: uuid.UUID, shape: BaseGeometry) -> None:
    await plan.conn.execute(
        text(
            "UPDATE grid.zone SET boundary = ST_GeomFromWKB(:w, 4326), version = version + 1, "
            "updated_at = now() WHERE id = :i"
        ),
        {"w": shapely.to_wkb(shape), "i": zone_id},
    )


async def _insert_zone(
    plan: Plan, zone_id: uuid.UUID, name: str, shape: BaseGeometry, organization: uuid.UUID | None
) -> None:
    await plan.track_zones([zone_id])  # before: absent
    await plan.conn.execute(
        text(
            "INSERT INTO grid.zone (id, community_code, name, boundary, organization_id) "
            "VALUES (:i, :c, :n, ST_GeomFromWKB(:w, 4326), :o)"
        ),
        {
            "i": zone_id,
            "c": plan.community_code,
            "n": name,
            "w": shapely.to_wkb(shape),
            "o": organization,
        },
    )


def _name(name: str, field: list[str]) -> str:
    return clean_text(name, field, MAX_NAME, required=True, what_zh="名称")


def redraw_zone(zone_id: uuid.UUID, shape: BaseGeometry, expected_version: int) -> Operation:
    """Give a zone a new boundary; its buildings re-derive."""

    async def redraw(plan: Plan) -> None:
        await zone_for_edit(plan, zone_id, expected_version, ["zoneId"])
        await _set_boundary(plan, zone_id, shape)

    return redraw


def create_zone(
    community_code: str,
    name: str,
    shape: BaseGeometry,
    organization_id: uuid.UUID | None,
    org: OrgClient,
) -> Operation:
    """Draw a new zone in a community, optionally with its organization."""
    from services.grid.planner.assignments import check_zone_organization  # assignments imports us

    async def create(plan: Plan) -> None:
        exists = (
            await plan.conn.execute(
                text("SELECT 1 FROM grid.community WHERE code = :c"), {"c": community_code}
            )
        ).scalar_one_or_none()
        if exists is None:
            raise not_found("社区", "community", community_code, "communityCode")
        await plan.begin(community_code)
        if organization_id is not None:
            await check_zone_organization(org, organization_id, community_code)
        await _insert_zone(plan, uuid.uuid4(), _name(name, ["name"]), shape, organization_id)

    return create


def delete_zone(zone_id: uuid.UUID, expected_version: int) -> Operation:
    """Remove a zone; its buildings re-derive (most become orphans: the preview says so)."""

    async def delete(plan: Plan) -> None:
        await zone_for_edit(plan, zone_id, expected_version, ["zoneId"])
        await plan.conn.execute(text("DELETE FROM grid.zone WHERE id = :i"), {"i": zone_id})

    return delete


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


def split_zone(
    zone_id: uuid.UUID,
    line: BaseGeometry,
    expected_version: int,
    new_name: str,
    new_organization_id: uuid.UUID | None,
    org: OrgClient,
) -> Operation:
    """Cut a zone in two along a line: it keeps the larger half (and its organization), a new
    zone gets the other; buildings re-derive."""
    from services.grid.planner.assignments import check_zone_organization  # assignments imports us

    async def cut(plan: Plan) -> None:
        row = await zone_for_edit(plan, zone_id, expected_version, ["zoneId"])
        kept, other = await geometry_pool.run(
            _halves, shapely.from_wkb(row["wkb"]), line, field=["line"]
        )
        if new_organization_id is not None:
            await check_zone_organization(org, new_organization_id, row["community_code"])
        name = _name(new_name, ["newZoneName"])
        await _set_boundary(plan, zone_id, kept)  # shrink first: no transient overlap
        await _insert_zone(plan, uuid.uuid4(), name, other, new_organization_id)

    return cut


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


def merge_zones(zone_ids: list[uuid.UUID], expected_versions: list[int]) -> Operation:
    """Merge adjacent zones of one community into the first: it keeps its id, name and
    organization; the others are deleted; buildings re-derive."""

    async def merge(plan: Plan) -> None:
        if len(zone_ids) < 2 or len(set(zone_ids)) != len(zone_ids):
            raise DomainError(
                UserErrorCode.INVALID,
                "至少需要两个不同的片区",
                "Merging needs at least two distinct zones",
                ["zoneIds"],
            )
        if len(expected_versions) != len(zone_ids):
            raise DomainError(
                UserErrorCode.INVALID,
                "每个片区都需要给出版本",
                "Give one expected version per zone",
                ["expectedVersions"],
            )
        rows = []
        for zone_id, version in zip(zone_ids, expected_versions, strict=True):
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
        for zone_id in zone_ids[1:]:  # delete first: the grown zone must not overlap them
            await plan.conn.execute(text("DELETE FROM grid.zone WHERE id = :i"), {"i": zone_id})
        await _set_boundary(plan, zone_ids[0], merged)

    return merge
