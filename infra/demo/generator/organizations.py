"""Party organizations of one community: its committee, grid branches, Party groups and units."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import numpy as np

from infra.demo.generator.draws import Ids, pick
from infra.demo.generator.grids import Grid
from infra.demo.generator.plans import LifePlan, OrgPlan
from infra.demo.model import (
    BRANCH,
    COMMITTEE,
    FUNCTIONAL_BRANCH,
    FUNCTIONAL_GROUP,
    FUNCTIONAL_UNITS,
    GENERAL_BRANCH,
    GRID_BRANCH,
    PARTY_GROUP,
    SPECIAL_BRANCH,
    SPECIAL_GROUP,
    SPECIAL_UNITS,
    Organization,
)

_UNIT_NAME = {
    "workstation": "工作站",
    "zongzhiban": "综治办",
    "juweihui": "居委会",
    "owners_committee": "业主委员会特色",
    "volunteer_team": "党员志愿者服务队特色",
    "culture_team": "文体活动宣传队特色",
}


_JOINT_UNITS = ("zongzhiban", "juweihui")  # the joint (联合) functional branch of one community


_COMMUNITY_ORG_SUFFIX = {COMMITTEE: "党委", GENERAL_BRANCH: "党总支", BRANCH: "党支部"}


@dataclass(frozen=True)
class OrgTree:
    organizations: list[Organization]
    community_org: uuid.UUID
    building_group: dict[int, uuid.UUID]  # building index -> its Party group
    zone_group: dict[int, uuid.UUID]  # zone index -> its Party group (branch communities)
    zone_unit: dict[int, uuid.UUID]  # zone index -> its grid branch or (branch) Party group

    def home_org(self, building: int | None, zone: int) -> uuid.UUID:
        """A self-managed member's organization: their building's group, else their zone's
        group (branch communities), else the community organization."""
        if building is None:
            return self.community_org
        if building in self.building_group:
            return self.building_group[building]
        return self.zone_group.get(zone, self.community_org)


def org_tree(
    rng: np.random.Generator,
    grid: Grid,
    plan: OrgPlan,
    life: LifePlan,
    ungrouped: set[int],
    ids: Ids,
) -> OrgTree:
    code, name = grid.place.code, grid.place.name
    kind = plan.kinds[code]
    top = Organization(
        ids("org", code, "community"), code, f"{name}{_COMMUNITY_ORG_SUFFIX[kind]}", kind, None
    )
    orgs = [top]
    skipped_zone = plan.unbranched_zone.get(code)
    zone_units: dict[int, uuid.UUID] = {}
    for k, zone in enumerate(grid.zones):
        if k == skipped_zone:
            continue
        # plan (二): 社区党委、党总支应将分支部建在片区; 社区党支部应将党小组建在片区.
        unit_kind, suffix = (
            (GRID_BRANCH, "网格党支部") if kind != BRANCH else (PARTY_GROUP, "党小组")
        )
        org = Organization(
            ids("org", code, "zone", k),
            code,
            f"{name}{zone.name}{suffix}",
            unit_kind,
            top.id,
            zone_id=zone.id,
        )
        orgs.append(org)
        zone_units[k] = org.id

    building_group: dict[int, uuid.UUID] = {}
    if kind != BRANCH:
        for i, building in enumerate(grid.buildings):
            zone_index = int(grid.zone_of[i])
            if zone_index < 0 or i in ungrouped:
                continue  # orphans and the deliberately ungrouped buildings
            # plan (二): 党小组建到楼栋上; under the zone's grid branch where there is one.
            group = Organization(
                ids("org", code, "building", i),
                code,
                f"{building.address.replace(' ', '')}党小组",
                PARTY_GROUP,
                zone_units.get(zone_index, top.id),
                building_id=building.id,
            )
            orgs.append(group)
            building_group[i] = group.id

    orgs.extend(_unit_branches(rng, grid, plan, life, top.id, ids))
    zone_group = zone_units if kind == BRANCH else {}
    return OrgTree(orgs, top.id, building_group, zone_group, zone_units)


def _unit_branches(
    rng: np.random.Generator,
    grid: Grid,
    plan: OrgPlan,
    life: LifePlan,
    parent: uuid.UUID,
    ids: Ids,
) -> list[Organization]:
    """Functional branches in community organizations, special ones in mass organizations."""
    code, name = grid.place.code, grid.place.name
    missing = plan.missing_functional.get(code, ())
    # plan (二): 在社区工作站、综治办、居委会等社区组织中单独或联合建立党支部（党小组）.
    units: list[tuple[bool, tuple[str, ...]]] = [
        (True, (u,)) for u in FUNCTIONAL_UNITS if u not in missing
    ]
    if code == life.joint_functional:  # one community's 综治办 and 居委会 share a joint branch
        units = [(True, ("workstation",)), (True, _JOINT_UNITS)]
    # plan (二): 在业主委员会、社区志愿者服务队、文体活动宣传队等群众组织中建立特色党支部（党小组）.
    # Every community but the planned gaps has a volunteer team (plan 三: 联合组建社区党员志愿者服务队);
    # some, and every one without a team, also have one other special branch.
    if code not in plan.no_volunteer_team:
        units.append((False, ("volunteer_team",)))
    if code in plan.no_volunteer_team or rng.random() < 0.5:
        others = [u for u in SPECIAL_UNITS if u != "volunteer_team"]
        units.append((False, (pick(rng, others),)))
    orgs = []
    for functional, unit_names in units:
        if len(unit_names) > 1:
            kind = FUNCTIONAL_BRANCH
            label = "".join(_UNIT_NAME[u] for u in unit_names) + "联合党支部"
        else:
            is_group = (code, unit_names[0]) in life.group_units
            kind = {
                (True, False): FUNCTIONAL_BRANCH,
                (True, True): FUNCTIONAL_GROUP,
                (False, False): SPECIAL_BRANCH,
                (False, True): SPECIAL_GROUP,
            }[functional, is_group]
            label = _UNIT_NAME[unit_names[0]] + ("党小组" if is_group else "党支部")
        orgs.append(
            Organization(
                ids("org", code, "+".join(unit_names)),
                code,
                f"{name}{label}",
                kind,
                parent,
                units=unit_names,
            )
        )
    return orgs
