"""Checks of the regional pattern (区域化格局, plan 三).

plan (三): "吸纳为社区党委（总支、支部）委员会兼职委员，组成社区“大党委（总支、支部）”，通过……社区
党组织与驻社区党组织签订协议、党员向社区党组织报到等形式……联合组建社区党员志愿者服务队".

The big committee is checked for every kind of community organization: the plan says
"大党委（总支、支部）", and part-time members may join a 党总支 or 党支部 as well.
"""

from __future__ import annotations

from collections.abc import Iterator

from services.org.rules.facts import Breach, CommunityFacts, RuleContext, by_name

MANAGEMENT_NAMES = {
    "self": ("自管", "self-managed"),
    "non_self": ("非自管", "non-self-managed"),
    "joint": ("联管", "jointly managed"),
}


def big_committee(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (三): 吸纳为社区党委（总支、支部）委员会兼职委员，组成社区“大党委（总支、支部）”."""
    org = c.community_organization
    if org is None:
        return
    if not any(s.role == "parttime_member" for s in c.seats_of(org.id)):
        yield Breach(
            c.code,
            f"{org.name}没有兼职委员，尚未组成“大党委（总支、支部）”",
            f"{org.name} has no part-time members: no big committee yet",
            org.id,
        )


def volunteer_team_joint(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (三): 驻社区单位在职党员、非自管的社区居民党员与社区党组织自管党员……联合组建社区党员
    志愿者服务队 — some team with members of all three management types."""
    org = c.community_organization
    best: tuple[int, str, dict[str, int]] | None = None
    for team in c.teams:
        mix = dict.fromkeys(MANAGEMENT_NAMES, 0)
        for member_id in team.member_ids:
            mix[c.members[member_id].management] += 1
        kinds = sum(1 for n in mix.values() if n)
        if kinds == len(MANAGEMENT_NAMES):
            return
        if best is None or kinds > best[0]:
            best = (kinds, team.name, mix)
    if best is None:
        yield Breach(
            c.code,
            f"{c.name}没有党员志愿者服务队",
            f"{c.name} has no Party member volunteer team",
            org.id if org else None,
        )
        return
    _, name, mix = best
    missing = [k for k, n in mix.items() if not n]
    counts = "、".join(f"{MANAGEMENT_NAMES[k][0]}{n}人" for k, n in mix.items())
    yield Breach(
        c.code,
        f"{c.name}的党员志愿者服务队未联合三类党员：「{name}」{counts}，"
        f"缺少{'、'.join(MANAGEMENT_NAMES[k][0] for k in missing)}党员",
        f"No volunteer team of {c.name} joins all three kinds of member: {name} has "
        + ", ".join(f"{n} {MANAGEMENT_NAMES[k][1]}" for k, n in mix.items()),
        org.id if org else None,
    )


def reporting_pending(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (三): 党员向社区党组织报到 — non-self-managed residents report in ('left': gone)."""
    pending = (
        m for m in c.members.values() if m.management != "self" and m.reporting_status == "pending"
    )
    for m in by_name(pending):
        kind_zh, kind_en = MANAGEMENT_NAMES[m.management]
        yield Breach(
            c.code,
            f"{kind_zh}党员{m.name}尚未向社区党组织报到",
            f"{kind_en.capitalize()} member {m.name} has not reported in to the community",
            c.organization_for(m),
            m.id,
        )


def resident_unit_agreement(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (三): 社区党组织与驻社区党组织签订协议 — every resident unit with a Party
    organization of its own has signed (a unit without one has no Party organization to sign)."""
    org = c.community_organization
    for unit in c.resident_units:
        if unit.party_organization_name and unit.agreement_signed_on is None:
            yield Breach(
                c.code,
                f"驻社区单位「{unit.name}」（{unit.party_organization_name}）尚未与社区党组织签订共建协议",
                f"Resident unit {unit.name} ({unit.party_organization_name}) has not signed a "
                "co-building agreement with the community organization",
                org.id if org else None,
                key=str(unit.id),
            )
