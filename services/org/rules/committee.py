"""Checks of the community organization and its committee (plan 二, 建强领导核心).

plan (二): "社区党委设委员5至7人，其中书记1人、专职副书记1人、兼职副书记1人；社区党总支、党支部委员会
设委员3至5人，其中书记1人，专职副书记1人，可再设兼职副书记1人。社区党委领导班子应以40岁左右、大专
以上文化程度的同志为主体。书记兼任社区工作站站长，试点社区书记由下派科级干部担任；专职副书记应由党龄
2年以上……的党员担任，另一名副书记一般应由是正式党员的社区综治办主任兼任".

The committee is the community organization's current seats other than `parttime_member`:
big-committee part-time members (大党委兼职委员, plan 三) sit on top of the 5-7 / 3-5.
Each check is pure: facts in, breaches out. The small predicates are what writes call too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from services.org.members import whole_years
from services.org.rules.facts import (
    KIND_NAMES,
    Breach,
    CommunityFacts,
    MemberFact,
    OrganizationFact,
    RuleContext,
    SeatFact,
)

ASSOCIATE_OR_HIGHER = frozenset(("associate", "bachelor", "master", "doctorate"))  # 大专以上
ROLE_NAMES = {
    "secretary": ("书记", "secretary"),
    "fulltime_deputy": ("专职副书记", "full-time deputy secretary"),
    "parttime_deputy": ("兼职副书记", "part-time deputy secretary"),
}


# --- predicates (pure; writes call them too) ----------------------------------------------------


def committee_size_limit(kind: str) -> tuple[int, int]:
    """plan (二): 社区党委设委员5至7人；社区党总支、党支部委员会设委员3至5人."""
    return (5, 7) if kind == "community_committee" else (3, 5)


def role_limit(kind: str, role: str) -> tuple[int, int]:
    """How many holders (least, most) a leading role has on a community committee.

    plan (二): 书记1人、专职副书记1人; 兼职副书记: 社区党委1人, 党总支、党支部"可再设"(0 or 1)."""
    if role == "parttime_deputy" and kind != "community_committee":
        return (0, 1)
    return (1, 1)


def meets_fulltime_deputy_standing(joined_on: dt.date, as_of: dt.date, min_years: int = 2) -> bool:
    """plan (二): 专职副书记应由党龄2年以上……的党员担任 (whole years on `as_of`)."""
    return whole_years(joined_on, as_of) >= min_years


def may_be_parttime_deputy(is_probationary: bool) -> bool:
    """plan (二): 另一名副书记一般应由是正式党员……兼任 — a full member, not probationary."""
    return not is_probationary


def in_age_band(birth_date: dt.date, as_of: dt.date, low: int, high: int) -> bool:
    """plan (二): 40岁左右 — whole years on `as_of` within [low, high]."""
    return low <= whole_years(birth_date, as_of) <= high


def is_associate_or_higher(education: str) -> bool:
    """plan (二): 大专以上文化程度 (associate degree or higher)."""
    return education in ASSOCIATE_OR_HIGHER


def is_majority(part: int, whole: int, share: float) -> bool:
    """ "为主体": more than `share` of `whole` (0.5: a strict majority)."""
    return whole > 0 and part > share * whole


# --- helpers ------------------------------------------------------------------------------------


def _committee(c: CommunityFacts) -> tuple[OrganizationFact, list[SeatFact]] | None:
    org = c.community_organization
    if org is None:
        return None
    return org, [s for s in c.seats_of(org.id) if s.role != "parttime_member"]


def _holders(c: CommunityFacts, seats: list[SeatFact], role: str) -> list[MemberFact]:
    return sorted((c.members[s.member_id] for s in seats if s.role == role), key=lambda m: m.name)


def _names(people: list[MemberFact]) -> str:
    return "、".join(m.name for m in people)


# --- checks -------------------------------------------------------------------------------------


def community_organization(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (二): 建立与社区领导核心地位相适应的强有力社区党委（总支、支部） — one live one."""
    if c.community_organization is None:
        yield Breach(
            c.code,
            f"社区「{c.name}」没有社区党组织（党委、党总支或党支部）",
            f"Community {c.name} has no community Party organization",
        )


def committee_size(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (二): 社区党委设委员5至7人；社区党总支、党支部委员会设委员3至5人."""
    found = _committee(c)
    if found is None:
        return
    org, seats = found
    low, high = committee_size_limit(org.kind)
    n = len({s.member_id for s in seats})
    if not low <= n <= high:
        zh, en = KIND_NAMES[org.kind]
        yield Breach(
            c.code,
            f"{org.name}委员会现有委员{n}人，{zh}应设委员{low}至{high}人（不含大党委兼职委员）",
            f"The committee of {org.name} has {n} members; a {en} has {low} to {high} "
            "(big-committee part-time members not counted)",
            org.id,
        )


def _role_count(c: CommunityFacts, role: str) -> Iterator[Breach]:
    found = _committee(c)
    if found is None:
        return
    org, seats = found
    low, high = role_limit(org.kind, role)
    holders = _holders(c, seats, role)
    if low <= len(holders) <= high:
        return
    zh, en = ROLE_NAMES[role]
    kind_zh, kind_en = KIND_NAMES[org.kind]
    if not holders:
        yield Breach(
            c.code,
            f"{org.name}没有{zh}（{kind_zh}应设{zh}1人）",
            f"{org.name} has no {en} (a {kind_en} has one)",
            org.id,
        )
    else:
        most = "只能设1人" if low == 1 else "最多设1人"
        yield Breach(
            c.code,
            f"{org.name}有{len(holders)}名{zh}（{_names(holders)}），{most}",
            f"{org.name} has {len(holders)} {en}s ({_names(holders)}); at most one",
            org.id,
        )


def committee_secretary(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (二): 其中书记1人."""
    yield from _role_count(c, "secretary")


def committee_fulltime_deputy(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (二): 专职副书记1人."""
    yield from _role_count(c, "fulltime_deputy")


def committee_parttime_deputy(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (二): 社区党委……兼职副书记1人；党总支、党支部……可再设兼职副书记1人."""
    yield from _role_count(c, "parttime_deputy")


def deputy_standing(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (二): 专职副书记应由党龄2年以上……的党员担任."""
    found = _committee(c)
    if found is None:
        return
    org, seats = found
    least = ctx.settings.fulltime_deputy_min_standing
    for m in _holders(c, seats, "fulltime_deputy"):
        if not meets_fulltime_deputy_standing(m.joined_on, ctx.as_of, least):
            years = whole_years(m.joined_on, ctx.as_of)
            yield Breach(
                c.code,
                f"{org.name}专职副书记{m.name}党龄{years}年（{m.joined_on}入党），应在{least}年以上",
                f"Full-time deputy {m.name} of {org.name} has {years} year(s) of Party standing "
                f"(joined {m.joined_on}) on {ctx.as_of}; at least {least} needed",
                org.id,
                m.id,
            )


def deputy_full_member(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (二): 另一名副书记一般应由是正式党员的社区综治办主任兼任."""
    found = _committee(c)
    if found is None:
        return
    org, seats = found
    for m in _holders(c, seats, "parttime_deputy"):
        if not may_be_parttime_deputy(m.is_probationary):
            yield Breach(
                c.code,
                f"{org.name}兼职副书记{m.name}是预备党员，应由正式党员担任",
                f"Part-time deputy {m.name} of {org.name} is a probationary member; "
                "the post needs a full member",
                org.id,
                m.id,
            )


def leadership_age(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (二): 社区党委领导班子应以40岁左右……的同志为主体 (a majority in the age band)."""
    found = _committee(c)
    if found is None or not found[1]:
        return
    org, seats = found
    s = ctx.settings
    people = [c.members[seat.member_id] for seat in seats]
    n = sum(in_age_band(m.birth_date, ctx.as_of, s.age_band_low, s.age_band_high) for m in people)
    if not is_majority(n, len(people), s.majority_share):
        band = f"{s.age_band_low}至{s.age_band_high}岁"
        yield Breach(
            c.code,
            f"{org.name}委员会{len(people)}人中40岁左右（{band}）的{n}人，未达到以其为主体"
            f"（超过{s.majority_share:.0%}）",
            f"Only {n} of the {len(people)} committee members of {org.name} are "
            f"{s.age_band_low}-{s.age_band_high} years old on {ctx.as_of}; the leadership should "
            f"be mainly around 40 (more than {s.majority_share:.0%})",
            org.id,
        )


def leadership_education(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (二): 社区党委领导班子应以……大专以上文化程度的同志为主体."""
    found = _committee(c)
    if found is None or not found[1]:
        return
    org, seats = found
    share = ctx.settings.majority_share
    people = [c.members[seat.member_id] for seat in seats]
    n = sum(is_associate_or_higher(m.education) for m in people)
    if not is_majority(n, len(people), share):
        yield Breach(
            c.code,
            f"{org.name}委员会{len(people)}人中大专以上文化程度的{n}人，未达到以其为主体"
            f"（超过{share:.0%}）",
            f"Only {n} of the {len(people)} committee members of {org.name} hold an associate "
            f"degree or higher; more than {share:.0%} should",
            org.id,
        )


def secretary_workstation_head(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (二): 书记兼任社区工作站站长."""
    found = _committee(c)
    if found is None:
        return
    org, seats = found
    for m in _holders(c, seats, "secretary"):
        if not c.has_office(m.id, "workstation_head"):
            yield Breach(
                c.code,
                f"{org.name}书记{m.name}未兼任社区工作站站长",
                f"Secretary {m.name} of {org.name} does not also head the community workstation",
                org.id,
                m.id,
            )


def secretary_sent_down_cadre(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (二): 试点社区书记由下派科级干部担任."""
    found = _committee(c)
    if found is None or not c.is_pilot:
        return
    org, seats = found
    for m in _holders(c, seats, "secretary"):
        if not m.is_sent_down_cadre:
            yield Breach(
                c.code,
                f"「{c.name}」是试点社区，书记{m.name}不是下派科级干部",
                f"{c.name} is a pilot community; its secretary {m.name} is not a section-level "
                "cadre sent down",
                org.id,
                m.id,
            )
