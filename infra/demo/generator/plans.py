"""District-wide choices: each community's organization kind and its deliberate breaches, and the
regional pattern (plan 三) and member life (plan 五) of every community."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from infra.demo.generator.draws import STAGE_ORGS, STAGE_REGIONAL, stage_rng
from infra.demo.generator.grids import Grid
from infra.demo.model import BRANCH, COMMITTEE, FUNCTIONAL_UNITS, GENERAL_BRANCH, SPECIAL_UNITS

# plan (二): 单独或联合建立党支部（党小组）: how often a unit has a 党小组 rather than a 党支部.
_GROUP_SHARE = {
    "workstation": 0.1,
    "zongzhiban": 0.35,
    "juweihui": 0.15,
    "owners_committee": 0.5,
    "volunteer_team": 0.15,
    "culture_team": 0.5,
}


# Deliberate committee breaches (module docstring, items 8-10).
OVERSIZED_AGING, JUNIOR_DEPUTIES, NO_FULLTIME = "oversized_aging", "junior_deputies", "no_ft"


@dataclass(frozen=True)
class OrgPlan:
    kinds: dict[str, str]
    breaches: dict[str, str]  # community -> one of the committee breaches
    unbranched_zone: dict[str, int]  # community -> index of a zone left without its branch/group
    missing_functional: dict[str, tuple[str, ...]]
    no_volunteer_team: frozenset[str]


def plan_orgs(seed: int, grids: list[Grid]) -> OrgPlan:
    rng = stage_rng(seed, STAGE_ORGS)
    # "Committees in the larger communities": rank by households.
    ranked = [g.place.code for g in sorted(grids, key=lambda g: (-g.households, g.place.code))]
    kinds = {
        code: COMMITTEE if rank < 5 else GENERAL_BRANCH if rank < 10 else BRANCH
        for rank, code in enumerate(ranked)
    }
    committees = [c for c in ranked if kinds[c] == COMMITTEE]
    generals = [c for c in ranked if kinds[c] == GENERAL_BRANCH]
    branches = [c for c in ranked if kinds[c] == BRANCH]
    breaches = {
        committees[0]: OVERSIZED_AGING,
        committees[1]: JUNIOR_DEPUTIES,
        generals[0]: NO_FULLTIME,
    }

    zones_count = {g.place.code: len(g.zones) for g in grids}
    unbranched = [str(c) for c in rng.choice(committees + generals, size=3, replace=False)]
    unbranched.append(str(rng.choice(branches)))
    unbranched_zone = {c: int(rng.integers(zones_count[c])) for c in sorted(unbranched)}

    picked = [str(c) for c in rng.choice(ranked, size=4, replace=False)]
    missing_functional = {picked[0]: ("zongzhiban", "juweihui"), picked[1]: FUNCTIONAL_UNITS}
    return OrgPlan(kinds, breaches, unbranched_zone, missing_functional, frozenset(picked[2:]))


@dataclass(frozen=True)
class LifePlan:
    """District-wide choices for the regional pattern (plan 三) and member life (plan 五)."""

    group_units: frozenset[tuple[str, str]]  # (community, unit) with a 党小组, not a 党支部
    joint_functional: str  # its 综治办 and 居委会 share one joint (联合) branch
    resident_units: dict[str, tuple[str, ...]]  # community -> names of its resident units
    unsigned: str  # a community whose last resident unit has surely not signed (breach 15)
    no_big_committee: str  # a 党委 community without part-time members (breach 14)
    not_workstation_head: frozenset[str]  # secretary not heading the workstation (breach 12)
    local_pilot_secretary: str  # a pilot whose secretary is no cadre sent down (breach 13)
    self_only_team: frozenset[str]  # volunteer team of self-managed members only (breach 16)
    history_seats: frozenset[str]  # a former committee member's ended seat, kept as history


def plan_life(seed: int, grids: list[Grid], plan: OrgPlan, pilots: frozenset[str]) -> LifePlan:
    rng = stage_rng(seed, STAGE_REGIONAL)
    codes = [g.place.code for g in grids]
    group_units = frozenset(
        (code, unit)
        for code in codes
        for unit in (*FUNCTIONAL_UNITS, *SPECIAL_UNITS)
        if rng.random() < _GROUP_SHARE[unit]
    )
    complete = [c for c in codes if c not in plan.missing_functional]
    clean_committees = [c for c in codes if plan.kinds[c] == COMMITTEE and c not in plan.breaches]

    def some(options: list[str], low: int, high: int) -> frozenset[str]:
        size = int(rng.integers(low, high + 1))
        return frozenset(str(c) for c in rng.choice(options, size=size, replace=False))

    return LifePlan(
        group_units=group_units,
        joint_functional=str(rng.choice(complete)),
        resident_units=_plan_resident_units(rng, grids),
        unsigned=str(rng.choice(codes)),
        no_big_committee=str(rng.choice(clean_committees)),
        not_workstation_head=some(codes, 1, 2),
        local_pilot_secretary=str(rng.choice(sorted(pilots))),
        self_only_team=some(codes, 1, 2),
        history_seats=some(codes, 2, 2),
    )


# Resident units (驻社区单位): district-wide institutions, each in one community, and units named
# after the community's street. All made up; any likeness to a real unit's address is chance.
_DISTRICT_UNITS = (
    "管城回族区税务局",
    "郑州市第十中学",
    "国网郑州管城供电公司",
    "管城回族区人民检察院",
    "管城回族区市场监督管理局",
    "郑州市回民中学",
    "管城回族区文化馆",
    "郑州商城遗址博物馆",
    "管城回族区人民武装部",
    "郑州市第四十七中学",
    "管城回族区城市管理局",
    "管城回族区中医院",
    "中国联通郑州管城分公司",
    "中国移动郑州管城分公司",
    "管城回族区消防救援大队",
    "郑州市第八十二中学",
    "中国工商银行郑州管城支行",
    "中国建设银行郑州管城支行",
    "中国农业银行郑州管城支行",
    "郑州银行管城支行",
    "管城回族区图书馆",
    "管城回族区妇幼保健院",
    "管城回族区实验小学",
    "管城回族区民政局",
    "管城回族区住房和城乡建设局",
    "管城回族区人力资源和社会保障局",
    "管城回族区卫生健康委员会",
    "中国邮政集团郑州市管城区分公司",
    "郑州公交第三运营公司",
    "郑州市自来水公司管城营业所",
    # Units some non-self-managed residents work for (EMPLOYERS): feedback finds them by name.
    "郑州市第七人民医院",
    "郑州市第二中学",
    "郑州市管城回族区人民医院",
    "郑州市管城回族区教育局",
    "管城回族区人民法院",
    "郑州华润燃气股份有限公司",
)


_LOCAL_UNITS = ("{}派出所", "{}社区卫生服务站", "管城回族区{}小学", "{}邮政支局")


def _plan_resident_units(rng: np.random.Generator, grids: list[Grid]) -> dict[str, tuple[str, ...]]:
    """2-6 resident units per community: some district institutions, some local units."""
    pool = [_DISTRICT_UNITS[i] for i in rng.permutation(len(_DISTRICT_UNITS))]
    result = {}
    for grid in grids:
        short = grid.place.name.removesuffix("社区")
        local = [_LOCAL_UNITS[i].format(short) for i in rng.permutation(len(_LOCAL_UNITS))]
        n = int(rng.integers(2, 7))
        from_pool = min(n - int(rng.integers(1, min(n, len(local)) + 1)), len(pool))
        names = pool[:from_pool] + local[: n - from_pool]
        pool = pool[from_pool:]
        result[grid.place.code] = tuple(names)
    return result
