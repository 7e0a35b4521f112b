"""GraphQL of the rule checker: the rules it applies and the findings for a scope.

`findings` computes every finding of its scope (a region — district, street or community —
or one organization and those under it), filters, and pages over the computed list in the
deterministic order (community code, rule id, organization id, member id). A cursor is the
last finding's sort key, so paging with `after` returns each finding once. The list is
recomputed per request: a district is a few thousand rows read in a handful of queries.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import Enum

import strawberry

from services.common.auth import caller
from services.common.errors import DomainError, bad_input
from services.common.pagination import (
    MAX_PAGE,
    Connection,
    Edge,
    PageInfo,
    decode_cursor,
    encode_cursor,
)
from services.org.context import Info
from services.org.graph.access import scoped_region
from services.org.graph.core import Community, Member, PartyOrganization, parse_uuid
from services.org.regions import tree as regions
from services.org.rules import checker
from services.org.rules.settings import rules_settings


@strawberry.enum(description="How serious a finding is.")
class Severity(Enum):
    ERROR = "error"  # breaks a rule the plan states firmly
    WARNING = "warning"  # falls short of a "为主体"-style or activity rule
    INFO = "info"  # could not be checked, or a rule the plan asks to explore (探索)


@strawberry.type(description="A rule of the plan that the checker applies.")
class Rule:
    id: str = strawberry.field(description='Stable dotted id, e.g. "committee.size".')
    severity: Severity
    hard: bool = strawberry.field(
        description="Writes enforce it: a mutation going beyond its limits is refused."
    )
    title: str = strawberry.field(description="Title in Chinese.")
    title_en: str
    plan_clause: str = strawberry.field(description='The plan\'s words, e.g. "二、书记1人".')

    @classmethod
    def of(cls, rule: checker.Rule) -> Rule:
        return cls(
            id=rule.id,
            severity=Severity(rule.severity.value),
            hard=rule.hard,
            title=rule.title,
            title_en=rule.title_en,
            plan_clause=rule.plan_clause,
        )


@strawberry.type(description="A breach of a rule in a community (the rule checker's output).")
class Finding:
    rule: str = strawberry.field(description="The rule's id (see `rules`).")
    severity: Severity
    message: str = strawberry.field(description="Chinese (zh-CN), naming who and how many.")
    message_en: str
    plan_clause: str
    community_code: strawberry.Private[str]
    organization_id: strawberry.Private[uuid.UUID | None]
    member_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def of(cls, finding: checker.Finding) -> Finding:
        return cls(
            rule=finding.rule,
            severity=Severity(finding.severity.value),
            message=finding.message,
            message_en=finding.message_en,
            plan_clause=finding.plan_clause,
            community_code=finding.community_code,
            organization_id=finding.organization_id,
            member_id=finding.member_id,
        )

    @strawberry.field
    def community(self) -> Community:
        return Community(code=self.community_code)

    @strawberry.field(description="The organization concerned (a member's own, if any).")
    async def organization(self, info: Info) -> PartyOrganization | None:
        if self.organization_id is None:
            return None
        row = await info.context.loaders.organization.load(self.organization_id)
        return PartyOrganization.from_row(row) if row else None

    @strawberry.field(description="The member concerned, if the finding is about one.")
    async def member(self, info: Info) -> Member | None:
        if self.member_id is None:
            return None
        row = await info.context.loaders.member.load(self.member_id)
        return Member.from_row(row, caller(info)) if row else None


@strawberry.type(description="A page of findings.")
class FindingConnection(Connection[Finding]):
    """Named so the schema shows one FindingConnection type."""


def _matching_rules(rule: str | None) -> set[str] | None:
    """Rule ids a filter selects: an exact id, or a dotted prefix ("placement")."""
    if rule is None:
        return None
    chosen = {r for r in checker.RULES if r == rule or r.startswith(f"{rule}.")}
    if not chosen:
        known = ", ".join(checker.RULES)
        raise bad_input(
            f"未知的规则：{rule}（可选：{known}）", f"Unknown rule {rule!r}; known: {known}"
        )
    return chosen


async def _scope_findings(
    info: Info,
    region_code: str | None,
    organization_id: strawberry.ID | None,
    as_of: dt.date,
    rules: list[checker.Rule],
) -> list[checker.Finding]:
    """Findings of `rules` in a region's communities, or of an organization (inside the
    region if both are given); an unknown region or organization has none."""
    grid, settings = info.context.grid, rules_settings()
    # Only communities under the caller's node: an organization's findings too.
    region_code = scoped_region(info, region_code or caller(info).region)
    if region_code is None:
        return []
    async with info.context.engine.connect() as conn:
        codes = None
        if region_code:
            (known,) = await regions.regions_by_code(conn, [region_code])
            if known is None:
                return []
            codes = [r["code"] for r in await regions.communities_under(conn, region_code)]
        if organization_id is None:
            return await checker.check_communities(
                conn,
                grid,
                community_codes=codes or [],
                as_of=as_of,
                settings=settings,
                rules=rules,
            )
        key = parse_uuid(organization_id)
        if key is None:
            return []
        found = await checker.check_organization(
            conn, grid, organization_id=key, as_of=as_of, settings=settings, rules=rules
        )
        return [f for f in found if codes is None or f.community_code in codes]


def _page(found: list[checker.Finding], first: int | None, after: str | None) -> FindingConnection:
    size = min(max(first if first is not None else 50, 0), MAX_PAGE)
    rest = found
    if after is not None:
        try:
            last = tuple(decode_cursor(after, 5))
        except DomainError as bad:
            raise bad_input(bad.message, bad.message_en) from None
        rest = [f for f in found if f.sort_key > last]
    page = rest[:size]
    edges = [Edge(cursor=encode_cursor(list(f.sort_key)), node=Finding.of(f)) for f in page]
    return FindingConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rest) > size,
            end_cursor=edges[-1].cursor if edges else None,
            has_previous_page=len(rest) < len(found),
            start_cursor=edges[0].cursor if edges else None,
        ),
        total_count=len(found),
    )


@strawberry.type
class FindingQueries:
    @strawberry.field(description="The rules the checker applies, in the plan's order.")
    def rules(self) -> list[Rule]:
        return [Rule.of(r) for r in checker.RULES.values()]

    @strawberry.field(
        description="Rule findings for a region (district, street or community code) or an "
        "organization and those under it; one of the two is required. Ordered by community, "
        "rule, organization and member; `asOf` (default today) dates ages and Party standing."
    )
    async def findings(  # noqa: PLR0913 -- the field's GraphQL arguments (the schema fixes them)
        self,
        info: Info,
        region_code: str | None = None,
        organization_id: strawberry.ID | None = None,
        severity: Severity | None = None,
        rule: str | None = None,
        as_of: dt.date | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> FindingConnection:
        if region_code is not None and not region_code.strip():
            raise bad_input("地区代码不能为空", "regionCode is blank")
        if region_code is None and organization_id is None:
            raise bad_input(
                "请指定查找范围：地区代码或党组织，二者之一",
                "findings needs a scope: give regionCode or organizationId",
            )
        chosen = _matching_rules(rule)
        # Only the rules filtered for are run (grid is not asked without a placement rule).
        wanted = [
            r
            for r in checker.RULES.values()
            if (severity is None or r.severity.value == severity.value)
            and (chosen is None or r.id in chosen)
        ]
        found = await _scope_findings(
            info, region_code, organization_id, as_of or dt.date.today(), wanted
        )
        return _page(found, first, after)


QUERY_TYPES = (FindingQueries,)
MUTATION_TYPES: tuple[type, ...] = ()
TYPES: tuple[type, ...] = ()
