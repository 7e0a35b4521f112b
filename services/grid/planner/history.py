"""History of the grid: every planner commit is a change set, listable, diffable, undoable.

ARCHITECTURE "Data": every edit to boundaries and assignments is versioned (who, when,
before, after). A change set holds one item per entity the commit wrote directly (zones;
buildings whose Party group changed) with its state before and after, null when absent;
its summary keeps the derived effects (buildings that changed zone, branch or group,
coverage before and after). Zone geometry is kept as GeoJSON to read and as EWKB to restore
exactly.

Undo applies the `before` states of the community's latest change set not yet undone, only
while every entity it wrote is still as that change set (or an undo since) left it; else it
is STALE and names the current versions. The undo is itself a change set.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import DomainError, UserErrorCode
from services.common.pagination import Page, fetch_page
from services.grid.models import change_set
from services.grid.org_client import OrgClient
from services.grid.validation import PlanRefusedError

if TYPE_CHECKING:
    from services.grid.planner.runner import Outcome, Plan

# Compared when deciding whether an entity is still as a change set left it.
ZONE_CONTENT = ("name", "organizationId", "wkb")
# Buildings keep their whole row (deleted and merged buildings are restored from it); change
# sets recorded before buildings could be deleted hold only the name and group, and are
# compared on the keys they hold.
BUILDING_CONTENT = ("partyGroupId", "name", "address", "households", "wkb")


def _ids(rows: list[uuid.UUID]) -> Any:
    return bindparam("ids", value=list(rows), expanding=True)


async def zone_states(conn: AsyncConnection, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict | None]:
    """Each zone's state as history keeps it, None when it does not exist."""
    states: dict[uuid.UUID, dict | None] = dict.fromkeys(ids)
    if not ids:
        return states
    rows = await conn.execute(
        text(
            "SELECT id, name, organization_id, version, ST_AsGeoJSON(boundary, 9) AS geojson, "
            "encode(ST_AsEWKB(boundary), 'hex') AS wkb FROM grid.zone WHERE id IN :ids"
        ).bindparams(_ids(ids))
    )
    for r in rows.mappings():
        states[r["id"]] = {
            "name": r["name"],
            "organizationId": str(r["organization_id"]) if r["organization_id"] else None,
            "version": r["version"],
            "boundary": json.loads(r["geojson"]),
            "wkb": r["wkb"],
        }
    return states


async def building_states(
    conn: AsyncConnection, ids: list[uuid.UUID]
) -> dict[uuid.UUID, dict | None]:
    """Each building's state as history keeps it, None when it does not exist (its zone is
    derived, not kept; its footprint as EWKB to restore exactly)."""
    states: dict[uuid.UUID, dict | None] = dict.fromkeys(ids)
    if not ids:
        return states
    rows = await conn.execute(
        text(
            "SELECT id, name, address, households, party_group_id, version, "
            "encode(ST_AsEWKB(footprint), 'hex') AS wkb FROM grid.building WHERE id IN :ids"
        ).bindparams(_ids(ids))
    )
    for r in rows.mappings():
        group = r["party_group_id"]
        states[r["id"]] = {
            "name": r["name"],
            "address": r["address"],
            "households": r["households"],
            "partyGroupId": str(group) if group else None,
            "version": r["version"],
            "wkb": r["wkb"],
        }
    return states


def _summary(outcome: Outcome) -> dict[str, Any]:
    return {
        "buildings": [
            {"id": str(c.building_id), "before": c.before.as_json(), "after": c.after.as_json()}
            for c in outcome.buildings
        ],
        "zonesCreated": [str(i) for i in outcome.zones_created],
        "buildingsDeleted": [str(i) for i in outcome.buildings_deleted],
        "zonesDeleted": [str(i) for i in outcome.zones_deleted],
        "coverageBefore": vars(outcome.coverage_before) if outcome.coverage_before else None,
        "coverageAfter": vars(outcome.coverage_after) if outcome.coverage_after else None,
    }


def _content(state: dict | None) -> dict | None:
    """An entity's state without its version: what a change set is about."""
    return None if state is None else {k: v for k, v in state.items() if k != "version"}


async def record(
    plan: Plan, outcome: Outcome, *, kind: str, author: str, reason: str
) -> dict | None:
    """Write the change set of a commit (its number is the next of the community; the
    community's edit lock, held by the plan, makes that safe). None, writing nothing, when
    the commit changes no content (a version bump alone is no change)."""
    conn, code = plan.conn, plan.community_code
    items = []
    for entity, befores, read in (
        ("zone", plan.zones, zone_states),
        ("building", plan.buildings, building_states),
    ):
        afters = await read(conn, list(befores))
        items += [
            (entity, i, befores[i], afters[i])
            for i in befores
            if _content(befores[i]) != _content(afters[i])
        ]
    if not items:
        return None
    set_id = uuid.uuid4()
    row = (
        (
            await conn.execute(
                text(
                    "INSERT INTO grid.change_set (id, community_code, number, kind, author, reason, "
                    "summary, undo_of) SELECT :id, CAST(:c AS varchar), coalesce(max(number), 0) + 1, :kind, "
                    ":author, :reason, CAST(:summary AS jsonb), :undo_of "
                    "FROM grid.change_set WHERE community_code = CAST(:c AS varchar) RETURNING *"
                ),
                {
                    "id": set_id,
                    "c": code,
                    "kind": kind,
                    "author": author,
                    "reason": reason,
                    "summary": json.dumps(_summary(outcome)),
                    "undo_of": plan.undo_of,
                },
            )
        )
        .mappings()
        .one()
    )
    for entity, entity_id, before, after in items:
        await conn.execute(
            text(
                "INSERT INTO grid.change_item (change_set_id, entity, entity_id, community_code, "
                "before, after) VALUES (:s, :e, :i, :c, CAST(:b AS jsonb), CAST(:a AS jsonb))"
            ),
            {
                "s": set_id,
                "e": entity,
                "i": entity_id,
                "c": code,
                "b": json.dumps(before) if before is not None else None,
                "a": json.dumps(after) if after is not None else None,
            },
        )
    if plan.undo_of is not None:
        await conn.execute(
            text("UPDATE grid.change_set SET undone_at = now() WHERE id = :id"),
            {"id": plan.undo_of},
        )
    return dict(row)


async def change_sets_page(
    conn: AsyncConnection, community_code: str, first: int | None, after: str | None
) -> Page:
    """The community's change sets, oldest first, paged by number."""
    query = select(change_set).where(change_set.c.community_code == community_code)
    return await fetch_page(conn, query, keys=[change_set.c.number], first=first, after=after)


async def change_set_by_id(conn: AsyncConnection, set_id: uuid.UUID) -> dict | None:
    row = (
        (await conn.execute(select(change_set).where(change_set.c.id == set_id)))
        .mappings()
        .one_or_none()
    )
    return dict(row) if row else None


async def items_of(conn: AsyncConnection, set_id: uuid.UUID) -> list[dict]:
    rows = await conn.execute(
        text(
            "SELECT entity, entity_id, before, after FROM grid.change_item "
            "WHERE change_set_id = :s ORDER BY entity DESC, entity_id"
        ),
        {"s": set_id},
    )
    return [dict(r) for r in rows.mappings()]


async def net_changes(
    conn: AsyncConnection, community_code: str, from_number: int, to_number: int
) -> list[dict]:
    """What changed between the grid as change set `from_number` left it (0: before the
    first) and as `to_number` left it: per entity written in between, its state before the
    first of those change sets and after the last; entities that came back to where they
    were (an edit and its undo) are left out. Edits made outside the planner (imports) are
    not change sets and do not appear."""
    if not 0 <= from_number < to_number:
        raise DomainError(
            UserErrorCode.INVALID,
            f"需要 0 ≤ 起始编号 < 结束编号（{from_number}，{to_number}）",
            f"Expected 0 <= fromNumber < toNumber (got {from_number}, {to_number})",
            ["fromNumber"],
        )
    latest = (
        await conn.execute(
            text("SELECT max(number) FROM grid.change_set WHERE community_code = :c"),
            {"c": community_code},
        )
    ).scalar_one()
    if latest is None or to_number > latest:
        raise DomainError(
            UserErrorCode.NOT_FOUND,
            f"社区 {community_code} 没有第 {to_number} 号变更",
            f"Community {community_code} has no change set number {to_number}",
            ["toNumber"],
        )
    rows = await conn.execute(
        text(
            "SELECT ci.entity, ci.entity_id, "
            "(array_agg(ci.before ORDER BY cs.number))[1] AS before, "
            "(array_agg(ci.after ORDER BY cs.number DESC))[1] AS after "
            "FROM grid.change_item ci JOIN grid.change_set cs ON cs.id = ci.change_set_id "
            "WHERE cs.community_code = :c AND cs.number > :a AND cs.number <= :b "
            "GROUP BY ci.entity, ci.entity_id ORDER BY ci.entity DESC, ci.entity_id"
        ),
        {"c": community_code, "a": from_number, "b": to_number},
    )
    changed = []
    for r in rows.mappings():
        keys = ZONE_CONTENT if r["entity"] == "zone" else BUILDING_CONTENT
        if not _same(r["before"], r["after"], keys):
            changed.append(dict(r))
    return changed


# --- undo -----------------------------------------------------------------------------------


async def _latest_target(conn: AsyncConnection, code: str) -> dict:
    row = (
        (
            await conn.execute(
                text(
                    "SELECT * FROM grid.change_set WHERE community_code = :c AND kind <> 'undo' "
                    "AND undone_at IS NULL ORDER BY number DESC LIMIT 1"
                ),
                {"c": code},
            )
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise DomainError(
            UserErrorCode.NOT_FOUND,
            f"社区 {code} 没有可撤销的变更",
            f"Community {code} has no change set left to undo",
            ["communityCode"],
        )
    return dict(row)


async def _last_recorded_version(conn: AsyncConnection, code: str, entity_id: uuid.UUID) -> Any:
    after = (
        await conn.execute(
            text(
                "SELECT ci.after FROM grid.change_item ci JOIN grid.change_set cs ON cs.id = ci.change_set_id "
                "WHERE ci.entity_id = :i AND cs.community_code = :c ORDER BY cs.number DESC LIMIT 1"
            ),
            {"i": entity_id, "c": code},
        )
    ).scalar_one_or_none()
    return after["version"] if after else None


def _same(state: dict | None, wanted: dict | None, keys: tuple[str, ...]) -> bool:
    """Whether `state` is as `wanted`, on the keys `wanted` holds (older records hold fewer)."""
    if state is None or wanted is None:
        return state is None and wanted is None
    return all(state.get(k) == wanted.get(k) for k in keys if k in wanted)


async def _check_unchanged(conn: AsyncConnection, code: str, items: list[dict]) -> None:
    """Undo only restores what nobody changed since (never a lost update)."""
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
        if not _same(current, item["after"], keys) or version != recorded:
            moved.append(f"{item['entity']} {item['entity_id']} @ {version}")
    if moved:
        listing = ", ".join(moved)
        raise PlanRefusedError(
            UserErrorCode.STALE,
            f"变更之后又有修改，无法撤销；当前版本：{listing}",
            f"Changed since; cannot undo. Current versions: {listing}",
            ["communityCode"],
        )


async def _restore_zone(conn: AsyncConnection, code: str, item: dict) -> None:
    before, zone_id = item["before"], item["entity_id"]
    if before is None:
        await conn.execute(text("DELETE FROM grid.zone WHERE id = :i"), {"i": zone_id})
        return
    values = {
        "i": zone_id,
        "c": code,
        "n": before["name"],
        "o": before["organizationId"],
        "w": before["wkb"],
        # Versions only grow: a restored zone gets a new version, not its old one.
        "v": (item["after"] or before)["version"] + 1,
    }
    if item["after"] is None:
        sql = (
            "INSERT INTO grid.zone (id, community_code, name, organization_id, boundary, version) "
            "VALUES (:i, :c, :n, CAST(:o AS uuid), ST_GeomFromEWKB(decode(:w, 'hex')), :v)"
        )
    else:
        sql = (
            "UPDATE grid.zone SET name = :n, organization_id = CAST(:o AS uuid), "
            "boundary = ST_GeomFromEWKB(decode(:w, 'hex')), version = version + 1, "
            "updated_at = now() WHERE id = :i"
        )
    await conn.execute(text(sql), values)


async def _restore_building(conn: AsyncConnection, code: str, item: dict) -> None:
    before, building_id = item["before"], item["entity_id"]
    if before is None:
        await conn.execute(text("DELETE FROM grid.building WHERE id = :i"), {"i": building_id})
        return
    if item["after"] is None:  # deleted or merged away: back with its id, its zone re-derived
        await conn.execute(
            text(
                "INSERT INTO grid.building (id, community_code, name, address, households, "
                "footprint, party_group_id, version) VALUES (:i, :c, :n, :a, :h, "
                "ST_GeomFromEWKB(decode(:w, 'hex')), CAST(:g AS uuid), :v)"
            ),
            {
                "i": building_id,
                "c": code,
                "n": before["name"],
                "a": before["address"],
                "h": before["households"],
                "w": before["wkb"],
                "g": before["partyGroupId"],
                "v": before["version"] + 1,  # versions only grow
            },
        )
        return
    # Records made before buildings kept their whole row hold the group alone.
    sets = ["party_group_id = CAST(:partyGroupId AS uuid)"]
    for key, column, value in (
        ("name", "name", ":name"),
        ("address", "address", ":address"),
        ("households", "households", ":households"),
        ("wkb", "footprint", "ST_GeomFromEWKB(decode(:wkb, 'hex'))"),
    ):
        if key in before:
            sets.append(f"{column} = {value}")
    values = {"partyGroupId": None, **{k: v for k, v in before.items() if k != "version"}}
    await conn.execute(
        text(
            f"UPDATE grid.building SET {', '.join(sets)}, version = version + 1, "
            "updated_at = now() WHERE id = :i"
        ),
        {**values, "i": building_id},
    )


def _restored_organizations(items: list[dict]) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
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


def undo_latest(community_code: str, org: OrgClient) -> Any:
    """The operation undoing the community's latest change set not yet undone."""

    async def undo(plan: Plan) -> None:
        await plan.begin(community_code)
        conn = plan.conn
        target = await _latest_target(conn, community_code)
        items = await items_of(conn, target["id"])
        await _check_unchanged(conn, community_code, items)
        # Imported here: assignments builds on planning, which records through this module.
        from services.grid.planner.assignments import check_restorable

        await check_restorable(org, community_code, *_restored_organizations(items))
        zones = [i for i in items if i["entity"] == "zone"]
        buildings = [i for i in items if i["entity"] == "building"]
        await plan.track_zones([i["entity_id"] for i in zones])
        await plan.track_buildings([i["entity_id"] for i in buildings])

        # Deletions first, then reshaping, then re-creation: no transient overlap.
        def step(item: dict) -> tuple[bool, bool]:
            return item["before"] is not None, item["after"] is None

        for item in sorted(zones, key=step):
            await _restore_zone(conn, community_code, item)
        for item in buildings:
            await _restore_building(conn, community_code, item)
        plan.undo_of = target["id"]

    return undo
