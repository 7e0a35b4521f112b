"""七一 commendation lists in the graph (DOMAIN "Commendations"): the district drafts its list
of a year from confirmed five-goods, awarded stars and chosen 双争, street offices nominate
members (big-committee part-time members and jointly managed members too), the district
removes entries and publishes (locks) the list. Readers see the entries in their scope.

Roles and reads of the graph are those of services/assess/commendations/graph/stars.py.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection

from services.assess.commendations import evaluation as domain
from services.assess.commendations import facts, lists
from services.assess.commendations.context import Info
from services.assess.commendations.graph.stars import (
    DISTRICT_WRITERS,
    READERS,
    STREET_WRITERS,
    guarded,
    region_or_refuse,
)
from services.assess.shared import dates
from services.assess.shared.document_owners import district_of
from services.assess.shared.graph import parse_id
from services.common.auth import caller, require_role, require_scope
from services.common.errors import DomainError, UserError, UserErrorCode, run_write


@strawberry.enum(description="Who a 七一 commendation honours (DOMAIN Commendations).")
class CommendationCategory(Enum):
    FIVE_GOOD_ORGANIZATION = "five_good_organization"  # “五好”社区党组织
    EXCELLENT_PARTY_WORKER = "excellent_party_worker"  # 优秀党务工作者
    EXCELLENT_MEMBER = "excellent_member"  # 优秀共产党员


@strawberry.enum(description="A 七一 list is a draft until the district publishes (locks) it.")
class CommendationListState(Enum):
    DRAFT = "draft"
    PUBLISHED = "published"


@strawberry.type(description="A criterion an entry meets.")
class CommendationBasis:
    code: str
    text: str = strawberry.field(description="Chinese.")
    text_en: str


@strawberry.type(description="Who is commended, where, as what, and why.")
class CommendationEntry:
    id: strawberry.ID
    category: CommendationCategory
    subject_id: strawberry.ID = strawberry.field(description="A Member or PartyOrganization id.")
    name: str
    community_code: str
    management: str | None = strawberry.field(
        description="self, non_self or joint for a member (自管/非自管/联管); null otherwise."
    )
    part_time_member: bool = strawberry.field(description="A big-committee 兼职委员.")
    source: str = strawberry.field(description="five_good, star_rating, evaluation, nomination.")
    basis: list[CommendationBasis]
    reason: str
    added_by: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CommendationEntry:
        return cls(
            id=strawberry.ID(str(row["id"])), category=CommendationCategory(row["category"]),
            subject_id=strawberry.ID(str(row["subject_id"])), name=row["subject_name"],
            community_code=row["community_code"], management=row["management"],
            part_time_member=row["part_time_member"], source=row["source"],
            basis=[CommendationBasis(code=b["code"], text=b["zh"], text_en=b["en"])
                   for b in row["basis"]],
            reason=row["reason"], added_by=row["added_by"],
        )  # fmt: skip


@strawberry.type(description="A district's 七一 commendation list of a year.")
class CommendationList:
    id: strawberry.ID
    district_code: str
    year: int
    state: CommendationListState
    criteria_id: str
    drafted_at: dt.datetime
    published_by: str | None
    published_at: dt.datetime | None
    entries: list[CommendationEntry] = strawberry.field(
        description="Entries in the caller's scope, by category, community and name."
    )


async def _list(info: Info, row: dict[str, Any]) -> CommendationList:
    async with info.context.engine.connect() as conn:
        entries = await lists.entries_of(conn, row["id"], caller(info).region)
    return CommendationList(
        id=strawberry.ID(str(row["id"])), district_code=row["district_code"], year=row["year"],
        state=CommendationListState(row["state"]), criteria_id=row["criteria_id"],
        drafted_at=row["drafted_at"], published_by=row["published_by"],
        published_at=row["published_at"],
        entries=[CommendationEntry.from_row(e) for e in entries],
    )  # fmt: skip


# -- reads ----------------------------------------------------------------------------------


@strawberry.type
class CommendationListQueries:
    @strawberry.field(
        description="The 七一 commendation list of the district a region lies in, for a year; "
        "only entries in the caller's scope."
    )
    async def commendation_list(
        self, info: Info, region_code: str, year: int
    ) -> CommendationList | None:
        region_or_refuse(region_code)
        identity = caller(info)
        require_role(identity, READERS, what_zh="查看评选表彰", what_en="read commendations")
        if identity.narrow(region_code) is None:
            return None
        async with info.context.engine.connect() as conn:
            row = await lists.list_row(conn, region_code[:6], year)
        return await _list(info, row) if row else None


# -- writes ---------------------------------------------------------------------------------


@strawberry.type
class CommendationListPayload:
    commendation_list: CommendationList | None
    errors: list[UserError]


@strawberry.type
class CommendationEntryPayload:
    entry: CommendationEntry | None
    errors: list[UserError]


@strawberry.type
class CommendationListMutations:
    @strawberry.mutation(
        description="七一: the district makes or refreshes its draft list of a year from "
        "confirmed five-goods, awarded stars and chosen 双争; street nominations stay."
    )
    async def draft_commendation_list(
        self, info: Info, region_code: str, year: int
    ) -> CommendationListPayload:
        identity = caller(info)
        require_role(
            identity,
            DISTRICT_WRITERS,
            what_zh="拟定“七一”表彰名单",
            what_en="draft the July-1 list",
        )
        region_or_refuse(region_code)
        district = region_code[:6]
        require_scope(identity, district)
        today = dates.today()

        async def prepare() -> tuple[domain.Criteria, list[str], list[dict]]:
            dates.check_year(year, today)
            async with info.context.engine.begin() as conn:
                crit = await domain.criteria(conn, None, district=district)
            org = info.context.peers.org
            found = await org.query(
                "query ($r: String!) { communities(regionCode: $r) { code } }", {"r": district}
            )
            chosen = await facts.chosen_evaluations(org, district, [year - 2, year - 1, year])
            return crit, [c["code"] for c in found["communities"]], chosen

        prepared, errors = await guarded(info, prepare)
        if prepared is None:
            return CommendationListPayload(commendation_list=None, errors=errors)
        crit, codes, chosen = prepared

        async def write(conn: AsyncConnection) -> dict:
            return await lists.redraft(conn, crit, district=district, year=year,
                                       communities=codes, chosen=chosen, by=identity.subject,
                                       today=today)  # fmt: skip

        row, errors = await run_write(info.context.engine, write)
        return CommendationListPayload(
            commendation_list=await _list(info, row) if row else None, errors=errors
        )

    @strawberry.mutation(
        description="七一: the street office puts a member of its communities on the draft list "
        "(e.g. a big-committee part-time member or a jointly managed member), with a reason."
    )
    async def nominate_for_commendation(
        self, info: Info, year: int, member_id: strawberry.ID, category: CommendationCategory,
        reason: str,
    ) -> CommendationEntryPayload:  # fmt: skip
        identity = caller(info)
        require_role(
            identity,
            STREET_WRITERS,
            what_zh="提名“七一”表彰",
            what_en="nominate for the July-1 list",
        )
        today = dates.today()

        async def prepare() -> tuple[domain.Criteria, dict]:
            dates.check_year(year, today)
            key = parse_id(member_id)
            member = await facts.read_member(info.context.peers.org, str(key)) if key else None
            if member is None:
                raise DomainError(UserErrorCode.NOT_FOUND, f"未找到党员：{member_id}",
                                  f"No member {member_id}", ["memberId"])  # fmt: skip
            require_scope(identity, member["community"]["code"])
            async with info.context.engine.begin() as conn:
                district = district_of(member["community"]["code"])
                return await domain.criteria(conn, None, district=district), member

        prepared, errors = await guarded(info, prepare)
        if prepared is None:
            return CommendationEntryPayload(entry=None, errors=errors)
        crit, member = prepared

        async def write(conn: AsyncConnection) -> dict:
            return await lists.nominate(conn, crit, year=year, member=member,
                                        category=category.value, reason=reason,
                                        by=identity.subject, today=today)  # fmt: skip

        row, errors = await run_write(info.context.engine, write)
        return CommendationEntryPayload(
            entry=CommendationEntry.from_row(row) if row else None, errors=errors
        )

    @strawberry.mutation(description="七一: the district takes an entry off its draft list.")
    async def remove_commendation_entry(
        self, info: Info, entry_id: strawberry.ID
    ) -> CommendationListPayload:
        identity = caller(info)
        require_role(
            identity, DISTRICT_WRITERS, what_zh="修改“七一”表彰名单", what_en="edit the July-1 list"
        )

        async def write(conn: AsyncConnection) -> dict:
            key = parse_id(entry_id) or uuid.UUID(int=0)
            _entry, listed = await lists.entry_or_refuse(conn, key)
            require_scope(identity, listed["district_code"])
            return await lists.remove(conn, key)

        row, errors = await run_write(info.context.engine, write)
        return CommendationListPayload(
            commendation_list=await _list(info, row) if row else None, errors=errors
        )

    @strawberry.mutation(description="七一: the district publishes its list; it is then locked.")
    async def publish_commendation_list(
        self, info: Info, region_code: str, year: int
    ) -> CommendationListPayload:
        identity = caller(info)
        require_role(
            identity,
            DISTRICT_WRITERS,
            what_zh="公布“七一”表彰名单",
            what_en="publish the July-1 list",
        )
        region_or_refuse(region_code)
        require_scope(identity, region_code[:6])

        async def write(conn: AsyncConnection) -> dict:
            return await lists.publish(conn, district=region_code[:6], year=year,
                                       by=identity.subject, today=dates.today())  # fmt: skip

        row, errors = await run_write(info.context.engine, write)
        return CommendationListPayload(
            commendation_list=await _list(info, row) if row else None, errors=errors
        )


QUERY_TYPES = (CommendationListQueries,)
MUTATION_TYPES = (CommendationListMutations,)
TYPES: list[type] = []
