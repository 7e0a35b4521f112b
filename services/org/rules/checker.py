"""The rule checker: the plan's rules as a registry of pure checks, and findings they yield.

Each rule has a stable dotted id, a severity (error: breaks a rule the plan states firmly;
warning: a "为主体"-style or activity rule; info: could not be checked), whether it is
*hard*, the plan clause it comes from and a title in Chinese and English. A hard rule is one
writes enforce: the org mutations refuse a write that would go beyond its limits (a seat too
many, a second secretary, an unqualified deputy). What is still missing (a committee not yet
at its minimum, a role not yet filled) is reported here, never refused: committees are built
up one seat at a time.

The checks live in `rules.committee`, `rules.placement` (plan 二), `rules.members` (三) and
`rules.activity` (五); their small pure
predicates (e.g. `committee_size_limit`) are re-exported here for the mutations to call.
`check_communities` is the entry point other services use (assess grades on it).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.org.grid_client import GridClient
from services.org.models import party_organization
from services.org.rules import activity, committee, members, placement
from services.org.rules.committee import (
    committee_size_limit,
    in_age_band,
    is_associate_or_higher,
    is_majority,
    may_be_parttime_deputy,
    meets_fulltime_deputy_standing,
    role_limit,
)
from services.org.rules.facts import Breach, CommunityFacts, RuleContext, load_facts
from services.org.rules.placement import needs_building_groups, zone_unit_kind
from services.org.rules.settings import RulesSettings, rules_settings

__all__ = [
    "RULES",
    "Finding",
    "Rule",
    "Severity",
    "check",
    "check_communities",
    "check_organization",
    "committee_size_limit",
    "in_age_band",
    "is_associate_or_higher",
    "is_hard",
    "is_majority",
    "may_be_parttime_deputy",
    "meets_fulltime_deputy_standing",
    "needs_building_groups",
    "role_limit",
    "zone_unit_kind",
]

Check = Callable[[CommunityFacts, RuleContext], Iterable[Breach]]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    hard: bool
    plan_clause: str  # a quote of the plan, with its section: "二、社区党委设委员5至7人"
    title: str
    title_en: str
    check: Check


@dataclass(frozen=True)
class Finding:
    """One breach of one rule in one community, optionally of an organization and a member."""

    rule: str
    severity: Severity
    community_code: str
    message: str
    message_en: str
    plan_clause: str
    organization_id: uuid.UUID | None = None
    member_id: uuid.UUID | None = None
    key: str = ""  # orders findings that share everything else (zones, buildings)

    @property
    def sort_key(self) -> tuple[str, str, str, str, str]:
        """The deterministic order: community code, rule id, organization id, member id."""
        org, person = self.organization_id, self.member_id
        return (
            self.community_code,
            self.rule,
            str(org) if org else "",
            str(person) if person else "",
            self.key,
        )


ERR, WARN, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO  # short, for the table
_TABLE: tuple[tuple[str, Severity, bool, str, str, str, Check], ...] = (
    # (id, severity, hard, plan clause, title, title_en, check)
    ("organization.community", ERR, False,
     "二、建立与社区领导核心地位相适应的强有力社区党委（总支、支部）",
     "社区建有社区党组织", "The community has its community Party organization",
     committee.community_organization),
    ("committee.size", ERR, True,
     "二、社区党委设委员5至7人……社区党总支、党支部委员会设委员3至5人",
     "委员会人数符合规定", "Committee size within 5-7 (committee) or 3-5 (branch)",
     committee.committee_size),
    ("committee.secretary", ERR, True, "二、其中书记1人",
     "设书记1人", "Exactly one secretary", committee.committee_secretary),
    ("committee.fulltime_deputy", ERR, True, "二、专职副书记1人",
     "设专职副书记1人", "Exactly one full-time deputy secretary",
     committee.committee_fulltime_deputy),
    ("committee.parttime_deputy", ERR, True,
     "二、社区党委……兼职副书记1人；社区党总支、党支部……可再设兼职副书记1人",
     "兼职副书记人数符合规定", "One part-time deputy (committee), at most one (branch)",
     committee.committee_parttime_deputy),
    ("deputy.standing", ERR, True, "二、专职副书记应由党龄2年以上……的党员担任",
     "专职副书记党龄2年以上", "Full-time deputy with 2 years' Party standing",
     committee.deputy_standing),
    ("deputy.full_member", ERR, True, "二、另一名副书记一般应由是正式党员的社区综治办主任兼任",
     "兼职副书记为正式党员", "Part-time deputy is a full member", committee.deputy_full_member),
    ("leadership.age", WARN, False, "二、社区党委领导班子应以40岁左右……的同志为主体",
     "领导班子以40岁左右为主体", "Leadership mainly around 40", committee.leadership_age),
    ("leadership.education", WARN, False,
     "二、社区党委领导班子应以……大专以上文化程度的同志为主体",
     "领导班子以大专以上文化程度为主体", "Leadership mainly with an associate degree or higher",
     committee.leadership_education),
    ("secretary.workstation_head", ERR, False, "二、书记兼任社区工作站站长",
     "书记兼任社区工作站站长", "The secretary heads the community workstation",
     committee.secretary_workstation_head),
    ("secretary.sent_down_cadre", ERR, False, "二、试点社区书记由下派科级干部担任",
     "试点社区书记为下派科级干部", "A pilot community's secretary is a sent-down cadre",
     committee.secretary_sent_down_cadre),
    ("placement.zone_branch", ERR, False, "二、社区党委、党总支应将分支部建在片区",
     "每个片区建有网格党支部", "A grid branch in every zone (committee, general branch)",
     placement.placement_zone_branch),
    ("placement.building_group", ERR, False, "二、社区党委、党总支应将……党小组建到楼栋上",
     "每栋楼建有党小组", "A Party group in every zoned building (committee, general branch)",
     placement.placement_building_group),
    ("placement.zone_group", ERR, False, "二、社区党支部应将党小组建在片区",
     "每个片区建有党小组", "A Party group in every zone (branch)",
     placement.placement_zone_group),
    ("placement.unchecked", INFO, False,
     "二、社区党委、党总支应将分支部建在片区、党小组建到楼栋上，社区党支部应将党小组建在片区",
     "网格设置未能检查", "Placement on the grid could not be checked",
     placement.placement_unchecked),
    ("functional.units", ERR, False,
     "二、在社区工作站、综治办、居委会等社区组织中单独或联合建立党支部（党小组）",
     "工作站、综治办、居委会建有党组织", "Functional branches in workstation, 综治办, 居委会",
     placement.functional_units),
    ("special.volunteer_team", INFO, False,
     "二、探索在业主委员会、社区志愿者服务队、文体活动宣传队等群众组织中建立特色党支部（党小组）",
     "志愿者服务队建有特色党组织", "A special branch or group in a volunteer team",
     placement.special_volunteer_team),
    ("big_committee.members", WARN, False,
     "三、吸纳为社区党委（总支、支部）委员会兼职委员，组成社区“大党委（总支、支部）”",
     "组成“大党委”", "A big committee with part-time members", members.big_committee),
    ("reporting.pending", WARN, False, "三、党员向社区党组织报到",
     "非自管党员向社区报到", "Non-self-managed members have reported in",
     members.reporting_pending),
    ("resident_unit.agreement", WARN, False, "三、社区党组织与驻社区党组织签订协议",
     "与驻社区单位党组织签订共建协议", "Co-building agreements with resident units",
     members.resident_unit_agreement),
    ("volunteer_team.joint", WARN, False,
     "三、动员驻社区单位在职党员、非自管的社区居民党员与社区党组织自管党员一起……联合组建社区党员志愿者服务队",
     "联合组建党员志愿者服务队", "A volunteer team joining all three kinds of member",
     members.volunteer_team_joint),
    ("unit.leader", WARN, False, "五、居民楼栋党支部书记、党小组长兼任网格化管理岗位",
     "网格党支部、党小组有书记（组长）", "Every grid branch and Party group has its leader",
     activity.unit_leader),
    ("post.held", WARN, False, "五、对能够正常参加组织活动的党员实行明岗定责",
     "能参加活动的党员明岗定责", "Every able member holds a post", activity.post_held),
    ("post.grid_management", WARN, False, "五、居民楼栋党支部书记、党小组长兼任网格化管理岗位",
     "支部书记、党小组长兼任网格化管理岗位", "Grid leaders hold a grid-management post",
     activity.post_grid_management),
    ("post.volunteer", WARN, False,
     "五、无职党员通过设岗定责各自认领一个以上的社区管理服务义务奉献岗位",
     "无职党员认领义务奉献岗位", "Members without office claim a volunteer post",
     activity.post_volunteer),
    ("category.helper", WARN, False,
     "五、加强对外出流动、年老体弱、生活困难等特殊类别党员的服务帮扶",
     "特殊类别党员有人帮扶", "Special-category members each have a helper",
     activity.category_helper),
)  # fmt: skip
RULES: dict[str, Rule] = {row[0]: Rule(*row) for row in _TABLE}  # in plan order


def is_hard(rule_id: str) -> bool:
    """Whether writes enforce the rule (see the module docstring); unknown ids are not."""
    rule = RULES.get(rule_id)
    return bool(rule and rule.hard)


def check(
    facts: Iterable[CommunityFacts], ctx: RuleContext, rules: Iterable[Rule] | None = None
) -> list[Finding]:
    """Run the rules (all by default) over loaded facts; findings in the deterministic order."""
    chosen = list(RULES.values() if rules is None else rules)
    found = [
        Finding(
            rule=r.id,
            severity=r.severity,
            plan_clause=r.plan_clause,
            community_code=b.community_code,
            message=b.message,
            message_en=b.message_en,
            organization_id=b.organization_id,
            member_id=b.member_id,
            key=b.key,
        )
        for c in facts
        for r in chosen
        for b in r.check(c, ctx)
    ]
    return sorted(found, key=lambda f: f.sort_key)


async def check_communities(
    conn: AsyncConnection,
    grid: GridClient | None,
    *,
    community_codes: Sequence[str],
    as_of: dt.date,
    settings: RulesSettings | None = None,
    rules: Sequence[Rule] | None = None,
) -> list[Finding]:
    """Every finding of the given communities on `as_of` (ages and Party standing are
    measured on it; the rows are read as they are now), of `rules` only if given. Grid
    unavailable is not an error: each community gets one `placement.unchecked` finding
    instead. `settings` defaults to the environment's (`PARTYGRID_ORG_RULES_*`)."""
    chosen = list(RULES.values()) if rules is None else list(rules)
    facts = await load_facts(conn, _grid_for(grid, chosen), community_codes=community_codes)
    return check(facts, RuleContext(as_of, settings or rules_settings()), chosen)


async def check_organization(
    conn: AsyncConnection,
    grid: GridClient | None,
    *,
    organization_id: uuid.UUID,
    as_of: dt.date,
    settings: RulesSettings | None = None,
    rules: Sequence[Rule] | None = None,
) -> list[Finding]:
    """Findings of one live organization and the organizations under it (for a community
    organization: its whole community), of `rules` only if given; unknown or dissolved
    organizations have none."""
    row = (
        await conn.execute(
            select(party_organization.c.community_code).where(
                party_organization.c.id == organization_id,
                party_organization.c.dissolved_at.is_(None),
            )
        )
    ).first()
    if row is None:
        return []
    chosen = list(RULES.values()) if rules is None else list(rules)
    facts = await load_facts(conn, _grid_for(grid, chosen), community_codes=[row.community_code])
    scope = subtree(facts[0], organization_id) if facts else set()
    found = check(facts, RuleContext(as_of, settings or rules_settings()), chosen)
    return [f for f in found if f.organization_id in scope]


def is_placement(rule: Rule) -> bool:
    """A grid placement rule: it needs grid's zones and buildings."""
    return rule.id.startswith("placement.")


def _grid_for(grid: GridClient | None, rules: Sequence[Rule]) -> GridClient | None:
    """Grid is asked only for the placement rules (zones and buildings are all it gives)."""
    return grid if any(is_placement(r) for r in rules) else None


def subtree(c: CommunityFacts, root: uuid.UUID) -> set[uuid.UUID]:
    """Ids of a live organization and its live descendants in the community."""
    children: dict[uuid.UUID, list[uuid.UUID]] = {}
    for o in c.organizations.values():
        if o.is_live and o.parent_id is not None:
            children.setdefault(o.parent_id, []).append(o.id)
    found, todo = set(), [root] if c.live(root) else []
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, []))
    return found
