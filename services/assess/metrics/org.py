"""Indicators measured from org's counts and rule findings (plan 二、三、五).

Each function takes one community's `OrgCounts` and returns a `Measured`: a share from 0 to 1
(1 or 0 where the plan's requirement is pass/fail), what was counted in words a secretary
reads, and as refs the org rule ids the verdict rests on (the breached ones; all of those
checked when none is).

Choices where the standard is silent:
- A rate over nobody (no non-self-managed residents, no special-category member, nobody owing
  a post) is met: value 1, and the detail says there was nobody to count. The plan asks that
  each of them is in care; where there is no one, nothing is missing.
- Refs of a rate name the org rule that lists each member short of it (reporting.pending,
  post.*, category.helper): a district has a thousand such findings, so they are not read.
- Pass/fail indicators follow the org rule checker: P1, O1, R4 pass when none of their rules
  has a finding. R1 is stricter than `big_committee.members` as the indicator is worded:
  "驻社区单位党组织负责人任兼职委员" — at least one part-time member seated for a resident unit.
- O2 is the smaller of the two shares (about 40; 大专以上) over the committee's seats, against
  the standard's threshold; the org rules (`leadership.*`) say "为主体" is a strict majority.
- O5 is the share of the three units covered (工作站、综治办、居委会: 单独或联合).
- A community with no community organization has no committee: P1, O1, R1 fail (0), O2 and O5
  are 0 — there is nothing to grade but the missing organization.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.assess.metrics.reads import Finding, OrgCounts
from services.assess.shared.measures import Measured

KIND_NAMES = {
    "COMMUNITY_COMMITTEE": ("社区党委", "community Party committee"),
    "GENERAL_BRANCH": ("社区党总支", "community general Party branch"),
    "BRANCH": ("社区党支部", "community Party branch"),
}
UNITS = {  # plan (二): 社区工作站、综治办、居委会
    "WORKSTATION": ("社区工作站", "community workstation"),
    "ZONGZHIBAN": ("综治办", "comprehensive-governance office"),
    "JUWEIHUI": ("居委会", "residents' committee"),
}
NO_ORGANIZATION = ("organization.community",)
# plan (二): 书记1人、专职副书记1人; 书记兼任社区工作站站长，试点社区书记由下派科级干部担任;
# 专职副书记应由党龄2年以上……的党员担任.
PEOPLE_IN_POST_RULES = (
    *NO_ORGANIZATION,
    "committee.secretary",
    "committee.fulltime_deputy",
    "deputy.standing",
    "secretary.workstation_head",
    "secretary.sent_down_cadre",
)
# plan (二): 社区党委设委员5至7人，其中书记1人、专职副书记1人、兼职副书记1人；党总支、党支部
# 委员会设委员3至5人……可再设兼职副书记1人; 另一名副书记一般应由是正式党员的……兼任.
COMPOSITION_RULES = (
    *NO_ORGANIZATION,
    "committee.size",
    "committee.secretary",
    "committee.fulltime_deputy",
    "committee.parttime_deputy",
    "deputy.full_member",
)
LEADERSHIP_RULES = ("leadership.age", "leadership.education")
FUNCTIONAL_RULES = ("functional.units",)
BIG_COMMITTEE_RULES = ("big_committee.members",)
REPORTING_RULES = ("reporting.pending",)
TEAM_RULES = ("volunteer_team.joint",)
POST_RULES = ("post.held", "post.grid_management", "post.volunteer")
POST_DUTIES = ("ANY", "GRID_MANAGEMENT", "VOLUNTEER")  # the duty each of POST_RULES checks
HELPER_RULES = ("category.helper",)
# The findings the pass/fail indicators repeat; rates are told by their counts alone.
FINDING_RULES = tuple(
    dict.fromkeys(
        (
            *PEOPLE_IN_POST_RULES,
            *COMPOSITION_RULES,
            *LEADERSHIP_RULES,
            *FUNCTIONAL_RULES,
            *BIG_COMMITTEE_RULES,
            *TEAM_RULES,
        )
    )
)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def _refs(checked: Sequence[str], breached: Sequence[Finding]) -> tuple[str, ...]:
    """The breached rule ids (in `checked` order), or every rule checked when none is."""
    hit = {f.rule for f in breached}
    return tuple(r for r in checked if r in hit) or tuple(checked)


def _verdict(org: OrgCounts, rules: Sequence[str], passed_zh: str, passed_en: str) -> Measured:
    """A pass/fail indicator: 1 when none of `rules` has a finding; the findings otherwise."""
    breached = org.breaches(rules)
    if not breached:
        return Measured(1.0, passed_zh, passed_en, tuple(rules))
    return Measured(
        0.0,
        "未达标：" + "；".join(f.message for f in breached),
        "Not met: " + "; ".join(f.message_en for f in breached),
        _refs(rules, breached),
    )


def _no_organization(org: OrgCounts) -> Measured:
    found = org.breaches(NO_ORGANIZATION)
    zh = found[0].message if found else "没有社区党组织"
    en = found[0].message_en if found else "no community Party organization"
    return Measured(0.0, zh, en, NO_ORGANIZATION)


def people_in_post(org: OrgCounts) -> Measured:
    """P1 — plan (一) 有人管事; (二) 书记、专职副书记 and their conditions."""
    c = org.committee
    if c is None:
        return _no_organization(org)
    return _verdict(
        org,
        PEOPLE_IN_POST_RULES,
        f"书记{c.secretaries}人、专职副书记{c.fulltime_deputies}人在岗，符合任职条件",
        f"{c.secretaries} secretary and {c.fulltime_deputies} full-time deputy in post, "
        "meeting their conditions",
    )


def committee_composition(org: OrgCounts) -> Measured:
    """O1 — plan (二) committee size and roles for its kind."""
    c = org.committee
    if c is None:
        return _no_organization(org)
    zh, en = KIND_NAMES.get(c.kind, (c.kind, c.kind))
    counted = (
        f"{zh}委员{c.size}人（应{c.min_size}至{c.max_size}人），书记{c.secretaries}人、"
        f"专职副书记{c.fulltime_deputies}人、兼职副书记{c.parttime_deputies}人"
    )
    counted_en = (
        f"{c.size} members on the {en}'s committee ({c.min_size} to {c.max_size} wanted): "
        f"{c.secretaries} secretary, {c.fulltime_deputies} full-time and "
        f"{c.parttime_deputies} part-time deputies"
    )
    measured = _verdict(org, COMPOSITION_RULES, counted, counted_en)
    if measured.value:
        return measured
    return Measured(
        0.0,
        f"{counted}。{measured.detail}",
        f"{counted_en}. {measured.detail_en}",
        measured.refs,
    )


def leadership_profile(org: OrgCounts) -> Measured:
    """O2 — plan (二) 以40岁左右、大专以上文化程度的同志为主体. "为主体" is org's rule (a
    majority, PARTYGRID_ORG_RULES_MAJORITY_SHARE): met (1) when neither leadership rule
    finds a breach; otherwise the smaller of the two shares, as partial credit."""
    c = org.committee
    if c is None:
        return _no_organization(org)
    if c.seats == 0:
        return Measured(0.0, "委员会没有委员", "the committee has no members", LEADERSHIP_RULES)
    share = min(c.in_age_band, c.associate_or_higher) / c.seats
    zh = f"班子{c.seats}人：40岁左右{c.in_age_band}人，大专以上{c.associate_or_higher}人"
    en = (
        f"{c.seats} on the committee: {c.in_age_band} about 40, "
        f"{c.associate_or_higher} with an associate degree or higher"
    )
    breached = org.breaches(LEADERSHIP_RULES)
    if breached:
        zh += "。规则检查：" + "；".join(f.message for f in breached)
        en += ". Rule check: " + "; ".join(f.message_en for f in breached)
    return Measured(share if breached else 1.0, zh, en, _refs(LEADERSHIP_RULES, breached))


def functional_units(org: OrgCounts) -> Measured:
    """O5 — plan (二) 在社区工作站、综治办、居委会……单独或联合建立党支部（党小组）."""
    if org.committee is None:
        return _no_organization(org)
    have = [u for u in UNITS if u in org.functional_units]
    missing = [u for u in UNITS if u not in org.functional_units]
    zh = f"已建{len(have)}/{len(UNITS)}"
    en = f"{len(have)} of {len(UNITS)} covered"
    if have:
        zh += "：" + "、".join(UNITS[u][0] for u in have)
        en += ": " + ", ".join(UNITS[u][1] for u in have)
    if missing:
        zh += "；未建：" + "、".join(UNITS[u][0] for u in missing)
        en += "; missing: " + ", ".join(UNITS[u][1] for u in missing)
    return Measured(
        len(have) / len(UNITS), zh, en, _refs(FUNCTIONAL_RULES, org.breaches(FUNCTIONAL_RULES))
    )


def big_committee(org: OrgCounts) -> Measured:
    """R1 — plan (三) 把驻社区单位党组织负责人……吸纳为……兼职委员，组成社区"大党委"."""
    c = org.committee
    if c is None:
        return _no_organization(org)
    zh = f"大党委兼职委员{c.parttime_members}人，其中驻社区单位{c.parttime_members_from_units}人"
    en = (
        f"{c.parttime_members} big-committee part-time members, "
        f"{c.parttime_members_from_units} of them from resident units"
    )
    met = c.parttime_members_from_units > 0
    refs = _refs(BIG_COMMITTEE_RULES, org.breaches(BIG_COMMITTEE_RULES))
    return Measured(1.0 if met else 0.0, zh, en, refs)


def reporting_rate(org: OrgCounts) -> Measured:
    """R3 — plan (三) 党员向社区党组织报到: reported in over non-self-managed residents."""
    due, done = org.reporting_due, org.reported_in
    refs = REPORTING_RULES  # the rule naming each member not reported in
    if due == 0:
        return Measured(
            1.0, "无非自管党员，无需报到（视为达标）", "no one owes reporting in (met)", refs
        )
    return Measured(
        _share(done, due),
        f"非自管党员报到{done}/{due}人",
        f"{done} of {due} non-self-managed members reported in",
        refs,
    )


def joint_volunteer_team(org: OrgCounts) -> Measured:
    """R4 — plan (三) 联合组建社区党员志愿者服务队: a team of all three kinds of member."""
    teams = org.volunteer_teams
    joint = [t for t in teams if t.self_managed and t.non_self_managed and t.jointly_managed]
    if joint:
        t = joint[0]
        return Measured(
            1.0,
            f"「{t.name}」自管{t.self_managed}人、非自管{t.non_self_managed}人、"
            f"联管{t.jointly_managed}人",
            f"{t.name}: {t.self_managed} self-managed, {t.non_self_managed} non-self-managed, "
            f"{t.jointly_managed} jointly managed",
            TEAM_RULES,
        )
    found = org.breaches(TEAM_RULES)
    if found:
        return Measured(0.0, found[0].message, found[0].message_en, TEAM_RULES)
    return Measured(0.0, "没有党员志愿者服务队", "no volunteer team", TEAM_RULES)


def post_rate(org: OrgCounts) -> Measured:
    """A1 — plan (五) 对能够正常参加组织活动的党员实行明岗定责……无职党员……认领……义务奉献岗位."""
    owed = sum(d.owed for d in org.post_duties)
    held = sum(d.held for d in org.post_duties)
    # Each duty has its rule (org rules.activity): the refs are those with members short.
    short = {d.duty for d in org.post_duties if d.held < d.owed}
    refs = tuple(r for r, duty in zip(POST_RULES, POST_DUTIES, strict=True) if duty in short)
    refs = refs or POST_RULES
    if owed == 0:
        return Measured(1.0, "无需明岗定责的党员（视为达标）", "no member owes a post (met)", refs)
    volunteer = next((d for d in org.post_duties if d.duty == "VOLUNTEER"), None)
    zh = f"明岗定责{held}/{owed}人"
    en = f"{held} of {owed} members able to take part hold their post"
    if volunteer is not None and volunteer.owed:
        zh += f"（其中无职党员认领义务奉献岗位{volunteer.held}/{volunteer.owed}人）"
        en += f" ({volunteer.held} of {volunteer.owed} without office claimed a volunteer post)"
    return Measured(_share(held, owed), zh, en, refs)


def special_category_helpers(org: OrgCounts) -> Measured:
    """A2 — plan (五) 加强对外出流动、年老体弱、生活困难等特殊类别党员的服务帮扶."""
    n, helped = org.special_category_members, org.helped_members
    refs = HELPER_RULES  # the rule naming each member without a helper
    if n == 0:
        return Measured(1.0, "无特殊类别党员（视为达标）", "no special-category member (met)", refs)
    return Measured(
        _share(helped, n),
        f"特殊类别党员有帮扶人{helped}/{n}人",
        f"{helped} of {n} special-category members have a helper or contact",
        refs,
    )
