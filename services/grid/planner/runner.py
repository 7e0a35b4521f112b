"""Preview and commit of a planner operation: one runner for every edit of the grid.

A preview is the very write a commit would make, run in a transaction that is rolled back:
the database's own triggers (building zone derivation, the zone shape check) decide exactly
as they would on commit, and the diff is read back before the rollback. A commit keeps the
write and records it as a change set (services/grid/planner/history.py).

An operation is an async function of a `Plan`: it calls `plan.begin(community)` first (the
community's edit lock and the "before" snapshot), `plan.track_*` before writing an entity
(its "before" state for history), then writes.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.common.errors import DomainError, UserError, UserErrorCode
from services.common.text import MAX_NOTE, clean_text
from services.grid.planner import history
from services.grid.validation import Finding, PlanRefusedError


@dataclass(frozen=True)
class Placement:
    """Where a building sits in the coverage graph: its zone, that zone's organization (the
    grid branch, or group in branch communities) and its own Party group."""

    zone_id: uuid.UUID | None
    branch_id: uuid.UUID | None
    group_id: uuid.UUID | None

    def as_json(self) -> dict[str, str | None]:
        return {k: str(v) if v else None for k, v in vars(self).items()}


@dataclass(frozen=True)
class BuildingChange:
    building_id: uuid.UUID
    before: Placement
    after: Placement


@dataclass(frozen=True)
class Figures:
    """Simple coverage figures of one community, from grid data alone (DOMAIN coverage)."""

    buildings: int
    with_group: int
    orphans: int
    zones: int
    zones_without_organization: int


@dataclass
class Outcome:
    """What a preview or commit returns; `errors` non-empty means nothing was written."""

    change_set: dict[str, Any] | None = None
    buildings: list[BuildingChange] = field(default_factory=list)
    zones_created: list[uuid.UUID] = field(default_factory=list)
    zones_deleted: list[uuid.UUID] = field(default_factory=list)
    buildings_deleted: list[uuid.UUID] = field(default_factory=list)  # deleted or merged away
    coverage_before: Figures | None = None
    coverage_after: Figures | None = None
    findings: list[Finding] = field(default_factory=list)
    errors: list[UserError] = field(default_factory=list)
    current_version: int | None = None


class Plan:
    """The state of one operation being planned, on its transaction's connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.community_code: str | None = None
        self.zones: dict[uuid.UUID, dict | None] = {}  # before states, in tracking order
        self.buildings: dict[uuid.UUID, dict | None] = {}
        self.undo_of: uuid.UUID | None = None  # set by undo: the change set it reverses
        self.placements: dict[uuid.UUID, Placement] = {}
        self.zone_orgs: dict[uuid.UUID, uuid.UUID | None] = {}

    async def begin(self, community_code: str) -> None:
        """Lock the community's grid edits and snapshot it. The same advisory lock the zone
        shape trigger takes: planner edits of one community run one at a time."""
        if self.community_code is not None:
            return
        await self.conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtext('grid.zone:' || :c))"),
            {"c": community_code},
        )
        self.community_code = community_code
        self.placements, self.zone_orgs = await _snapshot(self.conn, community_code)

    async def track_zones(self, ids: list[uuid.UUID]) -> None:
        new = [i for i in ids if i not in self.zones]
        self.zones.update(await history.zone_states(self.conn, new))

    async def track_buildings(self, ids: list[uuid.UUID]) -> None:
        new = [i for i in ids if i not in self.buildings]
        self.buildings.update(await history.building_states(self.conn, new))


Operation = Callable[[Plan], Awaitable[None]]

NO_CHANGE = Finding(
    "NO_CHANGE",
    "没有任何改动，未记录变更集",
    "Nothing changed; no change set was recorded",
)


async def _snapshot(
    conn: AsyncConnection, code: str
) -> tuple[dict[uuid.UUID, Placement], dict[uuid.UUID, uuid.UUID | None]]:
    rows = await conn.execute(
        text(
            "SELECT b.id, b.zone_id, z.organization_id, b.party_group_id FROM grid.building b "
            "LEFT JOIN grid.zone z ON z.id = b.zone_id WHERE b.community_code = :c"
        ),
        {"c": code},
    )
    placements = {r[0]: Placement(r[1], r[2], r[3]) for r in rows}
    zones = await conn.execute(
        text("SELECT id, organization_id FROM grid.zone WHERE community_code = :c"), {"c": code}
    )
    return placements, dict(zones.all())


def _figures(
    placements: dict[uuid.UUID, Placement], zone_orgs: dict[uuid.UUID, uuid.UUID | None]
) -> Figures:
    return Figures(
        buildings=len(placements),
        with_group=sum(1 for p in placements.values() if p.group_id),
        orphans=sum(1 for p in placements.values() if p.zone_id is None),
        zones=len(zone_orgs),
        zones_without_organization=sum(1 for o in zone_orgs.values() if o is None),
    )


def _warnings(outcome: Outcome, zone_orgs: dict[uuid.UUID, uuid.UUID | None]) -> list[Finding]:
    """Findings that do not refuse the plan but a planner should see."""
    found = []
    orphaned = [c for c in outcome.buildings if c.before.zone_id and not c.after.zone_id]
    if orphaned:
        found.append(
            Finding(
                "ORPHANS_CREATED",
                f"{len(orphaned)} 栋楼将不在任何片区内（成为覆盖缺口）",
                f"{len(orphaned)} buildings would be in no zone (coverage gaps)",
            )
        )
    for zone_id in outcome.zones_created:
        if zone_orgs.get(zone_id) is None:
            found.append(
                Finding(
                    "ZONE_WITHOUT_ORGANIZATION",
                    "新片区尚未分配网格党支部",
                    "The new zone has no grid branch yet",
                    zone_id=str(zone_id),
                )
            )
    return found


_OVERLAP = re.compile(r"overlaps zone ([0-9a-f-]{36})")


def _refusal_of(clash: IntegrityError) -> PlanRefusedError | None:
    """The zone shape trigger's refusals (SQLSTATE 23P01 / 23514) as typed errors."""
    diag = getattr(clash.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    detail = getattr(diag, "message_primary", "") or ""
    if name == "zone_no_overlap":
        match = _OVERLAP.search(detail)
        other = match.group(1) if match else None
        message, message_en = f"片区与片区 {other} 重叠", f"The zone overlaps zone {other}"
        code = "OVERLAP"
    elif name == "zone_within_community":
        message, message_en = "片区超出社区范围", "The zone lies outside its community"
        code, other = "OUTSIDE_COMMUNITY", None
    else:
        return None
    return PlanRefusedError(
        UserErrorCode.RULE_VIOLATION,
        message,
        message_en,
        None,
        rule=f"zone.{code.lower()}",
        findings=[Finding(code, message, message_en, zone_id=other)],
    )


async def _outcome(plan: Plan) -> Outcome:
    code = plan.community_code
    assert code is not None, "an operation must call plan.begin(community)"
    after, after_orgs = await _snapshot(plan.conn, code)
    before = plan.placements
    changes = [
        BuildingChange(i, before.get(i, Placement(None, None, None)), p)
        for i, p in after.items()
        if before.get(i) != p
    ]
    outcome = Outcome(
        buildings=sorted(changes, key=lambda c: str(c.building_id)),
        zones_created=[i for i in after_orgs if i not in plan.zone_orgs],
        zones_deleted=[i for i in plan.zone_orgs if i not in after_orgs],
        buildings_deleted=sorted((i for i in before if i not in after), key=str),
        coverage_before=_figures(before, plan.zone_orgs),
        coverage_after=_figures(after, after_orgs),
    )
    outcome.findings = _warnings(outcome, after_orgs)
    return outcome


async def run_plan(
    engine: AsyncEngine,
    operation: Operation,
    *,
    kind: str,
    author: str,
    reason: str,
    dry_run: bool,
) -> Outcome:
    """Run `operation`; preview (roll back) or commit it with its change set."""
    try:
        async with engine.connect() as conn:
            transaction = await conn.begin()
            try:
                reason = clean_text(reason, ["reason"], MAX_NOTE, what_zh="理由") or ""
                plan = Plan(conn)
                await operation(plan)
                outcome = await _outcome(plan)
                if dry_run:
                    await transaction.rollback()
                    return outcome
                outcome.change_set = await history.record(
                    plan, outcome, kind=kind, author=author, reason=reason
                )
                if outcome.change_set is None:
                    # Nothing changed: keep versions as they were and say so.
                    await transaction.rollback()
                    outcome.findings.append(NO_CHANGE)
                    return outcome
                await transaction.commit()
                return outcome
            finally:
                if transaction.is_active:
                    await transaction.rollback()
    except PlanRefusedError as refused:
        return Outcome(
            findings=refused.findings,
            errors=refused.user_errors(),
            current_version=refused.current_version,
        )
    except DomainError as refused:
        return Outcome(errors=refused.user_errors())
    except IntegrityError as clash:
        refused = _refusal_of(clash)
        if refused is None:
            raise
        return Outcome(findings=refused.findings, errors=refused.user_errors())
