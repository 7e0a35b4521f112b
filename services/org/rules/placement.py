"""Checks of where organizations sit: on the grid, and in the community's organizations.

plan (二): "社区党委、党总支应将分支部建在片区、党小组建到楼栋上，社区党支部应将党小组建在片区；在社区
工作站、综治办、居委会等社区组织中单独或联合建立党支部（党小组），探索在业主委员会、社区志愿者服务队、
文体活动宣传队等群众组织中建立特色党支部（党小组）".

Grid facts (zones, buildings and the organizations grid assigns to them) come from the grid
subgraph; when it cannot be asked, `placement_unchecked` says so once per community and
the other placement checks stay silent rather than guess. An assignment counts only when
it names a live organization of the same community and of the right kind.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from services.org.rules.facts import KIND_NAMES, Breach, CommunityFacts, RuleContext

FUNCTIONAL_KINDS = ("functional_branch", "functional_group")
SPECIAL_KINDS = ("special_branch", "special_group")
FUNCTIONAL_UNITS = {  # plan (二): 社区工作站、综治办、居委会
    "workstation": ("社区工作站", "community workstation"),
    "zongzhiban": ("综治办", "comprehensive-governance office"),
    "juweihui": ("居委会", "residents' committee"),
}


def zone_unit_kind(community_kind: str) -> str:
    """What each zone holds: a grid branch under a 党委/党总支, a Party group under a 党支部.

    plan (二): 社区党委、党总支应将分支部建在片区……社区党支部应将党小组建在片区."""
    return "party_group" if community_kind == "branch" else "grid_branch"


def needs_building_groups(community_kind: str) -> bool:
    """plan (二): 党小组建到楼栋上 — for 党委 and 党总支; a 党支部's groups sit in zones."""
    return community_kind != "branch"


def _assignment_problem(
    c: CommunityFacts, organization_id: uuid.UUID | None, kind: str
) -> tuple[str, str] | None:
    """Why an assigned organization does not count (zh, en), or None when it does."""
    want_zh, want_en = KIND_NAMES[kind]
    if organization_id is None:
        return f"没有{want_zh}", f"has no {want_en}"
    org = c.organizations.get(organization_id)
    if org is None:
        other = c.elsewhere.get(organization_id)
        if other is None:
            return (
                f"所指定的党组织不存在（{organization_id}）",
                f"is assigned an organization that does not exist ({organization_id})",
            )
        return (
            f"所指定的「{other.name}」属于其他社区（{other.community_code}）",
            f"is assigned {other.name}, of another community ({other.community_code})",
        )
    if not org.is_live:
        return f"所指定的「{org.name}」已撤销", f"is assigned {org.name}, which is dissolved"
    if org.kind != kind:
        has_zh, has_en = KIND_NAMES[org.kind]
        return (
            f"所指定的「{org.name}」是{has_zh}，不是{want_zh}",
            f"is assigned {org.name}, a {has_en}, not a {want_en}",
        )
    return None


def _zones(c: CommunityFacts, kind: str) -> Iterator[Breach]:
    org = c.community_organization
    if org is None or c.grid is None or zone_unit_kind(org.kind) != kind:
        return
    for zone in c.grid.zones:
        problem = _assignment_problem(c, zone.organization_id, kind)
        if problem:
            yield Breach(
                c.code,
                f"{c.name}片区「{zone.name}」{problem[0]}",
                f"Zone {zone.name} of {c.name} {problem[1]}",
                org.id,
                key=str(zone.id),
            )


def placement_zone_branch(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (二): 社区党委、党总支应将分支部建在片区 — a live grid branch in every zone."""
    yield from _zones(c, "grid_branch")


def placement_zone_group(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (二): 社区党支部应将党小组建在片区 — a live Party group in every zone."""
    yield from _zones(c, "party_group")


def placement_building_group(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (二): 党小组建到楼栋上 — every building in a zone of a 党委/党总支 community.

    The finding goes to the zone's grid branch where it has a valid one (it keeps the zone's
    groups), else to the community organization; the message counts resident members, since
    a building with members and no group is the most severe gap."""
    org = c.community_organization
    if org is None or c.grid is None or not needs_building_groups(org.kind):
        return
    valid_zone_branch = {
        z.id: z.organization_id
        for z in c.grid.zones
        if _assignment_problem(c, z.organization_id, "grid_branch") is None
    }
    zone_names = {z.id: z.name for z in c.grid.zones}
    residents: dict[uuid.UUID, int] = {}
    for m in c.members.values():
        if m.home_building_id is not None:
            residents[m.home_building_id] = residents.get(m.home_building_id, 0) + 1
    for b in c.grid.buildings:
        if b.zone_id is None:
            continue  # an orphan, in no zone: grid's coverage reports it
        problem = _assignment_problem(c, b.party_group_id, "party_group")
        if problem:
            n = residents.get(b.id, 0)
            where = zone_names.get(b.zone_id, "")
            yield Breach(
                c.code,
                f"{c.name}{where}楼栋「{b.name}」{problem[0]}（住有党员{n}人）",
                f"Building {b.name} in zone {where} of {c.name} {problem[1]} "
                f"({n} resident members)",
                valid_zone_branch.get(b.zone_id) or org.id,
                key=str(b.id),
            )


def placement_unchecked(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (二): 分支部建在片区、党小组建到楼栋 — could not be checked without grid facts."""
    if c.grid is None:
        zh, en = c.grid_problem or ("没有网格数据", "no grid facts")
        org = c.community_organization
        yield Breach(
            c.code,
            f"{c.name}：{zh}，未能检查片区、楼栋党组织设置",
            f"{c.name}: {en}; zone and building placement was not checked",
            org.id if org else None,
        )


def functional_units(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (二): 在社区工作站、综治办、居委会等社区组织中单独或联合建立党支部（党小组）.

    单独或联合: one functional branch or group may cover several units (its `units`)."""
    org = c.community_organization
    if org is None:
        return
    covered = {
        u
        for o in c.organizations.values()
        if o.is_live and o.kind in FUNCTIONAL_KINDS
        for u in o.units
    }
    missing = [u for u in FUNCTIONAL_UNITS if u not in covered]
    if missing:
        zh = "、".join(FUNCTIONAL_UNITS[u][0] for u in missing)
        en = ", ".join(FUNCTIONAL_UNITS[u][1] for u in missing)
        yield Breach(
            c.code,
            f"{c.name}的{zh}没有建立党支部（党小组）（单独或联合）",
            f"{c.name} has no functional Party branch or group in the {en}",
            org.id,
        )


def special_volunteer_team(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (二): 探索在……社区志愿者服务队……中建立特色党支部（党小组） (探索: info only)."""
    org = c.community_organization
    if org is None:
        return
    if not any(
        o.is_live and o.kind in SPECIAL_KINDS and "volunteer_team" in o.units
        for o in c.organizations.values()
    ):
        yield Breach(
            c.code,
            f"{c.name}尚未在社区志愿者服务队中建立特色党支部（党小组）",
            f"{c.name} has no special Party branch or group in a volunteer team",
            org.id,
        )
