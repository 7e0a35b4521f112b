"""What computed indicators read from the graph: org's counts and grid's coverage of a set of
communities.

Issue 7: "computed indicators from the live graph, queried ... with a service identity (never
by reading other services' tables)". Each part is asked of the subgraph that owns it, directly
(services/common/subgraph_client.py), the two side by side: org's `communityCounts` takes every
community code at once, and grid's `coverage` is asked once per region that holds them
(normally the one district). A whole district is one request to each. An answer that does not
have the shape asked for is treated like no answer (SubgraphUnavailableError naming the
service): no indicator is guessed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from services.assess.shared.peers import Peers
from services.common.subgraph_client import SubgraphClient, SubgraphUnavailableError

MAX_REGIONS = 40  # coverage aliases per document: keeps each request and answer moderate

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


ORG_DOCUMENT = f"""query AssessOrgFacts($codes: [String!]!, $asOf: Date!, $rules: [String!]!) {{
  {ORG_FIELDS}
}}"""


def grid_document(regions: Sequence[str]) -> str:
    """One read of grid coverage (aliases r0, r1, ... per region)."""
    variables = ", ".join(f"$r{i}: String!" for i, _ in enumerate(regions))
    parts = "\n  ".join(
        f"r{i}: coverage(regionCode: $r{i}) {{ {GRID_FIELDS} }}" for i, _ in enumerate(regions)
    )
    return f"query AssessGridFacts({variables}) {{\n  {parts}\n}}"


async def read_org(
    org: SubgraphClient, codes: Sequence[str], as_of: dt.date, rules: Sequence[str]
) -> dict[str, OrgCounts]:
    """Org's counts of each community it knows, by code."""
    variables = {"codes": list(codes), "asOf": as_of.isoformat(), "rules": list(rules)}
    data = await org.query(ORG_DOCUMENT, variables)
    try:
        found = [OrgCounts.model_validate(row) for row in data["communityCounts"]]
    except (KeyError, TypeError, ValidationError) as exc:
        raise SubgraphUnavailableError("org", f"unexpected answer ({exc})") from exc
    return {c.code: c for c in found}


async def read_grid(grid: SubgraphClient, regions: Sequence[str]) -> dict[str, GridCounts]:
    """Grid's coverage of each community of these regions, by code: one request per
    MAX_REGIONS regions."""
    found: dict[str, GridCounts] = {}
    for start in range(0, len(regions), MAX_REGIONS):
        batch = regions[start : start + MAX_REGIONS]
        data = await grid.query(grid_document(batch), {f"r{i}": r for i, r in enumerate(batch)})
        try:
            coverages = [_Coverage.model_validate(data[f"r{i}"]) for i in range(len(batch))]
        except (KeyError, TypeError, ValidationError) as exc:
            raise SubgraphUnavailableError("grid", f"unexpected answer ({exc})") from exc
        for coverage in coverages:
            if not coverage.residents_known:
                # Grid could not ask org for residents: buildings with members unknown.
                raise SubgraphUnavailableError("org", "grid's coverage without residents")
            found |= {c.code: c for c in coverage.communities}
    return found


async def _nothing() -> dict:
    return {}


async def read_graph(
    peers: Peers,
    communities: Sequence[str],
    as_of: dt.date,
    *,
    org: bool = True,
    grid: bool = True,
    rules: Sequence[str] = (),
) -> dict[str, CommunityGraph]:
    """Org counts and grid coverage of each community, asked of both side by side (one
    request each, grid more only when they span more than MAX_REGIONS districts);
    SubgraphUnavailableError when either is unanswered. `rules`: the org rule ids (or dotted
    prefixes) whose findings to bring along; rates need none, their counts say it all, and a
    district has a thousand findings of those."""
    codes = sorted(set(communities))
    org_found, grid_found = await asyncio.gather(
        read_org(peers.org, codes, as_of, rules) if org else _nothing(),
        read_grid(peers.grid, coverage_regions(codes)) if grid else _nothing(),
    )
    return {c: CommunityGraph(c, org_found.get(c), grid_found.get(c)) for c in codes}
