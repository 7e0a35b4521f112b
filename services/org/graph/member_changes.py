"""GraphQL mutations a community secretary uses to keep members, committees, posts, helpers."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import current_identity
from services.common.errors import DomainError, UserError, UserErrorCode, run_write
from services.common.subgraph_client import SubgraphUnavailableError
from services.org import committees, member_records, posts
from services.org.context import Info
from services.org.graph.access import OrgWriter
from services.org.graph.core import CategoryCare, CommitteeSeat, Member, Post
from services.org.graph.enums import (
    CommitteeRole,
    Education,
    Management,
    PostKind,
    ReportingStatus,
    SpecialCategory,
)
from services.org.lookups import parse_id


@strawberry.type
class MemberPayload:
    member: Member | None
    errors: list[UserError]


@strawberry.type
class CommitteeSeatPayload:
    seat: CommitteeSeat | None
    errors: list[UserError]


@strawberry.type
class PostPayload:
    post: Post | None
    errors: list[UserError]


@strawberry.type
class CategoryPayload:
    category: CategoryCare | None
    errors: list[UserError]


@strawberry.type
class DonePayload:
    ok: bool
    errors: list[UserError]


@strawberry.input(description="A new member's record.")
class RegisterMemberInput:
    community_code: str
    name: str
    gender: str
    birth_date: dt.date
    education: Education
    joined_on: dt.date
    management: Management
    is_probationary: bool = False
    organization_id: strawberry.ID | None = None
    home_building_id: strawberry.ID | None = None
    employer_unit: str | None = None
    phone: str | None = None
    is_able: bool = True
    is_sent_down_cadre: bool = False


@strawberry.input(description="Changes to a member's record; omitted fields stay.")
class UpdateMemberInput:
    name: str | None = None
    education: Education | None = None
    is_probationary: bool | None = None
    management: Management | None = None
    organization_id: strawberry.ID | None = None
    home_building_id: strawberry.ID | None = None
    employer_unit: str | None = None
    phone: str | None = None
    is_able: bool | None = None
    is_sent_down_cadre: bool | None = None


def _building_check(info: Info) -> member_records.BuildingCheck:
    """Refuse a home building grid does not know in the member's community."""
    grid = info.context.grid

    async def check(building_id: uuid.UUID, community_code: str) -> None:
        try:
            known = await grid.building_communities([building_id])
        except SubgraphUnavailableError as down:
            raise down.refusal(
                "无法核实楼栋", "cannot check the building", ["input", "homeBuildingId"]
            ) from None
        if known.get(building_id) != community_code:
            raise DomainError(
                UserErrorCode.NOT_FOUND,
                f"本社区没有该楼栋：{building_id}",
                f"No building {building_id} in community {community_code}",
                ["input", "homeBuildingId"],
            )

    return check


Write = Callable[[AsyncConnection], Awaitable[dict]]


async def _write(info: Info, write: Write, errors: dict | None = None) -> tuple[Any, list]:
    return await run_write(info.context.engine, write, errors)


def _member(result: tuple[dict | None, list[UserError]]) -> MemberPayload:
    row, errors = result
    return MemberPayload(
        member=Member.from_row(row, current_identity()) if row else None, errors=errors
    )


@strawberry.type
class MemberMutations:
    @strawberry.mutation(
        permission_classes=[OrgWriter],
        description="Register a member (self-managed, non-self-managed or joint).",
    )
    async def register_member(self, info: Info, input: RegisterMemberInput) -> MemberPayload:
        async def write(conn: AsyncConnection) -> dict:
            details = member_records.MemberDetails(
                community_code=input.community_code,
                name=input.name,
                gender=input.gender,
                birth_date=input.birth_date,
                education=input.education.value,
                joined_on=input.joined_on,
                is_probationary=input.is_probationary,
                management=input.management.value,
                organization_id=_opt_id(input.organization_id, "organizationId"),
                home_building_id=_opt_id(input.home_building_id, "homeBuildingId"),
                employer_unit=input.employer_unit,
                phone=input.phone,
                is_able=input.is_able,
                is_sent_down_cadre=input.is_sent_down_cadre,
            )
            return await member_records.register(
                conn, details=details, check_building=_building_check(info)
            )

        return _member(await _write(info, write))

    @strawberry.mutation(permission_classes=[OrgWriter], description="Change a member's record.")
    async def update_member(
        self,
        info: Info,
        id: strawberry.ID,
        input: UpdateMemberInput,
        expected_version: int | None = None,
    ) -> MemberPayload:
        async def write(conn: AsyncConnection) -> dict:
            changes = {
                name: _plain(value)
                for name, value in vars(input).items()
                if value is not None and not name.startswith("_")
            }
            for key, field in (
                ("organization_id", "organizationId"),
                ("home_building_id", "homeBuildingId"),
            ):
                if key in changes:
                    changes[key] = parse_id(changes[key], field)
            return await member_records.change(
                conn,
                member_id=parse_id(id, "id"),
                expected_version=expected_version,
                changes=changes,
                check_building=_building_check(info),
            )

        return _member(await _write(info, write))

    @strawberry.mutation(
        permission_classes=[OrgWriter],
        description="Record reporting in (党员报到) of a non-self-managed member.",
    )
    async def record_reporting_in(
        self,
        info: Info,
        member_id: strawberry.ID,
        reported_on: dt.date,
        unit: str,
        status: ReportingStatus = ReportingStatus.REPORTED,
    ) -> MemberPayload:
        async def write(conn: AsyncConnection) -> dict:
            return await member_records.record_reporting_in(
                conn,
                member_id=parse_id(member_id, "memberId"),
                reported_on=reported_on,
                unit=unit,
                status=status.value,
            )

        return _member(await _write(info, write))

    @strawberry.mutation(
        permission_classes=[OrgWriter], description="A member moved away, transferred out or died."
    )
    async def mark_member_left(
        self, info: Info, member_id: strawberry.ID, left_on: dt.date
    ) -> MemberPayload:
        async def write(conn: AsyncConnection) -> dict:
            return await member_records.mark_left(
                conn, member_id=parse_id(member_id, "memberId"), left_on=left_on
            )

        return _member(await _write(info, write))

    @strawberry.mutation(
        permission_classes=[OrgWriter],
        description="Seat a member on a committee (plan 二 hard rules apply).",
    )
    async def add_committee_member(
        self,
        info: Info,
        organization_id: strawberry.ID,
        member_id: strawberry.ID,
        role: CommitteeRole,
        term_start: dt.date | None = None,
        term_end: dt.date | None = None,
    ) -> CommitteeSeatPayload:
        async def write(conn: AsyncConnection) -> dict:
            return await committees.add_seat(
                conn,
                organization_id=parse_id(organization_id, "organizationId"),
                member_id=parse_id(member_id, "memberId"),
                role=role.value,
                term_start=term_start,
                term_end=term_end,
            )

        row, errors = await _write(info, write, committees.CONSTRAINT_ERRORS)
        return CommitteeSeatPayload(
            seat=CommitteeSeat.from_row(row) if row else None, errors=errors
        )

    @strawberry.mutation(
        permission_classes=[OrgWriter],
        description="Remove a member from a committee (kept as history).",
    )
    async def remove_committee_member(
        self, info: Info, seat_id: strawberry.ID, ended_on: dt.date
    ) -> CommitteeSeatPayload:
        async def write(conn: AsyncConnection) -> dict:
            return await committees.end_seat(
                conn, seat_id=parse_id(seat_id, "seatId"), ended_on=ended_on
            )

        row, errors = await _write(info, write)
        return CommitteeSeatPayload(
            seat=CommitteeSeat.from_row(row) if row else None, errors=errors
        )

    @strawberry.mutation(permission_classes=[OrgWriter], description="Claim a post (明岗定责).")
    async def claim_post(
        self,
        info: Info,
        member_id: strawberry.ID,
        kind: PostKind,
        title: str,
        claimed_on: dt.date,
        organization_id: strawberry.ID | None = None,
    ) -> PostPayload:
        async def write(conn: AsyncConnection) -> dict:
            return await posts.claim(
                conn,
                member_id=parse_id(member_id, "memberId"),
                kind=kind.value,
                title=title,
                claimed_on=claimed_on,
                organization_id=_opt_id(organization_id, "organizationId"),
            )

        row, errors = await _write(info, write)
        return PostPayload(post=Post.from_row(row) if row else None, errors=errors)

    @strawberry.mutation(permission_classes=[OrgWriter], description="Release a post.")
    async def release_post(
        self, info: Info, post_id: strawberry.ID, released_on: dt.date
    ) -> PostPayload:
        async def write(conn: AsyncConnection) -> dict:
            return await posts.release(
                conn, post_id=parse_id(post_id, "postId"), released_on=released_on
            )

        row, errors = await _write(info, write)
        return PostPayload(post=Post.from_row(row) if row else None, errors=errors)

    @strawberry.mutation(
        permission_classes=[OrgWriter],
        description="Record a special category (mobile, elderly/frail, hardship) and its helper: "
        "a member of the community or a contact.",
    )
    async def assign_helper(
        self,
        info: Info,
        member_id: strawberry.ID,
        category: SpecialCategory,
        helper_member_id: strawberry.ID | None = None,
        helper_contact: str | None = None,
        since: dt.date | None = None,
    ) -> CategoryPayload:
        async def write(conn: AsyncConnection) -> dict:
            return await posts.set_category(
                conn,
                member_id=parse_id(member_id, "memberId"),
                category=category.value,
                helper_member_id=_opt_id(helper_member_id, "helperMemberId"),
                helper_contact=helper_contact,
                since=since,
            )

        row, errors = await _write(info, write)
        # OrgWriter let the caller write this member's categories: a writer in scope may read
        # its personal data (ORG_WRITERS are PERSONAL_READERS).
        care = CategoryCare.from_row(row, personal=True) if row else None
        return CategoryPayload(category=care, errors=errors)

    @strawberry.mutation(
        permission_classes=[OrgWriter], description="Remove a special category record."
    )
    async def clear_member_category(
        self, info: Info, member_id: strawberry.ID, category: SpecialCategory
    ) -> DonePayload:
        async def write(conn: AsyncConnection) -> dict:
            await posts.clear_category(
                conn, member_id=parse_id(member_id, "memberId"), category=category.value
            )
            return {}

        result, errors = await _write(info, write)
        return DonePayload(ok=result is not None, errors=errors)


def _opt_id(value: strawberry.ID | None, field: str) -> uuid.UUID | None:
    return None if value is None else parse_id(value, field)


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") and not isinstance(value, str) else value


QUERY_TYPES: tuple[type, ...] = ()
MUTATION_TYPES = (MemberMutations,)
TYPES: tuple[type, ...] = ()
