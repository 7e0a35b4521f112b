"""History of the grid: every planner commit is a change set, listable and diffable (undo:
services/grid/planner/undo.py).

ARCHITECTURE "Data": every edit to boundaries and assignments is versioned (who, when,
before, after). A change set holds one item per entity the commit wrote directly (zones;
buildings whose Party group changed) with its state before and after, null when absent
(services/grid/planner/states.py); its summary keeps the derived effects (buildings that
changed zone, branch or group, coverage before and after).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, insert, null, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import DomainError, UserErrorCode
from services.common.pagination import MAX_PAGE, Page, encode_cursor, fetch_page
from services.grid.models import change_item, change_set
from services.grid.planner.plan import Outcome, Plan
from services.grid.planner.states import State, building_states, zone_states

# Compared when deciding whether an entity is still as a change set left it.
ZONE_CONTENT = ("name", "organizationId", "wkb")
# Buildings keep their whole row (deleted and merged buildings are restored from it); change
# sets recorded before buildings could be deleted hold only the name and group, and are
# compared on the keys they hold.
BUILDING_CONTENT = ("partyGroupId", "name", "address", "households", "wkb")

# Per entity written between two change sets: its first "before" and last "after".
NET_CHANGES = text((Path(__file__).parent / "net_changes.sql").read_text())


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


def _content(state: State | None) -> State | None:
    """An entity's state without its version: what a change set is about."""
    return None if state is None else {k: v for k, v in state.items() if k != "version"}


def _json(state: State | None) -> Any:
    """A state for a JSONB column: SQL NULL when absent (not the JSON `null`)."""
    return null() if state is None else state


async def _changed_items(plan: Plan) -> list[tuple[str, uuid.UUID, State | None, State | None]]:
    items = []
    for entity, befores, read in (
        ("zone", plan.zones, zone_states),
        ("building", plan.buildings, building_states),
    ):
        afters = await read(plan.conn, list(befores))
        items += [
            (entity, i, befores[i], afters[i])
            for i in befores
            if _content(befores[i]) != _content(afters[i])
        ]
    return items


async def record(
    plan: Plan, outcome: Outcome, *, kind: str, author: str, reason: str
) -> dict[str, Any] | None:
    """Write the change set of a commit (its number is the next of the community; the
    community's edit lock, held by the plan, makes that safe). None, writing nothing, when
    the commit changes no content (a version bump alone is no change)."""
    conn, code = plan.conn, plan.community
    items = await _changed_items(plan)
    if not items:
        return None
    number = (
        await conn.execute(
            select(func.coalesce(func.max(change_set.c.number), 0) + 1).where(
                change_set.c.community_code == code
            )
        )
    ).scalar_one()
    set_id = uuid.uuid4()
    row = (
        (
            await conn.execute(
                insert(change_set)
                .values(
                    id=set_id,
                    community_code=code,
                    number=number,
                    kind=kind,
                    author=author,
                    reason=reason,
                    summary=_summary(outcome),
                    undo_of=plan.undo_of,
                )
                .returning(*change_set.c)
            )
        )
        .mappings()
        .one()
    )
    for entity, entity_id, before, after in items:
        await conn.execute(
            insert(change_item).values(
                change_set_id=set_id,
                entity=entity,
                entity_id=entity_id,
                community_code=code,
                before=_json(before),
                after=_json(after),
            )
        )
    if plan.undo_of is not None:
        revived = (
            await conn.execute(
                update(change_set)
                .where(change_set.c.id == plan.undo_of)
                .values(undone_at=func.now())
                .returning(change_set.c.undo_of)
            )
        ).scalar_one()
        if revived is not None:
            # Undoing an undo (a redo): the change set that undo had undone is live again,
            # the next to undo (services/grid/planner/redo.py).
            await conn.execute(
                update(change_set).where(change_set.c.id == revived).values(undone_at=None)
            )
    return dict(row)


async def change_sets_page(
    conn: AsyncConnection,
    community_code: str,
    first: int | None,
    after: str | None,
    last: int | None = None,
) -> Page:
    """The community's change sets, oldest first, paged by number; `last`: the newest
    `last` of them instead (still oldest first, Relay's backward paging)."""
    query = select(change_set).where(change_set.c.community_code == community_code)
    if last is not None:
        return await _last_page(conn, query, last)
    return await fetch_page(conn, query, keys=[change_set.c.number], first=first, after=after)


async def _last_page(conn: AsyncConnection, query: Select, last: int) -> Page:
    size = min(max(last, 0), MAX_PAGE)
    total = (await conn.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    newest = query.order_by(change_set.c.number.desc()).limit(size)
    rows = [dict(r) for r in (await conn.execute(newest)).mappings()][::-1]
    cursors = [encode_cursor([r["number"]]) for r in rows]
    return Page(rows, cursors, False, total)


async def change_set_by_id(conn: AsyncConnection, set_id: uuid.UUID) -> dict[str, Any] | None:
    row = (
        (await conn.execute(select(change_set).where(change_set.c.id == set_id)))
        .mappings()
        .one_or_none()
    )
    return dict(row) if row else None


async def items_of(conn: AsyncConnection, set_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await conn.execute(
        select(
            change_item.c.entity, change_item.c.entity_id, change_item.c.before, change_item.c.after
        )
        .where(change_item.c.change_set_id == set_id)
        .order_by(change_item.c.entity.desc(), change_item.c.entity_id)
    )
    return [dict(r) for r in rows.mappings()]


def same(state: State | None, wanted: State | None, keys: tuple[str, ...]) -> bool:
    """Whether `state` is as `wanted`, on the keys `wanted` holds (older records hold fewer)."""
    if state is None or wanted is None:
        return state is None and wanted is None
    return all(state.get(k) == wanted.get(k) for k in keys if k in wanted)


async def net_changes(
    conn: AsyncConnection, community_code: str, from_number: int, to_number: int
) -> list[dict[str, Any]]:
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
            select(func.max(change_set.c.number)).where(
                change_set.c.community_code == community_code
            )
        )
    ).scalar_one()
    if latest is None or to_number > latest:
        raise DomainError(
            UserErrorCode.NOT_FOUND,
            f"社区 {community_code} 没有第 {to_number} 号变更",
            f"Community {community_code} has no change set number {to_number}",
            ["toNumber"],
        )
    rows = await conn.execute(NET_CHANGES, {"c": community_code, "a": from_number, "b": to_number})
    changed = []
    for r in rows.mappings():
        keys = ZONE_CONTENT if r["entity"] == "zone" else BUILDING_CONTENT
        if not same(r["before"], r["after"], keys):
            changed.append(dict(r))
    return changed
