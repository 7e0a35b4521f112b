"""Deleting and merging buildings (楼栋), as planner operations with history like zones.

Each operation is an `Operation` for services/grid/planner/runner.py (preview or commit, a
change set, undo restores). A building's zone is derived by trigger from its footprint, so a
merge only writes the survivor's footprint and the zone follows.

What is attached to a building decides what may happen to it:
- resident Party members live in org (`member.home_building_id`), which grid never writes
  inside its own transaction. A building members live in is never deleted, and a merge never
  removes one: they must live in the survivor (the first building named), or be moved first.
  Refused with IN_USE naming the count, so no member is ever left pointing at nothing.
- a Party group is grid's own data: deleting a building with one is refused (IN_USE, naming
  the group: unassign it first, so the planner sees the group lose a building); a merge
  carries the one group of the merged buildings to the survivor and refuses buildings of
  different groups (RULE_VIOLATION).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import delete, func, select, update

from services.common.errors import DomainError, UserErrorCode, not_found
from services.common.subgraph_client import SubgraphUnavailableError
from services.grid import geometry_pool
from services.grid.models import building
from services.grid.org_client import OrgClient
from services.grid.planner.plan import Plan
from services.grid.validation import stale

_FOOTPRINTS = ("Polygon", "MultiPolygon")


async def _buildings_for_edit(
    plan: Plan, ids: list[uuid.UUID], versions: list[int], field: str
) -> list[dict[str, Any]]:
    """Lock the buildings' community, then the rows; check one community and the versions.
    Returns the rows in the order named."""
    conn = plan.conn
    where = building.c.id.in_(ids)
    rows = await conn.execute(select(building.c.id, building.c.community_code).where(where))
    codes = {r[0]: r[1] for r in rows}
    for building_id in ids:
        if building_id not in codes:
            raise not_found("楼栋", "building", building_id, field)
    community = codes[ids[0]]
    others = sorted({c for c in codes.values() if c != community})
    if others:
        raise DomainError(
            UserErrorCode.RULE_VIOLATION,
            f"楼栋须属于同一社区（{community} 与 {'、'.join(others)}）",
            f"The buildings must be of one community ({community} and {', '.join(others)})",
            [field],
            rule="building.one_community",
        )
    await plan.begin(community)  # the community lock first, then the rows: one lock order
    locked = await conn.execute(
        select(
            building.c.id,
            building.c.community_code,
            building.c.name,
            building.c.households,
            building.c.party_group_id,
            building.c.version,
            func.ST_AsBinary(building.c.footprint).label("wkb"),
        )
        .where(where)
        .order_by(building.c.id)
        .with_for_update()
    )
    found = {r["id"]: dict(r) for r in locked.mappings()}
    for building_id, version in zip(ids, versions, strict=True):
        row = found.get(building_id)
        if row is None or row["community_code"] != community:  # gone or moved meanwhile
            raise not_found("楼栋", "building", building_id, field)
        if row["version"] != version:
            raise stale(
                f"楼栋 {building_id} ",
                f"building {building_id}",
                row["version"],
                ["expectedVersions" if field == "buildingIds" else "expectedVersion"],
            )
    await plan.track_buildings(ids)
    return [found[i] for i in ids]


async def _residents(org: OrgClient, community: str, field: str) -> dict[uuid.UUID, int]:
    """Resident Party members per building of the community, as org knows them now."""
    try:
        facts = await org.coverage_facts([community])
    except SubgraphUnavailableError as down:
        raise down.refusal(
            "无法确认楼栋内居住的党员", "cannot check who lives in the building", field
        ) from None
    return {b: r.total for b, r in facts.residents.items() if r.total}


def _lived_in(
    ids: list[uuid.UUID], residents: dict[uuid.UUID, int], field: str, how: tuple[str, str]
) -> None:
    """Refuse when Party members live in any of `ids` (IN_USE, naming them and the count)."""
    occupied = [(i, residents[i]) for i in ids if residents.get(i)]
    if not occupied:
        return
    listing = ", ".join(f"{i} ({n})" for i, n in occupied)
    total = sum(n for _, n in occupied)
    raise DomainError(
        UserErrorCode.IN_USE,
        f"有 {total} 名党员居住在楼栋 {listing}，{how[0]}",
        f"{total} Party members live in building {listing}; {how[1]}",
        [field],
        rule="building.residents_attached",
    )


@dataclass(frozen=True)
class DeleteBuilding:
    """Remove a building that nothing is attached to (see the module docstring)."""

    building_id: uuid.UUID
    expected_version: int
    org: OrgClient

    async def apply(self, plan: Plan) -> None:
        building_id = self.building_id
        (row,) = await _buildings_for_edit(
            plan, [building_id], [self.expected_version], "buildingId"
        )
        if row["party_group_id"] is not None:
            group = row["party_group_id"]
            raise DomainError(
                UserErrorCode.IN_USE,
                f"楼栋 {building_id} 已分配给党小组 {group}，请先取消分配再删除",
                f"Building {building_id} is assigned to Party group {group}; unassign it first",
                ["buildingId"],
                rule="building.group_attached",
            )
        residents = await _residents(self.org, row["community_code"], "buildingId")
        _lived_in(
            [building_id],
            residents,
            "buildingId",
            ("请先为这些党员更换居住楼栋再删除", "move them to another building first"),
        )
        await plan.conn.execute(delete(building).where(building.c.id == building_id))


def _union(shapes: list[BaseGeometry]) -> BaseGeometry | None:
    """The merged footprint (in a geometry worker: overlay work); None when it is no area."""
    merged = shapely.make_valid(shapely.union_all(shapes))
    if merged.geom_type not in _FOOTPRINTS or merged.is_empty:
        return None
    return merged


def _one_group(rows: list[dict[str, Any]]) -> uuid.UUID | None:
    """The one Party group of the buildings merged (None: none has one); refused when they
    have several."""
    groups = sorted({str(r["party_group_id"]) for r in rows if r["party_group_id"]})
    if len(groups) > 1:
        raise DomainError(
            UserErrorCode.RULE_VIOLATION,
            f"楼栋分属不同的党小组（{'、'.join(groups)}），请先统一分配",
            f"The buildings belong to different Party groups ({', '.join(groups)}); "
            "assign them to one first",
            ["buildingIds"],
            rule="building.merge_one_group",
        )
    return uuid.UUID(groups[0]) if groups else None


@dataclass(frozen=True)
class MergeBuildings:
    """Merge buildings of one community into the first (the survivor keeps its id, name and
    address): footprints united, households summed, the Party group carried over; the others
    are deleted. Members must live in the survivor (see the module docstring)."""

    building_ids: list[uuid.UUID]
    expected_versions: list[int]
    org: OrgClient

    def _check(self) -> None:
        ids = self.building_ids
        if len(ids) < 2 or len(set(ids)) != len(ids):
            raise DomainError(
                UserErrorCode.INVALID,
                "至少需要两个不同的楼栋",
                "Merging needs at least two distinct buildings",
                ["buildingIds"],
            )
        if len(self.expected_versions) != len(ids):
            raise DomainError(
                UserErrorCode.INVALID,
                "每个楼栋都需要给出版本",
                "Give one expected version per building",
                ["expectedVersions"],
            )

    async def apply(self, plan: Plan) -> None:
        self._check()
        rows = await _buildings_for_edit(
            plan, self.building_ids, self.expected_versions, "buildingIds"
        )
        group = _one_group(rows)
        survivor, gone = rows[0], self.building_ids[1:]
        residents = await _residents(self.org, survivor["community_code"], "buildingIds")
        _lived_in(
            gone,
            residents,
            "buildingIds",
            (
                "请把他们居住的楼栋列为第一个（保留的楼栋），或先为他们更换居住楼栋",
                "name the building they live in first (it is kept), or move them first",
            ),
        )
        shapes = [shapely.from_wkb(r["wkb"]) for r in rows]
        merged = await geometry_pool.run(_union, shapes, field=["buildingIds"])
        if merged is None:
            raise DomainError(
                UserErrorCode.INVALID,
                "合并后的轮廓不是面（点状楼栋只能并入包含它的楼栋）",
                "The merged footprint is not an area (a point building merges only into a "
                "building containing it)",
                ["buildingIds"],
            )
        await plan.conn.execute(delete(building).where(building.c.id.in_(gone)))
        await plan.conn.execute(
            update(building)
            .where(building.c.id == survivor["id"])
            .values(
                footprint=func.ST_GeomFromWKB(shapely.to_wkb(merged), 4326),
                households=sum(r["households"] for r in rows),
                party_group_id=group,
                version=building.c.version + 1,
                updated_at=func.now(),
            )
        )
