"""What computed indicators read from the graph: one GraphQL document for a set of communities.

Issue 7: "computed indicators from the live graph, queried through the gateway with a service
identity (never by reading other services' tables)". A whole district is read in ONE request
whatever its size: org's `communityCounts` takes every community code at once, and grid's
`coverage` is asked once per region that holds them (normally the one district), the two
parts of one document fetched from org and grid side by side by the gateway. A response
that does not have the shape asked for is treated like no answer (GatewayUnavailableError):
no indicator is guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from services.assess.shared.gateway_client import GatewayClient, GatewayUnavailableError

MAX_REGIONS = 40  # coverage aliases per document (the gateway allows 50 aliases)

ORG_FIELDS = """communityCounts(communityCodes: $codes, asOf: $asOf) {
    code
    committee { organizationName kind size minSize maxSize secretaries fulltimeDeputies
                parttimeDeputies seats inAgeBand associateOrHigher parttimeMembers
                parttimeMembersFromUnits }
    reportingDue reportedIn
    postDuties { duty owed held }
    specialCategoryMembers helpedMembers
    functionalUnits
    volunteerTeams { name selfManaged nonSelfManaged jointlyManaged }
    findings(rules: $rules) { rule message messageEn }
  }"""
GRID_FIELDS = """residentsKnown
    communities { code organizationKind zones zonesWithoutOrganization buildings covered orphans
                  memberBuildings memberBuildingsCovered
                  gapCounts { buildingWithMembers building zone orphan notReportedIn } }"""


class _Read(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, frozen=True, extra="ignore")


class CommitteeCounts(_Read):
    organization_name: str
    kind: str
    size: int
    min_size: int
    max_size: int
    secretaries: int
    fulltime_deputies: int
    parttime_deputies: int
    seats: int
    in_age_band: int
    associate_or_higher: int
    parttime_members: int
    parttime_members_from_units: int


class PostDuty(_Read):
    duty: str  # ANY | GRID_MANAGEMENT | VOLUNTEER
    owed: int
    held: int


class TeamMix(_Read):
    name: str
    self_managed: int
    non_self_managed: int
    jointly_managed: int


class Finding(_Read):
    rule: str
    message: str
    message_en: str


class OrgCounts(_Read):
    """Org's `CommunityCounts` of one community."""

    code: str
    committee: CommitteeCounts | None
    reporting_due: int
    reported_in: int
    post_duties: tuple[PostDuty, ...]
    special_category_members: int
    helped_members: int
    functional_units: tuple[str, ...]  # WORKSTATION | ZONGZHIBAN | JUWEIHUI
    volunteer_teams: tuple[TeamMix, ...]
    findings: tuple[Finding, ...]

    def breaches(self, rules: Iterable[str]) -> list[Finding]:
        wanted = set(rules)
        return [f for f in self.findings if f.rule in wanted]


class GapCounts(_Read):
    """Grid's `GapCounts` of one community (the monthly report keeps them)."""

    building_with_members: int
    building: int
    zone: int
    orphan: int
    not_reported_in: int


class GridCounts(_Read):
    """Grid's `CommunityCoverage` of one community."""

    code: str
    organization_kind: str | None
    zones: int
    zones_without_organization: int
    buildings: int
    covered: int
    orphans: int
    member_buildings: int
    member_buildings_covered: int
    gap_counts: GapCounts


class _Coverage(_Read):
    residents_known: bool
    communities: tuple[GridCounts, ...]


@dataclass(frozen=True)
class CommunityGraph:
    """What the graph says about one community; None: that service does not know it."""

    code: str
    org: OrgCounts | None
    grid: GridCounts | None


def coverage_regions(codes: Iterable[str]) -> list[str]:
    """The fewest regions whose coverage holds these communities, normally one: a community
    alone, else their street when they share one, else their district (per district)."""
    by_district: dict[str, set[str]] = {}
    for code in codes:
        by_district.setdefault(code[:6], set()).add(code)
    regions = []
    for district, members in sorted(by_district.items()):
        streets = {c[:9] for c in members}
        if len(members) == 1:
            regions.append(next(iter(members)))
        elif len(streets) == 1:
            regions.append(next(iter(streets)))
        else:
            regions.append(district)
    return regions


def document(*, org: bool, regions: Sequence[str]) -> str:
    """One read of org counts and/or grid coverage (aliases r0, r1, ... per region)."""
    variables, parts = [], []
    if org:
        variables += ["$codes: [String!]!", "$asOf: Date!", "$rules: [String!]!"]
        parts.append(ORG_FIELDS)
    for i, _ in enumerate(regions):
        variables.append(f"$r{i}: String!")
        parts.append(f"r{i}: coverage(regionCode: $r{i}) {{ {GRID_FIELDS} }}")
    return f"query AssessIndicatorFacts({', '.join(variables)}) {{\n  " + "\n  ".join(parts) + "\n}"


async def read_graph(
    gateway: GatewayClient,
    communities: Sequence[str],
    as_of: dt.date,
    *,
    org: bool = True,
    grid: bool = True,
    rules: Sequence[str] = (),
) -> dict[str, CommunityGraph]:
    """Org counts and grid coverage of each community, in one gateway request (more only when
    they span more than MAX_REGIONS districts); GatewayUnavailableError when unanswered.
    `rules`: the org rule ids (or dotted prefixes) whose findings to bring along; rates need
    none, their counts say it all, and a district has a thousand findings of those."""
    codes = sorted(set(communities))
    regions = coverage_regions(codes) if grid else []
    org_found: dict[str, OrgCounts] = {}
    grid_found: dict[str, GridCounts] = {}
    batches = [regions[i : i + MAX_REGIONS] for i in range(0, len(regions), MAX_REGIONS)] or [[]]
    for n, batch in enumerate(batches):
        ask_org = org and n == 0
        if not ask_org and not batch:
            continue
        variables: dict = {f"r{i}": region for i, region in enumerate(batch)}
        if ask_org:
            variables |= {"codes": codes, "asOf": as_of.isoformat(), "rules": list(rules)}
        data = await gateway.query(document(org=ask_org, regions=batch), variables)
        try:
            if ask_org:
                for row in data["communityCounts"]:
                    found = OrgCounts.model_validate(row)
                    org_found[found.code] = found
            for i in range(len(batch)):
                coverage = _Coverage.model_validate(data[f"r{i}"])
                if not coverage.residents_known:
                    # Grid could not ask org for residents: buildings with members unknown.
                    raise GatewayUnavailableError("gateway: grid coverage without residents")
                for c in coverage.communities:
                    grid_found[c.code] = c
        except (KeyError, TypeError, ValidationError) as exc:
            raise GatewayUnavailableError(f"gateway: unexpected answer ({exc})") from exc
    return {c: CommunityGraph(c, org_found.get(c), grid_found.get(c)) for c in codes}
