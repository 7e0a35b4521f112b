"""Checks of member activities: posts, leaders of grid units, helpers (plan 五).

plan (五): "加强对外出流动、年老体弱、生活困难等特殊类别党员的服务帮扶。对能够正常参加组织活动的党员
实行明岗定责，社区组织在职党员以本职岗位为责任岗，居民楼栋党支部书记、党小组长兼任网格化管理岗位，
无职党员通过设岗定责各自认领一个以上的社区管理服务义务奉献岗位".

Who owes which post (`post_duty`), each member under exactly one rule:
- grid-branch secretaries and Party-group leaders (组长): a grid-management post;
- members without office (无职党员: no current seat anywhere, no office): a volunteer post;
- everyone else able to take part (a seat or an office, not a grid leader): some post.
"Able to take part" (能够正常参加组织活动) is `is_able`, not away (外出流动), and in the
community's care: self-managed, or reported in (a pending one is `reporting.pending`'s).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from services.org.rules.facts import (
    KIND_NAMES,
    Breach,
    CommunityFacts,
    MemberFact,
    RuleContext,
    by_name,
)

GRID_UNIT_KINDS = ("grid_branch", "party_group")  # 居民楼栋党支部、党小组
CATEGORY_NAMES = {
    "mobile": ("外出流动", "mobile"),
    "elderly_frail": ("年老体弱", "elderly or frail"),
    "hardship": ("生活困难", "in hardship"),
}


def grid_leaders(c: CommunityFacts) -> set[uuid.UUID]:
    """Members holding the secretary (组长) seat of a live grid branch or Party group."""
    return {
        s.member_id
        for s in c.seats
        if s.role == "secretary" and c.organizations[s.organization_id].kind in GRID_UNIT_KINDS
    }


def post_duties(c: CommunityFacts) -> dict[uuid.UUID, str]:
    """The post the plan asks of each member able to take part: "grid_management",
    "volunteer" (无职党员) or "any"; members it asks none of are absent."""
    leaders = grid_leaders(c)
    seated = {s.member_id for s in c.seats}
    away = {k.member_id for k in c.categories if k.category == "mobile"}  # 外出流动
    duties = {}
    for m in c.members.values():
        in_care = m.management == "self" or m.reporting_status == "reported"
        if not (m.is_able and in_care) or m.id in away:
            continue
        if m.id in leaders:
            duties[m.id] = "grid_management"
        elif m.id not in seated and not c.offices.get(m.id):
            duties[m.id] = "volunteer"
        else:
            duties[m.id] = "any"
    return duties


def _owing(c: CommunityFacts, duty: str) -> Iterator[tuple[MemberFact, frozenset[str]]]:
    """Members owing `duty` who do not hold it, with the kinds of posts they do hold."""
    owing = (
        c.members[member_id]
        for member_id, owed in post_duties(c).items()
        if owed == duty and not _holds(duty, c.post_kinds.get(member_id, frozenset()))
    )
    for m in by_name(owing):
        yield m, c.post_kinds.get(m.id, frozenset())


def _holds(duty: str, kinds: frozenset[str]) -> bool:
    """Whether posts of these kinds answer the duty ("any": some post)."""
    return bool(kinds) if duty == "any" else duty in kinds


def unmet_post_duties(
    c: CommunityFacts, duties: dict[uuid.UUID, str] | None = None
) -> set[uuid.UUID]:
    """Members owing a post (see `post_duties`; pass them if already at hand) who do not hold
    it: exactly those the three post rules name (post.held, post.grid_management,
    post.volunteer)."""
    return {
        member_id
        for member_id, duty in (post_duties(c) if duties is None else duties).items()
        if not _holds(duty, c.post_kinds.get(member_id, frozenset()))
    }


def post_held(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (五): 对能够正常参加组织活动的党员实行明岗定责 — members with a seat or office (not
    grid leaders, not 无职党员, who have rules of their own) hold some post."""
    for m, _ in _owing(c, "any"):
        yield Breach(
            c.code,
            f"党员{m.name}能正常参加组织活动，但没有在岗的岗位（明岗定责）",
            f"Member {m.name} is able to take part but holds no post",
            c.organization_for(m),
            m.id,
        )


def post_grid_management(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (五): 居民楼栋党支部书记、党小组长兼任网格化管理岗位."""
    for m, _ in _owing(c, "grid_management"):
        yield Breach(
            c.code,
            f"网格党支部书记（党小组长）{m.name}未兼任网格化管理岗位",
            f"{m.name} leads a grid branch or Party group but holds no grid-management post",
            c.organization_for(m),
            m.id,
        )


def post_volunteer(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (五): 无职党员通过设岗定责各自认领一个以上的社区管理服务义务奉献岗位."""
    for m, kinds in _owing(c, "volunteer"):
        held = "（现无在岗岗位）" if not kinds else ""
        yield Breach(
            c.code,
            f"无职党员{m.name}未认领社区管理服务义务奉献岗位{held}",
            f"Member {m.name}, without office, has claimed no volunteer service post"
            + ("" if kinds else " (holds no post at all)"),
            c.organization_for(m),
            m.id,
        )


def unit_leader(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (五): 居民楼栋党支部书记、党小组长 — every live grid branch and Party group has one."""
    led = {s.organization_id for s in c.seats if s.role == "secretary"}
    leaderless = sorted(
        (
            o
            for o in c.organizations.values()
            if o.is_live and o.kind in GRID_UNIT_KINDS and o.id not in led
        ),
        key=lambda o: (o.name, str(o.id)),
    )
    for o in leaderless:
        title = ("书记", "secretary") if o.kind == "grid_branch" else ("组长", "leader")
        yield Breach(
            c.code,
            f"{KIND_NAMES[o.kind][0]}「{o.name}」没有{title[0]}",
            f"{KIND_NAMES[o.kind][1].capitalize()} {o.name} has no {title[1]}",
            o.id,
        )


def category_helper(c: CommunityFacts, ctx: RuleContext) -> Iterator[Breach]:
    """plan (五): 加强对外出流动、年老体弱、生活困难等特殊类别党员的服务帮扶 — a helper each."""
    unhelped: dict[uuid.UUID, set[str]] = {}
    for cat in c.categories:
        if not cat.has_helper:
            unhelped.setdefault(cat.member_id, set()).add(cat.category)
    for m in by_name(c.members[i] for i in unhelped if i in c.members):
        ordered = [k for k in CATEGORY_NAMES if k in unhelped[m.id]]
        yield Breach(
            c.code,
            f"{'、'.join(CATEGORY_NAMES[k][0] for k in ordered)}党员{m.name}没有帮扶人或联系人",
            f"Member {m.name} ({', '.join(CATEGORY_NAMES[k][1] for k in ordered)}) has no "
            "helper or contact",
            c.organization_for(m),
            m.id,
        )
