"""What grid's coverage asks org for whole regions at once: the resident Party members of every
building, and the kind of each community's organization.

Coverage ranks its gaps by resident members for every building it covers. Asking per `Building`
entity resolves each representation one by one, and even a list of small objects costs the
executor one completion step per number; `regionResidents` answers with one SQL statement
that builds every column as an array (services.common.columns serializes each in one step),
the communities' kinds included.
"""

from __future__ import annotations

import strawberry

from services.common.columns import IDColumn, IntColumn
from services.org import organizations
from services.org.context import Info
from services.org.graph.access import scoped_region
from services.org.graph.enums import OrganizationKind


@strawberry.type(description="A community and the kind of its own Party organization.")
class CommunityKind:
    code: str
    kind: OrganizationKind | None = strawberry.field(
        description="COMMUNITY_COMMITTEE, GENERAL_BRANCH or BRANCH; null if it has none live."
    )


def _kinds(rows: list[tuple[str, str | None]]) -> list[CommunityKind]:
    return [
        CommunityKind(code=code, kind=OrganizationKind(kind) if kind else None)
        for code, kind in rows
    ]


@strawberry.type(
    description="The communities of some regions with their organizations' kinds, and the "
    "Party members living in their buildings as columns: entry i of every column is building "
    "i. Only buildings with a resident member who has not left are listed."
)
class RegionResidents:
    communities: list[CommunityKind]
    building_ids: IDColumn = strawberry.field(description="Grid Building ids, ordered.")
    total: IntColumn
    self_managed: IntColumn = strawberry.field(description="自管党员.")
    non_self_managed: IntColumn = strawberry.field(description="非自管党员.")
    jointly_managed: IntColumn = strawberry.field(description="联管党员.")
    not_reported_in: IntColumn = strawberry.field(
        description="Non-self-managed, not yet reported in."
    )


@strawberry.type
class ResidentQueries:
    @strawberry.field(
        description="The communities at or below these regions (6, 9 or 12-digit codes) and "
        "the resident members of their buildings (what grid's coverage needs, in one call)."
    )
    async def region_residents(self, info: Info, region_codes: list[str]) -> RegionResidents:
        region_codes = scoped_regions(info, region_codes)
        async with info.context.engine.connect() as conn:
            found = await organizations.region_residents(conn, region_codes)
        return RegionResidents(
            communities=_kinds(
                list(zip(found.community_codes, found.community_kinds, strict=True))
            ),
            building_ids=IDColumn(found.building_ids),
            total=IntColumn(found.total),
            self_managed=IntColumn(found.self_managed),
            non_self_managed=IntColumn(found.non_self_managed),
            jointly_managed=IntColumn(found.jointly_managed),
            not_reported_in=IntColumn(found.not_reported_in),
        )

    @strawberry.field(
        description="Every community at or below these regions with its organization's kind."
    )
    async def community_kinds(self, info: Info, region_codes: list[str]) -> list[CommunityKind]:
        region_codes = scoped_regions(info, region_codes)
        async with info.context.engine.connect() as conn:
            return _kinds(await organizations.community_kinds_in_regions(conn, region_codes))


def scoped_regions(info: Info, codes: list[str]) -> list[str]:
    """Each code narrowed to what the caller sees; codes wholly outside it dropped."""
    return [c for c in (scoped_region(info, code) for code in codes) if c is not None]


QUERY_TYPES = (ResidentQueries,)
MUTATION_TYPES: tuple[type, ...] = ()
TYPES: tuple[type, ...] = ()
