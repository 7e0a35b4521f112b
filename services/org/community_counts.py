"""What a community's rates and verdicts rest on, counted from the facts the rule checker reads.

The rule checker says what is wrong (findings); an assessment also needs how much is right:
"报到 18/20 人" needs the 20. These counts come from the same `CommunityFacts` and the same
predicates as the rules (`rules.committee`, `rules.members`, `rules.activity`), so a count and
the findings beside it never disagree: e.g. `reporting_due - reported_in` is exactly the number
of `reporting.pending` findings, and `post_duties - posts_held` the number of post findings.

Grid placement (zones, buildings) is grid's to count (its coverage), so grid is not asked here
and the placement rules are not run: the findings given are those of every other rule.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from services.org.rules.activity import post_duties, unmet_post_duties
from services.org.rules.checker import RULES, Finding, check, is_placement
from services.org.rules.committee import (
    committee_size_limit,
    in_age_band,
    is_associate_or_higher,
)
from services.org.rules.facts import CommunityFacts, RuleContext, load_facts
from services.org.rules.facts_cache import FACTS
from services.org.rules.members import MANAGEMENT_NAMES
from services.org.rules.placement import FUNCTIONAL_KINDS, FUNCTIONAL_UNITS
from services.org.rules.settings import RulesSettings, rules_settings

# Placement needs grid's zones and buildings; grid's coverage counts those itself.
COUNTED_RULES = tuple(r for r in RULES.values() if not is_placement(r))
MAX_COMMUNITIES = 2000  # a city's worth; more in one request is a mistake


@dataclass(frozen=True)
class CommitteeCounts:
    """The community organization's committee (its current seats, part-time members apart)."""

    organization_name: str
    kind: str
    size: int  # distinct members on it, big-committee part-time members not counted
    min_size: int  # plan (二): 5-7 (社区党委) or 3-5 (党总支、党支部)
    max_size: int
    secretaries: int
    fulltime_deputies: int
    parttime_deputies: int
    in_age_band: int  # seats held by members "about 40" on the day (settings' band)
    associate_or_higher: int  # seats held by members with 大专以上
    seats: int  # the seats the two above are counted over (as the leadership rules count)
    parttime_members: int  # plan (三): 大党委兼职委员
    parttime_members_from_units: int  # of them, seated for a resident unit (驻社区单位)


@dataclass(frozen=True)
class TeamMix:
    """A volunteer team's current members by management type (plan 三: 联合组建)."""

    name: str
    self_managed: int
    non_self_managed: int
    jointly_managed: int


@dataclass(frozen=True)
class PostDuty:
    """Members owing one kind of post (plan 五, see `rules.activity.post_duties`)."""

    duty: str  # any | grid_management | volunteer
    owed: int
    held: int


@dataclass(frozen=True)
class CommunityCounts:
    code: str
    name: str
    committee: CommitteeCounts | None  # None: no live community organization
    reporting_due: int  # non-self-managed and jointly managed members who have not moved away
    reported_in: int
    post_duties: tuple[PostDuty, ...]
    category_members: int  # members in a special category (外出流动、年老体弱、生活困难)
    helped_members: int  # of them, with a helper or contact for every category they are in
    functional_units: tuple[str, ...]  # of 工作站、综治办、居委会, those a functional unit covers
    teams: tuple[TeamMix, ...]
    # What `findings` checks, when asked (assess asks for a few rules' findings only).
    facts: CommunityFacts = field(repr=False, compare=False)
    ctx: RuleContext = field(repr=False, compare=False)

    def findings(self, rules: Sequence[str] | None = None) -> list[Finding]:
        """The community's findings of COUNTED_RULES, in the checker's order; with `rules`,
        of those rule ids or dotted prefixes ("committee") only. Only the rules asked for
        are run: counts for a district need none of them, and the post rules are the
        checker's dearest."""
        chosen = [r for r in COUNTED_RULES if rules is None or matches(r.id, rules)]
        # Once per community, rules, day and settings while org's data stays as it was.
        settings = tuple(sorted(self.ctx.settings.model_dump().items()))
        key = (self.code, self.ctx.as_of, settings, tuple(r.id for r in chosen))
        return FACTS.findings_of(
            self.facts.version, key, lambda: check([self.facts], self.ctx, chosen)
        )


def matches(rule_id: str, wanted: Sequence[str]) -> bool:
    """Whether a rule id is one of `wanted` ids or under one of its dotted prefixes."""
    return any(rule_id == w or rule_id.startswith(f"{w}.") for w in wanted)


def _committee(c: CommunityFacts, ctx: RuleContext) -> CommitteeCounts | None:
    org = c.community_organization
    if org is None:
        return None
    all_seats = c.seats_of(org.id)
    # As the committee rules count it: part-time members sit on top of the 5-7 / 3-5.
    seats = [s for s in all_seats if s.role != "parttime_member"]
    people = [c.members[s.member_id] for s in seats]
    low, high = committee_size_limit(org.kind)
    s = ctx.settings
    parttime = [x for x in all_seats if x.role == "parttime_member"]
    return CommitteeCounts(
        organization_name=org.name,
        kind=org.kind,
        size=len({x.member_id for x in seats}),
        min_size=low,
        max_size=high,
        secretaries=sum(x.role == "secretary" for x in seats),
        fulltime_deputies=sum(x.role == "fulltime_deputy" for x in seats),
        parttime_deputies=sum(x.role == "parttime_deputy" for x in seats),
        in_age_band=sum(
            in_age_band(m.birth_date, ctx.as_of, s.age_band_low, s.age_band_high) for m in people
        ),
        associate_or_higher=sum(is_associate_or_higher(m.education) for m in people),
        seats=len(people),
        parttime_members=len({x.member_id for x in parttime}),
        parttime_members_from_units=len(
            {x.member_id for x in parttime if x.resident_unit_id is not None}
        ),
    )


def _post_duties(c: CommunityFacts) -> tuple[PostDuty, ...]:
    duties = post_duties(c)
    owed = Counter(duties.values())
    unmet = Counter(duties[m] for m in unmet_post_duties(c, duties))
    return tuple(
        PostDuty(duty, owed=owed[duty], held=owed[duty] - unmet[duty])
        for duty in ("any", "grid_management", "volunteer")
    )


def _teams(c: CommunityFacts) -> tuple[TeamMix, ...]:
    mixes = []
    for team in c.teams:
        mix = dict.fromkeys(MANAGEMENT_NAMES, 0)
        for member_id in team.member_ids:
            mix[c.members[member_id].management] += 1
        mixes.append(TeamMix(team.name, mix["self"], mix["non_self"], mix["joint"]))
    return tuple(mixes)


def count(c: CommunityFacts, ctx: RuleContext) -> CommunityCounts:
    """One community's counts (its findings are checked when asked for)."""
    # plan (三): 党员向社区党组织报到 — the non-self-managed (and jointly managed) who live here;
    # "left" ones moved away and no longer owe it (they are also `left_on` and not loaded).
    due = [
        m
        for m in c.members.values()
        if m.management != "self" and m.reporting_status in ("pending", "reported")
    ]
    # plan (五): 特殊类别党员的服务帮扶 — helped when every category has a helper or contact.
    in_category = {k.member_id for k in c.categories}
    unhelped = {k.member_id for k in c.categories if not k.has_helper}
    covered = {
        u
        for o in c.organizations.values()
        if o.is_live and o.kind in FUNCTIONAL_KINDS
        for u in o.units
    }
    return CommunityCounts(
        code=c.code,
        name=c.name,
        committee=_committee(c, ctx),
        reporting_due=len(due),
        reported_in=sum(m.reporting_status == "reported" for m in due),
        post_duties=_post_duties(c),
        category_members=len(in_category),
        helped_members=len(in_category - unhelped),
        functional_units=tuple(u for u in FUNCTIONAL_UNITS if u in covered),
        teams=_teams(c),
        facts=c,
        ctx=ctx,
    )


async def community_counts(
    conn: AsyncConnection,
    *,
    community_codes: Sequence[str],
    as_of: dt.date,
    settings: RulesSettings | None = None,
) -> list[CommunityCounts]:
    """Counts of the given communities (unknown codes are skipped), ordered by code: the
    facts are read once for all of them, in the rule checker's few batched queries."""
    facts = await load_facts(conn, None, community_codes=community_codes)
    ctx = RuleContext(as_of, settings or rules_settings())
    return [count(c, ctx) for c in facts]
