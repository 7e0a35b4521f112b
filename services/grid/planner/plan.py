"""The types of a planner operation: the `Plan` it writes through, the `Operation` itself, and
the `Outcome` a preview or commit returns (see services/grid/planner/runner.py).

An operation is an object with an async `apply(plan)`: it calls `plan.begin(community)`
first (the community's edit lock and the "before" snapshot), `plan.track_*` before writing an
entity (its "before" state for history), then writes.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import UserError
from services.grid import coverage
from services.grid.models import building, zone
from services.grid.org_client import CoverageFacts, OrgClient
from services.grid.planner import states
from services.grid.validation import Finding


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
    """Coverage figures of one community: counts from grid data alone, and the coverage
    rule's figures (services/grid/coverage.py, the maps' and the panel's) where org told the
    community's kind and resident members (None otherwise, and in change sets recorded
    before they were kept)."""

    buildings: int
    with_group: int
    orphans: int
    zones: int
    zones_without_organization: int
    covered: int | None = None  # covered by DOMAIN's rule (the community's kind decides)
    percent: float | None = None  # covered share of buildings, %
    gaps_with_members: int | None = None  # buildings with resident members, not covered


@dataclass(frozen=True)
class RuleFigures:
    """The coverage rule's figures of a community (see `Figures`)."""

    covered: int | None = None
    percent: float | None = None
    gaps_with_members: int | None = None


async def rule_figures(
    conn: AsyncConnection, code: str, facts: CoverageFacts | None
) -> RuleFigures:
    """The community's coverage as the maps count it, on the plan's connection (so a preview
    sees its own uncommitted write), with org's facts asked once per plan (None: org is down,
    and gaps with members unknown). Gaps with members are the buildings the maps colour
    GAP_WITH_MEMBERS: resident Party members and no Party group ("党小组建到楼栋"; in a branch
    community, "党小组建在片区": their zone has no group), the figure the planner page's panel
    shows."""
    if facts is None:
        # Without org the rule's figures would rest on a guess of the community's kind: the
        # preview says "unknown" (null) rather than show a share computed under the wrong rule.
        return RuleFigures()
    found = await coverage.coverage_with(conn, coverage.Scope(region_code=code), facts)
    figures = found.figures
    severe = figures.uncovered_with_members if found.residents_known else None
    return RuleFigures(figures.covered, figures.percent, severe)


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


Placements = dict[uuid.UUID, Placement]
ZoneOrganizations = dict[uuid.UUID, uuid.UUID | None]


async def snapshot(conn: AsyncConnection, code: str) -> tuple[Placements, ZoneOrganizations]:
    """Every building's placement and every zone's organization in one community."""
    rows = await conn.execute(
        select(building.c.id, building.c.zone_id, zone.c.organization_id, building.c.party_group_id)
        .select_from(building.outerjoin(zone, zone.c.id == building.c.zone_id))
        .where(building.c.community_code == code)
    )
    placements = {r[0]: Placement(r[1], r[2], r[3]) for r in rows}
    zones = await conn.execute(
        select(zone.c.id, zone.c.organization_id).where(zone.c.community_code == code)
    )
    return placements, {r[0]: r[1] for r in zones}


class Plan:
    """The state of one operation being planned, on its transaction's connection."""

    def __init__(self, conn: AsyncConnection, org: OrgClient | None = None) -> None:
        self.conn = conn
        self.org = org  # for coverage figures and warnings (None: grid figures only)
        self.community_code: str | None = None
        self.zones: states.States = {}  # before states, in tracking order
        self.buildings: states.States = {}
        self.undo_of: uuid.UUID | None = None  # set by undo: the change set it reverses
        self.placements: Placements = {}
        self.zone_orgs: ZoneOrganizations = {}
        self.facts: CoverageFacts | None = None  # org's, for the coverage rule's figures
        self.rule_before = RuleFigures()
        # What the operation itself reports while it runs (e.g. a drawing snapped to the
        # community boundary); the runner adds the plan's warnings after.
        self.findings: list[Finding] = []

    @property
    def community(self) -> str:
        """The community `begin` locked (an operation that has not begun has none)."""
        assert self.community_code is not None, "an operation must call plan.begin(community)"
        return self.community_code

    async def begin(self, community_code: str) -> None:
        """Lock the community's grid edits and snapshot it. The same advisory lock the zone
        shape trigger takes: planner edits of one community run one at a time."""
        if self.community_code is not None:
            return
        key = func.hashtext("grid.zone:" + community_code)
        await self.conn.execute(select(func.pg_advisory_xact_lock(key)))
        self.community_code = community_code
        if self.org is None:
            self.placements, self.zone_orgs = await snapshot(self.conn, community_code)
            return
        # org's facts (kinds, resident members) while the snapshot runs: a grid edit changes
        # none of them, so the figures before and after use the same answer.
        asked = asyncio.ensure_future(coverage.org_facts(self.org, [community_code]))
        try:
            self.placements, self.zone_orgs = await snapshot(self.conn, community_code)
        except BaseException:
            asked.cancel()
            raise
        self.facts = await asked
        self.rule_before = await rule_figures(self.conn, community_code, self.facts)

    async def rule_after(self) -> RuleFigures:
        """The coverage rule's figures as the plan's write leaves them (none without org)."""
        if self.org is None:
            return RuleFigures()
        return await rule_figures(self.conn, self.community, self.facts)

    async def track_zones(self, ids: list[uuid.UUID]) -> None:
        new = [i for i in ids if i not in self.zones]
        self.zones.update(await states.zone_states(self.conn, new))

    async def track_buildings(self, ids: list[uuid.UUID]) -> None:
        new = [i for i in ids if i not in self.buildings]
        self.buildings.update(await states.building_states(self.conn, new))


class Operation(Protocol):
    """One planner edit, named for what it does (e.g. `RedrawZone`), with its arguments."""

    async def apply(self, plan: Plan) -> None: ...
