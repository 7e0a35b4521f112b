"""Undo of the community's latest change set not yet undone (services/grid/planner/history.py).

Undo applies the `before` states of that change set, only while every entity it wrote is
still as that change set (or an undo since) left it; else it is STALE and names the current
versions. The undo is itself a change set. Zone geometry and footprints come back from their
EWKB exactly. Redo (services/grid/planner/redo.py) is the undo of an undo, through the same
`reverse`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import shapely
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import DomainError, UserErrorCode
from services.grid.models import building, change_item, change_set, zone
from services.grid.org_client import OrgClient
from services.grid.planner.history import BUILDING_CONTENT, ZONE_CONTENT, items_of, same
from services.grid.planner.organizations import check_restorable
from services.grid.planner.plan import Plan
from services.grid.planner.reshape import Reshape, reshape_zones
from services.grid.planner.states import building_states, zone_states
from services.grid.validation import PlanRefusedError

Item = dict[str, Any]

# Change sets that reverse others: never undone themselves (redo reverses an undo).
UNDO, REDO = "undo", "redo"
RECORDS = (UNDO, REDO)


async def undo_target(conn: AsyncConnection, code: str) -> dict[str, Any] | None:
    """The community's latest ordinary change set not undone (None: nothing to undo)."""
    row = (
        (
            await conn.execute(
                select(change_set)
                .where(
                    change_set.c.community_code == code,
                    change_set.c.kind.not_in(RECORDS),
                    change_set.c.undone_at.is_(None),
                )
                .order_by(change_set.c.number.desc())
                .limit(1)
            )
        )
        .mappings()
        .one_or_none()
    )
    return dict(row) if row else None


async def _latest_target(conn: AsyncConnection, code: str) -> dict[str, Any]:
    row = await undo_target(conn, code)
    if row is None:
        raise DomainError(
            UserErrorCode.NOT_FOUND,
            f"社区 {code} 没有可撤销的变更",
            f"Community {code} has no change set left to undo",
            ["communityCode"],
        )
    return row


async def _last_recorded_version(conn: AsyncConnection, code: str, entity_id: uuid.UUID) -> Any:
    after = (
        await conn.execute(
            select(change_item.c.after)
            .select_from(
                change_item.join(change_set, change_set.c.id == change_item.c.change_set_id)
            )
            .where(change_item.c.entity_id == entity_id, change_set.c.community_code == code)
            .order_by(change_set.c.number.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    return after["version"] if after else None


async def _check_unchanged(
    conn: AsyncConnection, code: str, items: list[Item], verb: tuple[str, str]
) -> None:
    """Undo (and redo) only restores what nobody changed since (never a lost update)."""
    zones = await zone_states(conn, [i["entity_id"] for i in items if i["entity"] == "zone"])
    buildings = await building_states(
        conn, [i["entity_id"] for i in items if i["entity"] == "building"]
    )
    moved = []
    for item in items:
        is_zone = item["entity"] == "zone"
        current = (zones if is_zone else buildings)[item["entity_id"]]
        keys = ZONE_CONTENT if is_zone else BUILDING_CONTENT
        version = current["version"] if current else None
        recorded = await _last_recorded_version(conn, code, item["entity_id"])
        if not same(current, item["after"], keys) or version != recorded:
            moved.append(f"{item['entity']} {item['entity_id']} @ {version}")
    if moved:
        listing = ", ".join(moved)
        raise PlanRefusedError(
            UserErrorCode.STALE,
            f"变更之后又有修改，无法{verb[0]}；当前版本：{listing}",
            f"Changed since; cannot {verb[1]}. Current versions: {listing}",
            ["communityCode"],
        )


def _geometry(ewkb_hex: str) -> Any:
    return func.ST_GeomFromEWKB(func.decode(ewkb_hex, "hex"))


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


def _zone_values(before: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": before["name"],
        "organization_id": _uuid(before["organizationId"]),
        "boundary": _geometry(before["wkb"]),
    }


async def _remove_zone(conn: AsyncConnection, item: Item) -> None:
    """A zone the change set created: gone again."""
    await conn.execute(delete(zone).where(zone.c.id == item["entity_id"]))


async def _recreate_zone(conn: AsyncConnection, code: str, item: Item) -> None:
    """A zone the change set deleted: back with its id; versions only grow, so it gets a new
    version, not its old one."""
    before = item["before"]
    await conn.execute(
        insert(zone).values(
            id=item["entity_id"],
            community_code=code,
            version=before["version"] + 1,
            **_zone_values(before),
        )
    )


def _reshape(item: Item) -> Reshape:
    """A zone that was there before and after the change set: back to its `before`, written
    with the others (services/grid/planner/reshape.py: no transient overlap, any order)."""
    before = item["before"]
    values = _zone_values(before) | {"version": zone.c.version + 1, "updated_at": func.now()}
    return Reshape(item["entity_id"], shapely.from_wkb(before["wkb"]), values)


# Records made before buildings kept their whole row hold the group alone: restore the keys
# a record holds (state key -> column).
_BUILDING_KEYS = {"name": "name", "address": "address", "households": "households"}


def _building_values(before: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {"party_group_id": _uuid(before.get("partyGroupId"))}
    values |= {column: before[key] for key, column in _BUILDING_KEYS.items() if key in before}
    if "wkb" in before:
        values["footprint"] = _geometry(before["wkb"])
    return values


async def _restore_building(conn: AsyncConnection, code: str, item: Item) -> None:
    before, building_id = item["before"], item["entity_id"]
    if before is None:
        await conn.execute(delete(building).where(building.c.id == building_id))
        return
    values = _building_values(before)
    if item["after"] is None:  # deleted or merged away: back with its id, its zone re-derived
        await conn.execute(
            insert(building).values(
                id=building_id,
                community_code=code,
                version=before["version"] + 1,  # versions only grow
                **values,
            )
        )
        return
    await conn.execute(
        update(building)
        .where(building.c.id == building_id)
        .values(version=building.c.version + 1, updated_at=func.now(), **values)
    )


def _restored_organizations(items: list[Item]) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """Organizations undo would point zones and buildings at again (those they had before and
    no longer have): their liveness may have changed since (dissolved, moved)."""
    zones: list[uuid.UUID] = []
    groups: list[uuid.UUID] = []
    for item in items:
        before, after = item["before"] or {}, item["after"] or {}
        key = "organizationId" if item["entity"] == "zone" else "partyGroupId"
        wanted = before.get(key)
        if wanted and wanted != after.get(key):
            (zones if item["entity"] == "zone" else groups).append(uuid.UUID(wanted))
    return zones, groups


async def reverse(
    plan: Plan, org: OrgClient, target: dict[str, Any], verb: tuple[str, str]
) -> None:
    """Put back the `before` states of change set `target`, all or nothing: STALE (naming
    the current versions) unless each entity it wrote is still as it left it. `verb`: what
    the caller does, for the refusal (撤销 / undo, 重做 / redo)."""
    code, conn = plan.community, plan.conn
    items = await items_of(conn, target["id"])
    await _check_unchanged(conn, code, items, verb)
    await check_restorable(org, code, *_restored_organizations(items))
    zones = [i for i in items if i["entity"] == "zone"]
    buildings = [i for i in items if i["entity"] == "building"]
    await plan.track_zones([i["entity_id"] for i in zones])
    await plan.track_buildings([i["entity_id"] for i in buildings])
    # Deletions first, then the reshaped zones together, then re-creation: no transient
    # overlap, whatever the order of the items.
    for item in zones:
        if item["before"] is None:
            await _remove_zone(conn, item)
    reshaped = [i for i in zones if i["before"] is not None and i["after"] is not None]
    await reshape_zones(conn, [_reshape(i) for i in reshaped], ["communityCode"])
    for item in zones:
        if item["after"] is None:
            await _recreate_zone(conn, code, item)
    for item in buildings:
        await _restore_building(conn, code, item)
    plan.undo_of = target["id"]


def stale_target(number: int, expected: int | None, verb: tuple[str, str]) -> None:
    """The change set undo (or redo) would reverse is not the one the caller previewed."""
    if expected is not None and expected != number:
        raise PlanRefusedError(
            UserErrorCode.STALE,
            f"可{verb[0]}的变更已不是 #{expected}，而是 #{number}",
            f"The change set to {verb[1]} is no longer #{expected} but #{number}",
            ["expectedNumber"],
            current_version=number,
        )


@dataclass(frozen=True)
class UndoLatest:
    """Undo the community's latest change set not yet undone (`expected_number`: only if it
    is that one, as previewed)."""

    community_code: str
    org: OrgClient
    expected_number: int | None = None

    async def apply(self, plan: Plan) -> None:
        await plan.begin(self.community_code)
        target = await _latest_target(plan.conn, self.community_code)
        stale_target(target["number"], self.expected_number, ("撤销", "undo"))
        await reverse(plan, self.org, target, ("撤销", "undo"))
