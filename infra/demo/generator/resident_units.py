"""Resident units (驻社区单位), their Party organizations and co-building agreements."""

from __future__ import annotations

import datetime as dt

import numpy as np

from infra.demo.generator.draws import random_day
from infra.demo.generator.members import EMPLOYERS
from infra.demo.generator.town import Town, Traits, party_org_name
from infra.demo.model import ResidentUnit

_AGREEMENT_ITEMS = (
    "阵地共用",
    "资源共享",
    "活动联办",
    "志愿服务共建",
    "结对帮扶困难群众",
    "联合开展环境整治",
    "党员教育共抓",
)


def town_resident_units(
    town: Town, traits: Traits
) -> tuple[list[ResidentUnit], list[tuple[int, int]]]:
    """The community's resident units, and (member, unit) pairs of their Party heads."""
    rng, code = town.rng, town.code
    short = town.grid.place.name.removesuffix("社区")
    top_name = town.org_name[town.top]
    names = town.plan.resident_units[code]
    units = []
    for k, name in enumerate(names):
        # A few small local units have no Party organization of their own; the first two always
        # have one, so that every big committee can find its part-time members.
        has_party = k < 2 or name in EMPLOYERS or rng.random() < 0.9
        party = party_org_name(name) if has_party else None
        # plan (三): 社区党组织与驻社区党组织签订协议 -- most have; some not yet (breach 15).
        signed = has_party and rng.random() < 0.82
        if code == town.plan.unsigned and k == len(names) - 1:
            signed = False
        items = "、".join(_AGREEMENT_ITEMS[i] for i in sorted(rng.choice(7, 3, replace=False)))
        units.append(
            ResidentUnit(
                id=town.ids("resident_unit", code, k),
                community_code=code,
                name=name,
                address=f"管城回族区{short}{int(rng.integers(1, 200))}号",
                party_organization_name=party,
                agreement_signed_on=random_day(rng, dt.date(2018, 3, 1), dt.date(2020, 4, 20))
                if signed
                else None,
                agreement_summary=f"{top_name}与{party}签订共建协议：{items}" if signed else None,
            )
        )
    # Heads of the units' Party organizations who live here: non-self-managed, reported in.
    candidates = np.flatnonzero(
        ~traits.is_self & traits.reported & (town.home >= 0) & (town.age >= 32) & ~traits.unable
    )
    order = rng.permutation(candidates).tolist()
    heads = []
    for k, unit in enumerate(units):
        if unit.party_organization_name and order:
            i = order.pop()
            heads.append((i, k))
            town.employer[i] = unit.name
    return units, heads
