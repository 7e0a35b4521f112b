"""Community committees: who sits on each, the deliberate breaches included."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from infra.demo.generator.draws import Ids, pick
from infra.demo.generator.grids import Grid
from infra.demo.generator.members import make_person
from infra.demo.generator.organizations import OrgTree
from infra.demo.generator.plans import JUNIOR_DEPUTIES, NO_FULLTIME, OVERSIZED_AGING
from infra.demo.model import (
    COMMITTEE,
    FULLTIME_DEPUTY,
    MEMBER,
    PARTTIME_DEPUTY,
    SECRETARY,
    SELF_MANAGED,
    Member,
)


@dataclass(frozen=True)
class _Profile:
    age: tuple[float, float]
    education: tuple[str, ...]  # drawn uniformly; repeat an entry to weight it
    standing: tuple[float, float]  # years of Party standing on AS_OF


# plan (二): 以40岁左右、大专以上文化程度的同志为主体; 专职副书记党龄2年以上.
_PROFILES = {
    SECRETARY: _Profile((38, 50), ("associate", "bachelor", "bachelor", "master"), (10, 25)),
    FULLTIME_DEPUTY: _Profile((30, 45), ("associate", "bachelor"), (3, 15)),
    PARTTIME_DEPUTY: _Profile((35, 52), ("associate", "bachelor"), (4, 20)),
    MEMBER: _Profile((30, 52), ("senior", "associate", "bachelor", "bachelor"), (2, 25)),
}


_AGING = _Profile((54, 66), ("junior", "senior", "senior"), (15, 35))  # breach 8


_JUNIOR_FULLTIME = _Profile((27, 33), ("bachelor",), (1.2, 1.8))  # breach 9: standing < 2 years


_PROBATIONARY_PARTTIME = _Profile((30, 40), ("associate",), (0.3, 0.8))  # breach 9: 预备党员


def _committee_roles(rng: np.random.Generator, kind: str, breach: str | None) -> list[str]:
    if kind == COMMITTEE:
        # plan (二): 社区党委设委员5至7人，其中书记1人、专职副书记1人、兼职副书记1人.
        size = 8 if breach == OVERSIZED_AGING else int(rng.integers(5, 8))
        return [SECRETARY, FULLTIME_DEPUTY, PARTTIME_DEPUTY] + [MEMBER] * (size - 3)
    if breach == NO_FULLTIME:
        return [SECRETARY, PARTTIME_DEPUTY, MEMBER, MEMBER]
    # plan (二): 党总支、党支部委员会设委员3至5人，书记1人，专职副书记1人，可再设兼职副书记1人.
    size = int(rng.integers(3, 6))
    head = [SECRETARY, FULLTIME_DEPUTY] + ([PARTTIME_DEPUTY] if rng.random() < 0.5 else [])
    return head + [MEMBER] * (size - len(head))


def _profile(role: str, breach: str | None) -> _Profile:
    if breach == OVERSIZED_AGING and role != SECRETARY:
        return _AGING
    if breach == JUNIOR_DEPUTIES and role == FULLTIME_DEPUTY:
        return _JUNIOR_FULLTIME
    if breach == JUNIOR_DEPUTIES and role == PARTTIME_DEPUTY:
        return _PROBATIONARY_PARTTIME
    return _PROFILES[role]


def committee(  # noqa: PLR0913 -- one community's stream, ids, grid, kind and organizations, and what the plan made of it
    rng: np.random.Generator,
    ids: Ids,
    grid: Grid,
    tree: OrgTree,
    kind: str,
    breach: str | None,
    is_pilot: bool,
    local_secretary: bool,
) -> list[Member]:
    code = grid.place.code
    members = []
    for i, role in enumerate(_committee_roles(rng, kind, breach)):
        profile = _profile(role, breach)
        person = make_person(
            rng,
            rng.uniform(*profile.age),
            rng.uniform(*profile.standing),
            pick(rng, profile.education),
        )
        # plan (二): 试点社区书记由下派科级干部担任 -- a cadre sent down lives elsewhere; in one
        # pilot the secretary is a local member instead (breach 13).
        sent_down = is_pilot and role == SECRETARY and not local_secretary
        home = None if sent_down else int(rng.integers(len(grid.buildings)))
        members.append(
            Member(
                id=ids("member", code, "committee", i),
                community_code=code,
                management=SELF_MANAGED,
                organization_id=tree.home_org(
                    home, int(grid.zone_of[home]) if home is not None else -1
                ),
                home_building_id=None if home is None else grid.buildings[home].id,
                committee_role=role,
                is_sent_down_cadre=sent_down,
                **vars(person),
            )
        )
    return members
