"""Small constructed facts for the rule checker's pure tests: `good(kind)` builds a community
that keeps every rule (plan 二、三、五); tests then break one thing at a time."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from services.org.grid_client import BuildingFact, CommunityGrid, ZoneFact
from services.org.rules import checker
from services.org.rules.facts import (
    CommunityFacts,
    MemberFact,
    OrganizationFact,
    ResidentUnitFact,
    RuleContext,
    SeatFact,
    TeamFact,
)
from services.org.rules.settings import RulesSettings

AS_OF = dt.date(2020, 4, 30)
CTX = RuleContext(AS_OF, RulesSettings())
CODE = "410104001001"
COMMITTEE, GENERAL, BRANCH = "community_committee", "general_branch", "branch"


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def _years_before(years: int, months: int = 0) -> dt.date:
    return AS_OF.replace(year=AS_OF.year - years) - dt.timedelta(days=30 * months)


def add_org(
    c: CommunityFacts,
    kind: str,
    *,
    parent: OrganizationFact | None = None,
    units: Iterable[str] = (),
    live: bool = True,
    code: str = CODE,
) -> OrganizationFact:
    org = OrganizationFact(
        id=new_id(),
        community_code=code,
        name=f"{kind}{len(c.organizations)}",
        kind=kind,
        parent_id=parent.id if parent else None,
        units=tuple(units),
        is_live=live,
    )
    (c.organizations if code == c.code else c.elsewhere)[org.id] = org
    return org


def add_member(
    c: CommunityFacts,
    name: str,
    *,
    age: int = 40,
    standing: int = 10,
    education: str = "bachelor",
    management: str = "self",
    reporting: str | None = None,
    organization: OrganizationFact | None = None,
    post: str | None = "job",
    **more: Any,  # any other MemberFact field
) -> MemberFact:
    person = MemberFact(
        id=new_id(),
        community_code=c.code,
        name=name,
        birth_date=_years_before(age, 3),
        education=education,
        joined_on=_years_before(standing, 1),
        is_probationary=False,
        management=management,
        reporting_status=reporting or (None if management == "self" else "reported"),
        organization_id=organization.id if organization else None,
        **more,
    )
    c.members[person.id] = person
    if post:
        c.post_kinds[person.id] = frozenset({post})
    return person


def seat(c: CommunityFacts, org: OrganizationFact, person: MemberFact, role: str) -> None:
    c.seats.append(SeatFact(org.id, person.id, role))


def good(kind: str = COMMITTEE, *, pilot: bool = False, zones: int = 2) -> CommunityFacts:
    """A community that keeps every rule: the plan's committee, grid, units and members."""
    c = CommunityFacts(CODE, "测试社区", is_pilot=pilot)
    top = add_org(c, kind)
    roles = ["secretary", "fulltime_deputy"] + (["parttime_deputy"] if kind == COMMITTEE else [])
    roles += ["member"] * ((5 if kind == COMMITTEE else 3) - len(roles))
    for i, role in enumerate(roles):
        extra = {"is_sent_down_cadre": pilot} if role == "secretary" else {}
        seat(c, top, add_member(c, f"委员{i}", organization=top, **extra), role)
    secretary = next(s.member_id for s in c.seats if s.role == "secretary")
    c.offices[secretary] = frozenset({"workstation_head"})
    add_org(c, "functional_branch", parent=top, units=("workstation", "zongzhiban", "juweihui"))
    add_org(c, "special_branch", parent=top, units=("volunteer_team",))
    guest = add_member(c, "兼职委员", management="non_self")
    seat(c, top, guest, "parttime_member")
    joint = add_member(c, "联管党员", management="joint", post="volunteer")
    own = add_member(c, "自管党员", organization=top, post="volunteer")
    c.teams.append(TeamFact(new_id(), "志愿者服务队", (own.id, guest.id, joint.id)))
    c.resident_units.append(ResidentUnitFact(new_id(), "驻区医院", "医院党委", dt.date(2019, 5, 1)))
    grid_zones, buildings = [], []
    for z in range(zones):
        unit = add_grid_unit(c, "party_group" if kind == BRANCH else "grid_branch", top)
        grid_zones.append(ZoneFact(new_id(), f"第{z + 1}片区", unit.id))
        if kind != BRANCH:
            group = add_grid_unit(c, "party_group", unit)
            buildings.append(BuildingFact(new_id(), f"{z + 1}号楼", grid_zones[-1].id, group.id))
    c.grid = CommunityGrid(CODE, grid_zones, buildings)
    return c


def add_grid_unit(c: CommunityFacts, kind: str, parent: OrganizationFact) -> OrganizationFact:
    """A grid branch or Party group with its leader (组长), who holds a grid-management post."""
    unit = add_org(c, kind, parent=parent)
    seat(
        c,
        unit,
        add_member(c, f"组长{len(c.members)}", organization=unit, post="grid_management"),
        "secretary",
    )
    return unit


def found(c: CommunityFacts, rule_id: str, ctx: RuleContext = CTX) -> list[checker.Finding]:
    return checker.check([c], ctx, [checker.RULES[rule_id]])


def top_of(c: CommunityFacts) -> OrganizationFact:
    org = c.community_organization
    assert org is not None
    return org


def holder(c: CommunityFacts, role: str) -> MemberFact:
    return next(c.members[s.member_id] for s in c.seats if s.role == role)


def replace_member(c: CommunityFacts, person: MemberFact, **changes: Any) -> MemberFact:
    c.members[person.id] = dataclasses.replace(person, **changes)
    return c.members[person.id]
