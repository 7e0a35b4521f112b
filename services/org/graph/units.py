"""GraphQL of the regional pattern (plan 三): resident units and their agreements, the big
committee's part-time members, and volunteer teams."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import caller, is_region_code
from services.common.errors import UserError, run_write
from services.common.pagination import connection, fetch_page
from services.org import units
from services.org.context import Info
from services.org.graph.access import OrgWriter
from services.org.graph.core import (
    CommitteeSeat,
    Community,
    Member,
    MemberConnection,
    PartyOrganization,
    parse_uuid,
    uuid_key,
)
from services.org.graph.member_changes import CommitteeSeatPayload
from services.org.lookups import parse_id
from services.org.models import member


@strawberry.type(description="A co-building agreement (共建协议) with the community.")
class Agreement:
    signed_on: dt.date
    summary: str


@strawberry.type(description="A unit located in the community (驻社区单位).")
class ResidentUnit:
    id: strawberry.ID
    name: str
    address: str
    party_organization_name: str | None = strawberry.field(
        description="The unit's own Party organization."
    )
    community_code: strawberry.Private[str]
    row: strawberry.Private[dict[str, Any]]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ResidentUnit:
        return cls(
            id=strawberry.ID(str(row["id"])),
            name=row["name"],
            address=row["address"],
            party_organization_name=row["party_organization_name"],
            community_code=row["community_code"],
            row=row,
        )

    @strawberry.field(description="Its co-building agreement, null when none is signed.")
    def agreement(self) -> Agreement | None:
        if self.row["agreement_signed_on"] is None:
            return None
        return Agreement(
            signed_on=self.row["agreement_signed_on"],
            summary=self.row["agreement_summary"] or "",
        )

    @strawberry.field
    def community(self) -> Community:
        return Community(code=self.community_code)

    @strawberry.field(description="Current big-committee part-time members (兼职委员) from it.")
    async def part_time_members(self, info: Info) -> list[CommitteeSeat]:
        rows = await info.context.loaders.parttime_seats_of_unit.load(uuid_key(self.id))
        return [CommitteeSeat.from_row(row) for row in rows]


@strawberry.type(description="Current members of a team by management type (plan 三).")
class ManagementMix:
    self_managed: int = strawberry.field(name="self", description="自管党员.")
    non_self: int = strawberry.field(description="非自管党员.")
    joint: int = strawberry.field(description="联管党员.")

    @strawberry.field(description="All three kinds are in it: the plan's joint team (联合组建).")
    def is_joint(self) -> bool:
        return bool(self.self_managed and self.non_self and self.joint)


@strawberry.type(description="A Party-member volunteer service team (党员志愿者服务队).")
class VolunteerTeam:
    id: strawberry.ID
    name: str
    founded_on: dt.date | None
    community_code: strawberry.Private[str]
    organization_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> VolunteerTeam:
        return cls(
            id=strawberry.ID(str(row["id"])),
            name=row["name"],
            founded_on=row["founded_on"],
            community_code=row["community_code"],
            organization_id=row["organization_id"],
        )

    @strawberry.field
    def community(self) -> Community:
        return Community(code=self.community_code)

    @strawberry.field(description="The organization leading it, if any.")
    async def organization(self, info: Info) -> PartyOrganization | None:
        if self.organization_id is None:
            return None
        row = await info.context.loaders.organization.load(self.organization_id)
        return PartyOrganization.from_row(row) if row else None

    @strawberry.field(description="Its members who have not left, by name, paged.")
    async def members(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> MemberConnection:
        async with info.context.engine.connect() as conn:
            page = await fetch_page(
                conn,
                units.team_members_query(parse_uuid(self.id) or uuid.UUID(int=0)),
                keys=[member.c.name, member.c.id],
                first=first,
                after=after,
            )
        return connection(page, lambda row: Member.from_row(row, caller(info)), MemberConnection)

    @strawberry.field(description="How many of its members are self, non-self and jointly managed.")
    async def management_mix(self, info: Info) -> ManagementMix:
        mix = await info.context.loaders.team_management_mix.load(uuid_key(self.id))
        return ManagementMix(self_managed=mix["self"], non_self=mix["non_self"], joint=mix["joint"])


@strawberry.type
class ResidentUnitPayload:
    resident_unit: ResidentUnit | None
    errors: list[UserError]


@strawberry.type
class VolunteerTeamPayload:
    volunteer_team: VolunteerTeam | None
    errors: list[UserError]


@strawberry.input(description="A unit located in the community (驻社区单位).")
class RegisterResidentUnitInput:
    community_code: str
    name: str
    address: str = ""
    party_organization_name: str | None = None


@strawberry.input(description="Changes to a resident unit; omitted fields stay.")
class UpdateResidentUnitInput:
    name: str | None = None
    address: str | None = None
    party_organization_name: str | None = strawberry.field(
        default=None, description="An empty string clears it."
    )


@strawberry.type
class UnitQueries:
    @strawberry.field(description="A community's resident units (驻社区单位), by name.")
    async def resident_units(self, info: Info, community_code: str) -> list[ResidentUnit]:
        if is_region_code(community_code) and not caller(info).covers(community_code):
            return []
        async with info.context.engine.connect() as conn:
            rows = await units.list_resident_units(conn, community_code=community_code)
        return [ResidentUnit.from_row(row) for row in rows]

    @strawberry.field(description="A community's volunteer service teams, by name.")
    async def volunteer_teams(self, info: Info, community_code: str) -> list[VolunteerTeam]:
        if is_region_code(community_code) and not caller(info).covers(community_code):
            return []
        async with info.context.engine.connect() as conn:
            rows = await units.list_teams(conn, community_code=community_code)
        return [VolunteerTeam.from_row(row) for row in rows]


async def _write(info: Info, write: Any) -> tuple[Any, list[UserError]]:
    return await run_write(info.context.engine, write, units.CONSTRAINT_ERRORS)


def _unit(result: tuple[dict | None, list[UserError]]) -> ResidentUnitPayload:
    row, errors = result
    return ResidentUnitPayload(
        resident_unit=ResidentUnit.from_row(row) if row else None, errors=errors
    )


def _team(result: tuple[dict | None, list[UserError]]) -> VolunteerTeamPayload:
    row, errors = result
    return VolunteerTeamPayload(
        volunteer_team=VolunteerTeam.from_row(row) if row else None, errors=errors
    )


def _seat(result: tuple[dict | None, list[UserError]]) -> CommitteeSeatPayload:
    row, errors = result
    return CommitteeSeatPayload(seat=CommitteeSeat.from_row(row) if row else None, errors=errors)


@strawberry.type
class UnitMutations:
    @strawberry.mutation(
        permission_classes=[OrgWriter], description="Register a resident unit (驻社区单位)."
    )
    async def register_resident_unit(
        self, info: Info, input: RegisterResidentUnitInput
    ) -> ResidentUnitPayload:
        async def write(conn: AsyncConnection) -> dict:
            return await units.register_unit(
                conn,
                community_code=input.community_code,
                name=input.name,
                address=input.address,
                party_organization_name=input.party_organization_name,
            )

        return _unit(await _write(info, write))

    @strawberry.mutation(
        permission_classes=[OrgWriter],
        description="Change a resident unit's name, address or organization.",
    )
    async def update_resident_unit(
        self, info: Info, id: strawberry.ID, input: UpdateResidentUnitInput
    ) -> ResidentUnitPayload:
        async def write(conn: AsyncConnection) -> dict:
            return await units.update_unit(
                conn,
                unit_id=parse_id(id, "id"),
                name=input.name,
                address=input.address,
                party_organization_name=input.party_organization_name,
            )

        return _unit(await _write(info, write))

    @strawberry.mutation(
        permission_classes=[OrgWriter],
        description="Record the co-building agreement (签订协议) with a unit.",
    )
    async def sign_agreement(
        self, info: Info, id: strawberry.ID, signed_on: dt.date, summary: str
    ) -> ResidentUnitPayload:
        async def write(conn: AsyncConnection) -> dict:
            return await units.sign_agreement(
                conn, unit_id=parse_id(id, "id"), signed_on=signed_on, summary=summary
            )

        return _unit(await _write(info, write))

    @strawberry.mutation(
        permission_classes=[OrgWriter],
        description="Seat a big-committee part-time member (大党委兼职委员) on the community "
        "organization's committee: a resident unit's Party head or a non-self-managed member.",
    )
    async def add_part_time_member(
        self,
        info: Info,
        organization_id: strawberry.ID,
        member_id: strawberry.ID,
        term_start: dt.date,
        resident_unit_id: strawberry.ID | None = None,
    ) -> CommitteeSeatPayload:
        async def write(conn: AsyncConnection) -> dict:
            return await units.add_parttime_member(
                conn,
                organization_id=parse_id(organization_id, "organizationId"),
                member_id=parse_id(member_id, "memberId"),
                resident_unit_id=(
                    parse_id(resident_unit_id, "residentUnitId") if resident_unit_id else None
                ),
                term_start=term_start,
            )

        return _seat(await _write(info, write))

    @strawberry.mutation(
        permission_classes=[OrgWriter],
        description="End a part-time member's seat (kept as history).",
    )
    async def end_part_time_member(
        self, info: Info, seat_id: strawberry.ID, ended_on: dt.date
    ) -> CommitteeSeatPayload:
        async def write(conn: AsyncConnection) -> dict:
            return await units.end_parttime_member(
                conn, seat_id=parse_id(seat_id, "seatId"), ended_on=ended_on
            )

        return _seat(await _write(info, write))

    @strawberry.mutation(
        permission_classes=[OrgWriter], description="Found a Party-member volunteer service team."
    )
    async def create_volunteer_team(
        self,
        info: Info,
        community_code: str,
        name: str,
        organization_id: strawberry.ID | None = None,
        founded_on: dt.date | None = None,
    ) -> VolunteerTeamPayload:
        async def write(conn: AsyncConnection) -> dict:
            return await units.create_team(
                conn,
                community_code=community_code,
                name=name,
                organization_id=(
                    parse_id(organization_id, "organizationId") if organization_id else None
                ),
                founded_on=founded_on,
            )

        return _team(await _write(info, write))

    @strawberry.mutation(
        permission_classes=[OrgWriter],
        description="Add a member of the team's community to a volunteer team.",
    )
    async def add_volunteer(
        self,
        info: Info,
        team_id: strawberry.ID,
        member_id: strawberry.ID,
        joined_on: dt.date | None = None,
    ) -> VolunteerTeamPayload:
        async def write(conn: AsyncConnection) -> dict:
            return await units.add_volunteer(
                conn,
                team_id=parse_id(team_id, "teamId"),
                member_id=parse_id(member_id, "memberId"),
                joined_on=joined_on,
            )

        return _team(await _write(info, write))

    @strawberry.mutation(
        permission_classes=[OrgWriter], description="Take a member off a volunteer team."
    )
    async def remove_volunteer(
        self, info: Info, team_id: strawberry.ID, member_id: strawberry.ID
    ) -> VolunteerTeamPayload:
        async def write(conn: AsyncConnection) -> dict:
            return await units.remove_volunteer(
                conn, team_id=parse_id(team_id, "teamId"), member_id=parse_id(member_id, "memberId")
            )

        return _team(await _write(info, write))


QUERY_TYPES = (UnitQueries,)
MUTATION_TYPES = (UnitMutations,)
TYPES: tuple[type, ...] = ()
