"""Special categories (分类管理): mobile, elderly or frail, and in hardship members."""

from __future__ import annotations

import datetime as dt

import numpy as np

from infra.demo.generator.draws import pick, random_day
from infra.demo.generator.members import GIVEN_NAMES, SURNAMES
from infra.demo.generator.town import Town, Traits, random_phone
from infra.demo.model import ELDERLY_FRAIL, HARDSHIP, MOBILE, MemberCategory

_RELATIONS = ("儿子", "女儿", "老伴", "侄子", "外甥女", "邻居", "网格员", "楼栋长")


def special_categories(town: Town, traits: Traits) -> list[MemberCategory]:
    """plan (五): 加强对外出流动、年老体弱、生活困难等特殊类别党员的服务帮扶 -- each with a helper
    member or a contact, except about a tenth (breach 18)."""
    rng, members, code = town.rng, town.members, town.code
    helper_fit = (
        (traits.is_self | traits.reported)
        & ~traits.unable
        & ~traits.mobile
        & ~traits.frail
        & (town.age >= 25)
        & (town.age <= 70)
    )
    helpers = np.flatnonzero(helper_fit).tolist()
    by_zone: dict[int, list[int]] = {}
    for i in helpers:
        by_zone.setdefault(int(town.zone[i]), []).append(i)
    miss = rng.uniform(0.04, 0.16)  # this community's share without a helper
    flags = ((MOBILE, traits.mobile), (ELDERLY_FRAIL, traits.frail), (HARDSHIP, traits.hardship))
    since_from = {
        MOBILE: dt.date(2016, 1, 1),
        ELDERLY_FRAIL: dt.date(2014, 1, 1),
        HARDSHIP: dt.date(2016, 1, 1),
    }
    result = []
    for category, flag in flags:
        for i in np.flatnonzero(flag).tolist():
            m = members[i]
            r = rng.random()
            helper_id, contact = None, None
            if r < miss:
                pass
            elif r < miss + 0.25:
                relation = pick(rng, _RELATIONS)
                name = pick(rng, SURNAMES) + pick(rng, GIVEN_NAMES[pick(rng, "MF"), "young"])
                contact = f"{relation} {name} {random_phone(rng)}"
            else:
                pool = by_zone.get(int(town.zone[i])) or helpers
                j = pool[int(rng.integers(len(pool)))]
                if j == i:
                    j = helpers[int(rng.integers(len(helpers)))]
                helper_id = members[j].id if j != i else None
            since = random_day(rng, since_from[category], dt.date(2020, 3, 31))
            result.append(
                MemberCategory(
                    id=town.ids("category", m.id, category),
                    community_code=code,
                    member_id=m.id,
                    category=category,
                    helper_member_id=helper_id,
                    helper_contact=contact,
                    since=max(since, m.joined_on),
                )
            )
    return result
