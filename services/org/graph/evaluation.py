"""GraphQL of 双争 excellent-member evaluation (plan 三、五): the Evaluation type, its list
by region, and the steps nominate → publicize → decide → feed back."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import Enum
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import caller
from services.common.errors import UserError, run_write
from services.common.pagination import Connection, connection
from services.org import evaluation
from services.org.context import Info
from services.org.graph.access import OrgWriter, scoped_region
from services.org.graph.core import Member, parse_uuid, uuid_key
from services.org.lookups import parse_id
from services.org.regions import tree as regions


@strawberry.enum(description="The two 争 of 双争 (plan 三、五).")
class EvaluationTitle(Enum):
    MANAGEMENT_VANGUARD = "management_vanguard"  # 争当社区管理先锋
    SERVICE_MODEL = "service_model"  # 争做服务群众模范


@strawberry.enum(description="Where an evaluation stands: nominated → publicized → decided.")
class EvaluationStage(Enum):
    NOMINATED = "nominated"  # 已提名
    PUBLICIZED = "publicized"  # 公示中
    CHOSEN = "chosen"  # 评为优秀
    NOT_CHOSEN = "not_chosen"  # 未评上


@strawberry.type(description="Feedback to the Party organization of the member's own unit.")
class EvaluationFeedback:
    id: strawberry.ID
    unit_name: str = strawberry.field(description="The member's own unit (所在单位).")
    unit_party_organization: str = strawberry.field(description="That unit's Party organization.")
    sent_on: dt.date
    content: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> EvaluationFeedback:
        return cls(
            id=strawberry.ID(str(row["id"])),
            unit_name=row["unit_name"],
            unit_party_organization=row["unit_party_organization"],
            sent_on=row["sent_on"],
            content=row["content"],
        )


@strawberry.type(description="A 双争 excellent-member evaluation of one member, title and year.")
class Evaluation:
    id: strawberry.ID
    year: int
    title: EvaluationTitle
    stage: EvaluationStage
    nominated_on: dt.date
    nominated_by: str
    reason: str
    publicized_from: dt.date | None = strawberry.field(description="公示 starts.")
    publicized_until: dt.date | None = strawberry.field(description="公示 ends (inclusive).")
    decided_on: dt.date | None
    member_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Evaluation:
        return cls(
            id=strawberry.ID(str(row["id"])),
            year=row["year"],
            title=EvaluationTitle(row["title"]),
            stage=EvaluationStage(row["stage"]),
            nominated_on=row["nominated_on"],
            nominated_by=row["nominated_by"],
            reason=row["reason"],
            publicized_from=row["publicized_from"],
            publicized_until=row["publicized_until"],
            decided_on=row["decided_on"],
            member_id=row["member_id"],
        )

    @strawberry.field
    async def member(self, info: Info) -> Member:
        row = await info.context.loaders.member.load(self.member_id)
        assert row is not None, self.member_id  # members are never deleted, only leave
        return Member.from_row(row, caller(info))

    @strawberry.field(description="Feedback sent to the member's own unit, oldest first.")
    async def feedback(self, info: Info) -> list[EvaluationFeedback]:
        rows = await info.context.loaders.feedback_of_evaluation.load(uuid_key(self.id))
        return [EvaluationFeedback.from_row(row) for row in rows]


@strawberry.type(description="A page of evaluations.")
class EvaluationConnection(Connection[Evaluation]):
    """Named so the schema shows one clear type."""


@strawberry.type
class EvaluationPayload:
    evaluation: Evaluation | None
    errors: list[UserError]


@strawberry.type
class EvaluationFeedbackPayload:
    feedback: EvaluationFeedback | None
    errors: list[UserError]


@strawberry.type
class EvaluationQueries:
    @strawberry.field(description="An evaluation by id.")
    async def evaluation(self, info: Info, id: strawberry.ID) -> Evaluation | None:
        key = parse_uuid(id)
        row = await info.context.loaders.evaluation.load(key) if key else None
        if row is None or not caller(info).covers(row["community_code"]):
            return None
        return Evaluation.from_row(row)

    @strawberry.field(
        description="Evaluations in the communities under a district, street or community, "
        "ordered by year, community and id."
    )
    async def evaluations(  # noqa: PLR0913 -- the field's GraphQL arguments (the schema fixes them)
        self,
        info: Info,
        region_code: str,
        year: int | None = None,
        stage: EvaluationStage | None = None,
        title: EvaluationTitle | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> EvaluationConnection:
        async with info.context.engine.connect() as conn:
            scoped = scoped_region(info, region_code)
            under = await regions.communities_under(conn, scoped) if scoped else []
            codes = [r["code"] for r in under]
            page = await evaluation.list_evaluations(
                conn,
                evaluation.EvaluationFilter(
                    community_codes=codes,
                    year=year,
                    stage=stage.value if stage else None,
                    title=title.value if title else None,
                ),
                first=first,
                after=after,
            )
        return connection(page, Evaluation.from_row, EvaluationConnection)


async def _write(info: Info, write: Any) -> EvaluationPayload:
    row, errors = await run_write(info.context.engine, write, evaluation.CONSTRAINT_ERRORS)
    return EvaluationPayload(evaluation=Evaluation.from_row(row) if row else None, errors=errors)


@strawberry.type
class EvaluationMutations:
    @strawberry.mutation(
        permission_classes=[OrgWriter], description="Nominate a member for a 双争 title of a year."
    )
    async def nominate_excellent_member(  # noqa: PLR0913 -- the field's GraphQL arguments (the schema fixes them)
        self,
        info: Info,
        member_id: strawberry.ID,
        year: int,
        title: EvaluationTitle,
        nominated_by: str,
        nominated_on: dt.date,
        reason: str = "",
    ) -> EvaluationPayload:
        async def write(conn: AsyncConnection) -> dict:
            return await evaluation.nominate(
                conn,
                member_id=parse_id(member_id, "memberId"),
                year=year,
                title=title.value,
                nominated_by=nominated_by,
                reason=reason,
                nominated_on=nominated_on,
            )

        return await _write(info, write)

    @strawberry.mutation(
        permission_classes=[OrgWriter],
        description="Publicize a nomination in the community (公示) for a period; the period "
        "may still be running (its end may be after today).",
    )
    async def publicize_evaluation(
        self,
        info: Info,
        id: strawberry.ID,
        from_: Annotated[dt.date, strawberry.argument(name="from")],
        until: dt.date,
    ) -> EvaluationPayload:
        async def write(conn: AsyncConnection) -> dict:
            return await evaluation.publicize(
                conn,
                evaluation_id=parse_id(id, "id"),
                publicized_from=from_,
                publicized_until=until,
            )

        return await _write(info, write)

    @strawberry.mutation(
        permission_classes=[OrgWriter],
        description="Choose the member, or not, after the publicity period.",
    )
    async def decide_evaluation(
        self, info: Info, id: strawberry.ID, chosen: bool, decided_on: dt.date
    ) -> EvaluationPayload:
        async def write(conn: AsyncConnection) -> dict:
            return await evaluation.decide(
                conn, evaluation_id=parse_id(id, "id"), chosen=chosen, decided_on=decided_on
            )

        return await _write(info, write)

    @strawberry.mutation(
        permission_classes=[OrgWriter],
        description="Record feedback on a chosen member to their own unit's Party organization "
        "(反馈党员所在单位党组织). The unit defaults from the member: the employer for "
        "non-self-managed and jointly managed members (its organization from a resident unit "
        "of that name, else give it), the community's own organization for self-managed ones.",
    )
    async def record_evaluation_feedback(
        self,
        info: Info,
        id: strawberry.ID,
        sent_on: dt.date,
        content: str,
        unit_name: str | None = None,
        unit_party_organization: str | None = None,
    ) -> EvaluationFeedbackPayload:
        async def write(conn: AsyncConnection) -> dict:
            return await evaluation.record_feedback(
                conn,
                evaluation_id=parse_id(id, "id"),
                sent_on=sent_on,
                content=content,
                unit_name=unit_name,
                unit_party_organization=unit_party_organization,
            )

        row, errors = await run_write(info.context.engine, write, evaluation.CONSTRAINT_ERRORS)
        return EvaluationFeedbackPayload(
            feedback=EvaluationFeedback.from_row(row) if row else None, errors=errors
        )


QUERY_TYPES = (EvaluationQueries,)
MUTATION_TYPES = (EvaluationMutations,)
TYPES: tuple[type, ...] = ()
