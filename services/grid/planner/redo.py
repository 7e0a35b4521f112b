"""Redo: re-apply the change set the community's latest undo reversed.

Redo is the undo of that undo (services/grid/planner/undo.py `reverse`): it puts back the
undo's `before` states, only while every entity is still as the undo left it (else STALE,
naming the current versions). It is recorded as a change set of kind `redo` whose `undoOf`
is the undo; the undo is marked undone and the change set it had undone is live again
(services/grid/planner/history.py `record`), so it is the next to undo.

Undos and redos form a stack over the ordinary edits: the live undos after the latest
ordinary edit, newest first, are what redo can re-apply. A new ordinary edit ends that
chain (what was undone before it cannot be redone: its states no longer follow on).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import DomainError, UserErrorCode
from services.grid.models import change_set
from services.grid.org_client import OrgClient
from services.grid.planner.plan import Plan
from services.grid.planner.undo import RECORDS, UNDO, reverse, stale_target, undo_target

VERB = ("重做", "redo")


async def _last_edit(conn: AsyncConnection, code: str) -> int:
    """The number of the community's latest ordinary edit (0: none)."""
    return (
        await conn.execute(
            select(func.coalesce(func.max(change_set.c.number), 0)).where(
                change_set.c.community_code == code, change_set.c.kind.not_in(RECORDS)
            )
        )
    ).scalar_one()


async def redo_target(
    conn: AsyncConnection, code: str
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The undo a redo would reverse and the change set it re-applies; None when none."""
    undo = (
        (
            await conn.execute(
                select(change_set)
                .where(
                    change_set.c.community_code == code,
                    change_set.c.kind == UNDO,
                    change_set.c.undone_at.is_(None),
                    change_set.c.number > await _last_edit(conn, code),
                )
                .order_by(change_set.c.number.desc())
                .limit(1)
            )
        )
        .mappings()
        .one_or_none()
    )
    if undo is None:
        return None
    redone = (
        (await conn.execute(select(change_set).where(change_set.c.id == undo["undo_of"])))
        .mappings()
        .one()
    )
    return dict(undo), dict(redone)


async def _nothing_to_redo(conn: AsyncConnection, code: str) -> DomainError:
    """Why there is nothing to redo: nothing was undone, or a new edit ended the chain."""
    last = await _last_edit(conn, code)
    ended = (
        await conn.execute(
            select(func.count()).where(
                change_set.c.community_code == code,
                change_set.c.kind == UNDO,
                change_set.c.undone_at.is_(None),
                change_set.c.number < last,
            )
        )
    ).scalar_one()
    if ended:
        return DomainError(
            UserErrorCode.NOT_FOUND,
            f"撤销之后又有新的修改（变更 #{last}），之前撤销的变更不能再重做",
            f"A new edit (change set #{last}) came after the undo: what was undone before it "
            "cannot be redone",
            ["communityCode"],
        )
    return DomainError(
        UserErrorCode.NOT_FOUND,
        f"社区 {code} 没有可重做的变更",
        f"Community {code} has no undone change set to redo",
        ["communityCode"],
    )


@dataclass(frozen=True)
class RedoLatest:
    """Re-apply the change set the community's latest undo reversed (`expected_number`: only
    if it is that one, as previewed)."""

    community_code: str
    org: OrgClient
    expected_number: int | None = None

    async def apply(self, plan: Plan) -> None:
        code = self.community_code
        await plan.begin(code)
        found = await redo_target(plan.conn, code)
        if found is None:
            raise await _nothing_to_redo(plan.conn, code)
        undo, redone = found
        stale_target(redone["number"], self.expected_number, VERB)
        await reverse(plan, self.org, undo, VERB)


async def next_steps(
    conn: AsyncConnection, code: str
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The change set an undo would reverse and the one a redo would re-apply (None: none),
    as the page enables its buttons."""
    found = await redo_target(conn, code)
    return await undo_target(conn, code), (found[1] if found else None)
