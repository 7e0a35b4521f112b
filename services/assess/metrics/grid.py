"""Indicators measured from grid's coverage (plan 二 "分支部建在片区、党小组建到楼栋").

Grid's `CommunityCoverage` counts a community's zones and those without their organization
(a grid branch; a Party group in a 社区党支部 community), and its buildings with resident Party
members and of those the covered ones (their own group; in a branch community their zone's
group). An orphan building (in no zone) with members counts as not covered.

Choices where the standard is silent:
- A community grid has not mapped, or mapped without any zone, has nothing to measure O3
  from: unmeasured (value None, earns nothing) with the reason — a grid not yet drawn is not
  "every zone has its branch".
- No building with resident members (O4): met, as any rate over nobody (value 1).
Refs name the org rule each indicator restates (placement.*), for the reader to look up.
"""

from __future__ import annotations

from services.assess.metrics.reads import GridCounts
from services.assess.shared.measures import Measured


def _zone_rule(g: GridCounts) -> tuple[str, tuple[str, str]]:
    if g.organization_kind == "BRANCH":  # plan (二): 社区党支部应将党小组建在片区
        return "placement.zone_group", ("党小组", "Party group")
    return "placement.zone_branch", ("网格党支部", "grid branch")


def zones_with_branch(g: GridCounts) -> Measured:
    """O3 — every zone has its grid branch (or, in a 社区党支部 community, its Party group)."""
    rule, (zh, en) = _zone_rule(g)
    if g.zones == 0:
        return Measured(None, "网格中该社区尚未划分片区", "grid holds no zone of it", (rule,))
    done = g.zones - g.zones_without_organization
    return Measured(
        done / g.zones,
        f"片区{g.zones}个，已建{zh}{done}个",
        f"{done} of {g.zones} zones have their {en}",
        (rule,),
    )


def member_buildings_with_group(g: GridCounts) -> Measured:
    """O4 — every building with resident members has its Party group (plan 二 党小组建到楼栋)."""
    rule = "placement.zone_group" if g.organization_kind == "BRANCH" else "placement.building_group"
    n, done = g.member_buildings, g.member_buildings_covered
    if n == 0:
        return Measured(
            1.0, "无党员居住的楼栋（视为达标）", "no building with resident members (met)", (rule,)
        )
    where = "（社区党支部：党小组建在片区）" if g.organization_kind == "BRANCH" else ""
    where_en = " (a branch community: groups sit in zones)" if where else ""
    return Measured(
        done / n,
        f"有党员居住的楼栋{n}栋，已有党小组覆盖{done}栋{where}",
        f"{done} of {n} buildings with resident members are covered by a Party group{where_en}",
        (rule,),
    )
