"""What a plan does that a planner should confirm: findings of severity WARNING, shown with
the preview and never refusing (the planner confirms by committing).

- ORPHANS_CREATED: buildings that would be in no zone (coverage gap 4).
- ZONE_WITHOUT_ORGANIZATION: a new zone without its grid branch (gap 3).
- GAPS_CREATED: more buildings with resident Party members and no Party group than before
  (the severest gap, DOMAIN "The coverage graph" 1; counted as the maps count them).
- GROUP_OUTSIDE_ZONE: buildings given a Party group of another zone (below).
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.subgraph_client import SubgraphUnavailableError
from services.grid.models import zone
from services.grid.org_client import OrganizationFact, OrgClient
from services.grid.planner.plan import BuildingChange, Figures, Outcome, Placements
from services.grid.validation import Finding, Severity


def orphans_created(outcome: Outcome) -> list[Finding]:
    orphaned = [c for c in outcome.buildings if c.before.zone_id and not c.after.zone_id]
    if not orphaned:
        return []
    n = len(orphaned)
    return [
        Finding(
            "ORPHANS_CREATED",
            f"{n} 栋楼将不在任何片区内（成为覆盖缺口）",
            f"{n} buildings would be in no zone (coverage gaps)",
            severity=Severity.WARNING,
        )
    ]


def zones_without_organization(
    outcome: Outcome, zone_orgs: dict[uuid.UUID, uuid.UUID | None]
) -> list[Finding]:
    return [
        Finding(
            "ZONE_WITHOUT_ORGANIZATION",
            "新片区尚未分配网格党支部",
            "The new zone has no grid branch yet",
            zone_id=str(zone_id),
            severity=Severity.WARNING,
        )
        for zone_id in outcome.zones_created
        if zone_orgs.get(zone_id) is None
    ]


def gaps_created(before: Figures | None, after: Figures | None) -> list[Finding]:
    """More severe gaps after than before (both known)."""
    if before is None or after is None:
        return []
    if before.gaps_with_members is None or after.gaps_with_members is None:
        return []
    n = after.gaps_with_members - before.gaps_with_members
    if n <= 0:
        return []
    return [
        Finding(
            "GAPS_CREATED",
            f"将新增 {n} 个有党员居住但无党小组的楼栋",
            f"{n} more buildings with resident Party members would have no Party group",
            severity=Severity.WARNING,
        )
    ]


# --- a Party group outside its zone ------------------------------------------------------
#
# DOMAIN "分支部建在片区、党小组建到楼栋": a zone has its grid branch, and the Party groups of
# the zone's buildings are under that branch. So a group belongs to the zones whose
# organization is its parent (or, in a branch community, "党小组建在片区", the zones whose
# organization is the group itself). Where org names no such zone (a group directly under
# the community's organization, or its branch on no zone), the group belongs where its other
# buildings are. A building given a group (or moved, group and all, to another zone) whose
# zone is not one the group belongs to is "outside its zone"; a group that belongs nowhere yet
# (new, no buildings) is outside no zone.


def _homes(
    group: uuid.UUID,
    fact: OrganizationFact | None,
    zone_orgs: dict[uuid.UUID, uuid.UUID | None],
    before: Placements,
    moved: set[uuid.UUID],
) -> set[uuid.UUID]:
    """The zones a Party group belongs to (see above)."""
    owners = {group} | ({fact.parent_id} if fact and fact.parent_id else set())
    homes = {z for z, o in zone_orgs.items() if o is not None and o in owners}
    if homes:
        return homes
    return {
        p.zone_id
        for b, p in before.items()
        if p.group_id == group and p.zone_id is not None and b not in moved
    }


async def _facts(org: OrgClient | None, ids: list[uuid.UUID]) -> dict[uuid.UUID, OrganizationFact]:
    if org is None:
        return {}
    try:
        return await org.organizations(ids)
    except SubgraphUnavailableError:  # warn from grid data alone: the other buildings' zones
        return {}


async def _zone_names(conn: AsyncConnection, code: str) -> dict[uuid.UUID, str]:
    rows = await conn.execute(select(zone.c.id, zone.c.name).where(zone.c.community_code == code))
    return {r[0]: r[1] for r in rows}


async def groups_outside_zone(
    conn: AsyncConnection,
    org: OrgClient | None,
    code: str,
    outcome: Outcome,
    before: Placements,
    zone_orgs: dict[uuid.UUID, uuid.UUID | None],
) -> list[Finding]:
    """One warning per Party group that buildings of other zones would get (see above)."""

    def moved_in(c: BuildingChange) -> bool:
        after = c.after
        return bool(after.group_id and after.zone_id) and (
            after.group_id != c.before.group_id or after.zone_id != c.before.zone_id
        )

    moved = [c for c in outcome.buildings if moved_in(c)]
    if not moved:
        return []
    by_group: dict[uuid.UUID, list[BuildingChange]] = defaultdict(list)
    for c in moved:
        assert c.after.group_id is not None  # moved_in
        by_group[c.after.group_id].append(c)
    facts = await _facts(org, list(by_group))
    ids = {c.building_id for c in moved}
    found: list[Finding] = []
    names: dict[uuid.UUID, str] | None = None
    for group, changes in sorted(by_group.items(), key=lambda g: str(g[0])):
        fact = facts.get(group)
        homes = _homes(group, fact, zone_orgs, before, ids)
        outside = [c for c in changes if homes and c.after.zone_id not in homes]
        if not outside:
            continue
        names = names if names is not None else await _zone_names(conn, code)
        home = "、".join(sorted(names.get(z, str(z)) for z in homes))
        home_en = ", ".join(sorted(names.get(z, str(z)) for z in homes))
        name = fact.name if fact else str(group)
        n = len(outside)
        found.append(
            Finding(
                "GROUP_OUTSIDE_ZONE",
                f"{n} 栋楼将由其他片区的党小组「{name}」负责（该党小组属于{home}）",
                f"{n} buildings would get Party group {name} of another zone ({home_en})",
                severity=Severity.WARNING,
            )
        )
    return found
