"""GraphQL of organizations: paged lists by region, committees, and the secretary's edits."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import UserError, run_write
from services.common.pagination import Connection, connection, fetch_page
from services.common.subgraph_client import SubgraphUnavailableError
from services.common.text import MAX_NAME, clean_text
from services.org import organization_changes as changes
from services.org.context import Info
from services.org.graph.access import OrgWriter, scoped_region
from services.org.graph.core import PartyOrganization
from services.org.graph.enums import OrganizationKind, Unit
from services.org.lookups import parse_id
from services.org.models import party_organization
from services.org.regions import tree as regions


@strawberry.type
class OrganizationPayload:
    organization: PartyOrganization | None
    errors: list[UserError]


@strawberry.input
class CreateOrganizationInput:
    community_code: str
    name: str
    kind: OrganizationKind
    parent_id: strawberry.ID | None = None
    units: list[Unit] = strawberry.field(default_factory=list)


@strawberry.input
class UpdateOrganizationInput:
    name: str | None = None
    units: list[Unit] | None = None


def _payload(row: dict[str, Any] | None, errors: list[UserError]) -> OrganizationPayload:
    return OrganizationPayload(
        organization=PartyOrganization.from_row(row) if row else None, errors=errors
    )


def _assignments_of(info: Info) -> changes.AssignmentsOf:
    grid = info.context.grid

    async def assignments(ids: list[uuid.UUID]) -> dict:
        try:
            return await grid.assignments(ids)
        except SubgraphUnavailableError as down:
            # Without grid's answer we cannot know nothing is assigned: refuse, don't guess.
            raise down.refusal(
                "无法确认该组织未分配片区或楼栋", "cannot confirm nothing is assigned", "id"
            ) from None

    return assignments


@strawberry.type
class OrganizationMutations:
    @strawberry.mutation(
        permission_classes=[OrgWriter],
        description="Create an organization (plan 二 placement rules apply).",
    )
    async def create_organization(
        self, info: Info, input: CreateOrganizationInput
    ) -> OrganizationPayload:
        async def write(conn: AsyncConnection) -> dict:
            new = changes.NewOrganization(
                community_code=input.community_code,
                name=input.name,
                kind=input.kind.value,
                parent_id=parse_id(input.parent_id, "parentId") if input.parent_id else None,
                units=[u.value for u in input.units],
            )
            return await changes.create(conn, new=new)

        return _payload(*await run_write(info.context.engine, write, changes.CONSTRAINT_ERRORS))

    @strawberry.mutation(
        permission_classes=[OrgWriter],
        description="Rename, or change the units of, an organization.",
    )
    async def update_organization(
        self,
        info: Info,
        id: strawberry.ID,
        input: UpdateOrganizationInput,
        expected_version: int | None = None,
    ) -> OrganizationPayload:
        async def write(conn: AsyncConnection) -> dict:
            return await changes.rename(
                conn,
                organization_id=parse_id(id, "id"),
                name=input.name,
                units=[u.value for u in input.units] if input.units is not None else None,
                expected_version=expected_version,
            )

        return _payload(*await run_write(info.context.engine, write))

    @strawberry.mutation(
        permission_classes=[OrgWriter],
        description="Move an organization under another of its community.",
    )
    async def move_organization(
        self,
        info: Info,
        id: strawberry.ID,
        new_parent_id: strawberry.ID,
        expected_version: int | None = None,
    ) -> OrganizationPayload:
        async def write(conn: AsyncConnection) -> dict:
            return await changes.move(
                conn,
                organization_id=parse_id(id, "id"),
                new_parent_id=parse_id(new_parent_id, "newParentId"),
                expected_version=expected_version,
            )

        return _payload(*await run_write(info.context.engine, write))

    @strawberry.mutation(
        permission_classes=[OrgWriter],
        description="Dissolve an organization; refused while it has live children, members, "
        "or zones and buildings grid assigns to it (they are named).",
    )
    async def dissolve_organization(
        self, info: Info, id: strawberry.ID, expected_version: int | None = None
    ) -> OrganizationPayload:
        async def write(conn: AsyncConnection) -> dict:
            return await changes.dissolve(
                conn,
                organization_id=parse_id(id, "id"),
                expected_version=expected_version,
                assignments_of=_assignments_of(info),
            )

        return _payload(*await run_write(info.context.engine, write))


@strawberry.type
class OrganizationQueries:
    @strawberry.field(
        description="Organizations under a region (a district, street or community), paged; "
        "walk `children` for the tree. `nameContains`: only those whose name contains it."
    )
    async def organizations(  # noqa: PLR0913 -- the field's GraphQL arguments (the schema fixes them)
        self,
        info: Info,
        region_code: str,
        kind: OrganizationKind | None = None,
        include_dissolved: bool = False,
        name_contains: str | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> Connection[PartyOrganization]:
        scoped = scoped_region(info, region_code)
        async with info.context.engine.connect() as conn:
            under = await regions.communities_under(conn, scoped) if scoped else []
            codes = [r["code"] for r in under]
            query = party_organization.select().where(
                party_organization.c.community_code.in_(codes)
            )
            if kind is not None:
                query = query.where(party_organization.c.kind == kind.value)
            if not include_dissolved:
                query = query.where(party_organization.c.dissolved_at.is_(None))
            # The one text rule (a NUL is INVALID, not a database error); LIKE wildcards
            # are taken literally, as members' nameContains.
            name = clean_text(name_contains, "nameContains", MAX_NAME, what_zh="名称")
            if name:
                query = query.where(party_organization.c.name.contains(name, autoescape=True))
            page = await fetch_page(
                conn,
                query,
                keys=[party_organization.c.community_code, party_organization.c.id],
                first=first,
                after=after,
            )
        return connection(page, PartyOrganization.from_row)


QUERY_TYPES = (OrganizationQueries,)
MUTATION_TYPES = (OrganizationMutations,)
TYPES: tuple[type, ...] = ()
