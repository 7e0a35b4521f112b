"""GraphQL of community counts: what rates and verdicts rest on, for many communities at once.

`communityCounts(communityCodes, asOf)` answers for a whole list of communities in one request
(the facts are read once, as the rule checker reads them), so a reader grading a district
(assess) makes one call, not one per community per indicator. Codes outside the caller's
scope are left out, as unknown codes are; a malformed code or too long a list is refused.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry

from services.common.auth import caller, is_region_code
from services.common.errors import bad_input
from services.org import community_counts as domain
from services.org.context import Info
from services.org.graph.core import Community
from services.org.graph.enums import OrganizationKind, Unit
from services.org.graph.findings import Finding


@strawberry.type(description="A community organization's committee, counted (plan 二、三).")
class CommitteeCounts:
    organization_name: str
    kind: OrganizationKind
    size: int = strawberry.field(
        description="Members on it, big-committee part-time members (兼职委员) not counted."
    )
    min_size: int = strawberry.field(description="5 (社区党委) or 3 (党总支、党支部).")
    max_size: int = strawberry.field(description="7 (社区党委) or 5 (党总支、党支部).")
    secretaries: int
    fulltime_deputies: int
    parttime_deputies: int
    seats: int = strawberry.field(description="Seats the two counts below are taken over.")
    in_age_band: int = strawberry.field(
        description="Seats held by members 'about 40' on asOf (the rule checker's band)."
    )
    associate_or_higher: int = strawberry.field(description="Seats held by members with 大专以上.")
    parttime_members: int = strawberry.field(description="大党委兼职委员.")
    parttime_members_from_units: int = strawberry.field(
        description="Part-time members seated for a resident unit (驻社区单位)."
    )

    @classmethod
    def of(cls, c: domain.CommitteeCounts) -> CommitteeCounts:
        return cls(
            organization_name=c.organization_name,
            kind=OrganizationKind(c.kind),
            size=c.size,
            min_size=c.min_size,
            max_size=c.max_size,
            secretaries=c.secretaries,
            fulltime_deputies=c.fulltime_deputies,
            parttime_deputies=c.parttime_deputies,
            seats=c.seats,
            in_age_band=c.in_age_band,
            associate_or_higher=c.associate_or_higher,
            parttime_members=c.parttime_members,
            parttime_members_from_units=c.parttime_members_from_units,
        )


@strawberry.enum(description="Which post the plan asks of a member (plan 五, 明岗定责).")
class PostDutyKind(Enum):
    ANY = "any"  # a seat or an office: some post
    GRID_MANAGEMENT = "grid_management"  # grid-branch secretaries, group leaders
    VOLUNTEER = "volunteer"  # 无职党员: a volunteer post


@strawberry.type(description="Members owing one kind of post, and those holding it.")
class PostDutyCount:
    duty: PostDutyKind
    owed: int
    held: int


@strawberry.type(description="A volunteer team's current members by management type.")
class TeamMixCount:
    name: str
    self_managed: int
    non_self_managed: int
    jointly_managed: int


@strawberry.type(
    description="What a community's rates and verdicts rest on, from the facts the rule "
    "checker reads: counts and the findings of every rule but grid placement."
)
class CommunityCounts:
    code: str
    committee: CommitteeCounts | None = strawberry.field(
        description="Null when the community has no live community organization."
    )
    reporting_due: int = strawberry.field(
        description="Non-self-managed and jointly managed members living here (报到 owed)."
    )
    reported_in: int
    post_duties: list[PostDutyCount] = strawberry.field(
        description="Members able to take part, by the post owed (明岗定责)."
    )
    special_category_members: int = strawberry.field(
        description="Members in a special category (外出流动、年老体弱、生活困难)."
    )
    helped_members: int = strawberry.field(
        description="Of them, those with a helper or contact for every category."
    )
    functional_units: list[Unit] = strawberry.field(
        description="Of 工作站、综治办、居委会, those a live functional branch or group covers."
    )
    volunteer_teams: list[TeamMixCount]
    counts: strawberry.Private[domain.CommunityCounts]  # checks its findings when asked

    @strawberry.field(
        description="The community's findings of every rule except placement.* (grid's "
        "coverage counts zones and buildings), in the checker's order; `rules` keeps those "
        'of these rule ids or dotted prefixes ("committee") only.'
    )
    def findings(self, rules: list[str] | None = None) -> list[Finding]:
        return [Finding.of(f) for f in self.counts.findings(rules)]

    @strawberry.field
    def community(self) -> Community:
        return Community(code=self.code)

    @classmethod
    def of(cls, c: domain.CommunityCounts) -> CommunityCounts:
        return cls(
            code=c.code,
            committee=CommitteeCounts.of(c.committee) if c.committee else None,
            reporting_due=c.reporting_due,
            reported_in=c.reported_in,
            post_duties=[
                PostDutyCount(duty=PostDutyKind(d.duty), owed=d.owed, held=d.held)
                for d in c.post_duties
            ],
            special_category_members=c.category_members,
            helped_members=c.helped_members,
            functional_units=[Unit(u) for u in c.functional_units],
            volunteer_teams=[
                TeamMixCount(
                    name=t.name,
                    self_managed=t.self_managed,
                    non_self_managed=t.non_self_managed,
                    jointly_managed=t.jointly_managed,
                )
                for t in c.teams
            ],
            counts=c,
        )


def _checked_codes(info: Info, codes: list[str]) -> list[str]:
    if len(codes) > domain.MAX_COMMUNITIES:
        raise bad_input(
            f"一次最多查询{domain.MAX_COMMUNITIES}个社区",
            f"At most {domain.MAX_COMMUNITIES} communities per request",
        )
    bad = [c for c in codes if not (is_region_code(c) and len(c) == 12)]
    if bad:
        raise bad_input(
            f"社区代码应为12位数字：{'、'.join(bad[:5])}",
            f"Community codes are 12 digits: {', '.join(bad[:5])}",
        )
    identity = caller(info)
    return [c for c in dict.fromkeys(codes) if identity.covers(c)]


@strawberry.type
class CountQueries:
    @strawberry.field(
        description="Counts of these communities (12-digit codes; unknown ones and those "
        "outside the caller's scope are left out), ordered by code; `asOf` (default today) "
        "dates ages and Party standing, as for `findings`."
    )
    async def community_counts(
        self, info: Info, community_codes: list[str], as_of: dt.date | None = None
    ) -> list[CommunityCounts]:
        codes = _checked_codes(info, community_codes)
        if not codes:
            return []
        async with info.context.engine.connect() as conn:
            found = await domain.community_counts(
                conn, community_codes=codes, as_of=as_of or dt.date.today()
            )
        return [CommunityCounts.of(c) for c in found]


QUERY_TYPES = (CountQueries,)
MUTATION_TYPES: tuple[type, ...] = ()
TYPES: tuple[type, ...] = ()
