"""Attested records and their evidence files in the graph.

Reads: a community's records (within the caller's scope), one record, one evidence file;
read by the assessment's readers (records.RECORD_READERS: not planners), else empty or null.
Writes (the community's secretary, its street office, the district): one mutation per kind
of record, `voidRecord` (records are never edited or deleted) and `attachEvidence`. Files
themselves go through HTTP (`POST /files/evidence` on the gateway), which answers with the
evidence id these mutations name.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.scalars import JSON

from services.assess.records import writes as records
from services.assess.records.context import Info
from services.assess.shared import dates
from services.assess.shared.community_check import (
    check_community_code,
    community_or_refuse,
    resident_unit_name,
)
from services.assess.shared.graph import parse_id
from services.common.auth import caller, require_role, require_write
from services.common.errors import DomainError, UserError, UserErrorCode, run_write
from services.common.pagination import EMPTY_PAGE, Connection, connection, fetch_page


@strawberry.enum(description="The kind of an attested record.")
class RecordKind(Enum):
    FUNDS = "funds"
    FUND_USE = "fund_use"
    FACILITY = "facility"
    WORK_RULE = "work_rule"
    TRAINING = "training"
    WORK_SYSTEM = "work_system"
    SITTING = "sitting"
    ACTIVITY = "activity"
    AGREEMENT = "agreement"


@strawberry.enum(description="The five facilities (有处议事).")
class FacilityKind(Enum):
    OFFICE = "office"  # 办公室
    MEETING_ROOM = "meeting_room"  # 会议室
    ACTIVITY_ROOM = "activity_room"  # 党员活动室
    DISCLOSURE_BOARD = "disclosure_board"  # 党务公开栏
    PUBLICITY_BOARD = "publicity_board"  # 党建宣传栏


@strawberry.enum(description="The five basic work systems (plan 四).")
class WorkSystem(Enum):
    DELIBERATION = "deliberation"  # 党员群众议事建言
    COLLECTIVE_DECISION = "collective_decision"  # 集体决策
    JOINT_MEETING = "joint_meeting"  # 社区组织联席会议
    BIG_COMMITTEE_CONSULTATION = "big_committee_consultation"  # 大党委会商共建
    DEMOCRATIC_EVALUATION = "democratic_evaluation"  # 社区事务民主评议


@strawberry.enum(description="Forms of training (集中培训、以会代训、观摩交流、个人自学).")
class TrainingForm(Enum):
    CENTRALIZED = "centralized"
    MEETING = "meeting"
    OBSERVATION = "observation"
    SELF_STUDY = "self_study"


@strawberry.enum(description="Kinds of activity (双创双争 and others).")
class ActivityKind(Enum):
    SHUANGCHUANG_SHUANGZHENG = "shuangchuang_shuangzheng"
    THEME_PARTY_DAY = "theme_party_day"
    VOLUNTEER_SERVICE = "volunteer_service"
    OTHER = "other"


@strawberry.type(description="An uploaded evidence file (佐证材料); its bytes are at `url`.")
class EvidenceFile:
    id: strawberry.ID
    community_code: str
    name: str = strawberry.field(description="Name shown; the file is served under our own.")
    media_type: str = strawberry.field(description="Detected from the content.")
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: dt.datetime
    url: str = strawberry.field(description="Path on the gateway to download it.")

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> EvidenceFile:
        return cls(
            id=strawberry.ID(str(row["id"])),
            community_code=row["community_code"],
            name=row["name"],
            media_type=row["media_type"],
            size=row["size"],
            sha256=row["sha256"],
            uploaded_by=row["uploaded_by"],
            uploaded_at=row["uploaded_at"],
            url=f"/files/evidence/{row['id']}",
        )


@strawberry.type(description="An attested record of a community; voided ones are kept.")
class AttestedRecord:
    id: strawberry.ID
    kind: RecordKind
    community_code: str
    occurred_on: dt.date = strawberry.field(
        description="Allocated, spent, since, adopted, held or signed on."
    )
    year: int = strawberry.field(description="The year it counts for (funds: the budget year).")
    subject: str | None = strawberry.field(
        description="Facility, work system, training form, activity kind or resident unit id."
    )
    amount: float | None = strawberry.field(description="Yuan (funds and fund uses).")
    funds_id: strawberry.ID | None = strawberry.field(description="A fund use's allocation.")
    details: JSON = strawberry.field(description="The kind's other fields, as recorded.")
    recorded_by: str
    recorded_at: dt.datetime
    voided_at: dt.datetime | None
    voided_by: str | None
    void_reason: str | None

    @strawberry.field
    def voided(self) -> bool:
        return self.voided_at is not None

    @strawberry.field(description="Its evidence files.")
    async def evidence(self, info: Info) -> list[EvidenceFile]:
        loaders = info.context.loaders
        ids = await loaders.record_evidence_ids.load(uuid.UUID(str(self.id)))
        rows = await loaders.evidence_file.load_many(ids)
        return [EvidenceFile.from_row(row) for row in rows if row]

    @strawberry.field(description="Funds: the live uses recorded against it.")
    async def uses(self, info: Info) -> list[AttestedRecord]:
        if self.kind != RecordKind.FUNDS:
            return []
        rows = await info.context.loaders.fund_uses.load(uuid.UUID(str(self.id)))
        return [AttestedRecord.from_row(row) for row in rows]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AttestedRecord:
        return cls(
            id=strawberry.ID(str(row["id"])),
            kind=RecordKind(row["kind"]),
            community_code=row["community_code"],
            occurred_on=row["occurred_on"],
            year=row["year"],
            subject=row["subject"],
            amount=float(row["amount"]) if row["amount"] is not None else None,
            funds_id=strawberry.ID(str(row["parent_id"])) if row["parent_id"] else None,
            details=row["details"],
            recorded_by=row["recorded_by"],
            recorded_at=row["recorded_at"],
            voided_at=row["voided_at"],
            voided_by=row["voided_by"],
            void_reason=row["void_reason"],
        )


@strawberry.type
class AttestedRecordConnection(Connection[AttestedRecord]):
    pass


@strawberry.type
class AttestedRecordPayload:
    record: AttestedRecord | None
    errors: list[UserError]


def _uuid(value: Any, path: list[str]) -> uuid.UUID:
    key = parse_id(value)
    if key is None:
        raise DomainError(
            UserErrorCode.INVALID, f"编号格式不正确：{value}", f"Malformed id {value}", path
        )
    return key


def _uuids(values: list[strawberry.ID] | None, path: list[str]) -> list[uuid.UUID]:
    return [_uuid(v, path) for v in values or []]


@strawberry.type
class RecordQueries:
    @strawberry.field(
        description="A community's attested records, oldest first (empty outside your scope)."
    )
    async def attested_records(  # noqa: PLR0913 -- the GraphQL field's arguments (the schema stays as it is)
        self,
        info: Info,
        community_code: str,
        kind: RecordKind | None = None,
        year: int | None = None,
        include_voided: bool = False,
        first: int | None = 50,
        after: str | None = None,
    ) -> AttestedRecordConnection:
        if not records.may_read(caller(info), community_code):
            return connection(EMPTY_PAGE, AttestedRecord.from_row, AttestedRecordConnection)
        query = records.records_query(
            community_code, kind.value if kind else None, year, include_voided
        )
        table = records.record
        async with info.context.engine.connect() as conn:
            page = await fetch_page(
                conn,
                query,
                keys=[table.c.occurred_on, table.c.id],
                first=first,
                after=after,
            )
        return connection(page, AttestedRecord.from_row, AttestedRecordConnection)

    @strawberry.field(description="An attested record by id (null outside your scope).")
    async def attested_record(self, info: Info, id: strawberry.ID) -> AttestedRecord | None:
        key = parse_id(id)
        if key is None:
            return None
        row = await info.context.loaders.attested_record.load(key)
        if row is None or not records.may_read(caller(info), row["community_code"]):
            return None
        return AttestedRecord.from_row(row)

    @strawberry.field(description="An evidence file's description (null outside your scope).")
    async def evidence_file(self, info: Info, id: strawberry.ID) -> EvidenceFile | None:
        key = parse_id(id)
        if key is None:
            return None
        row = await info.context.loaders.evidence_file.load(key)
        if row is None or not records.may_read(caller(info), row["community_code"]):
            return None
        return EvidenceFile.from_row(row)


# -- inputs --------------------------------------------------------------------------------


@strawberry.input(description="党建工作经费: an allocation for a budget year.")
class RecordFundsInput:
    community_code: str
    year: int = strawberry.field(description="The budget year it is for.")
    amount: float = strawberry.field(description="Yuan, >= 0.")
    source: str = strawberry.field(description="Where it comes from (e.g. 区财政).")
    allocated_on: dt.date
    evidence_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input(description="One use of an allocation (经费使用记录).")
class RecordFundUseInput:
    funds_id: strawberry.ID
    spent_on: dt.date
    purpose: str
    amount: float = strawberry.field(description="Yuan, >= 0.")
    evidence_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input(description="One of the five facilities (有处议事).")
class RecordFacilityInput:
    community_code: str
    facility: FacilityKind
    since: dt.date
    floor_area: float | None = strawberry.field(
        default=None, description="Square metres; required for the three rooms."
    )
    location: str = ""
    evidence_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input(description="《社区党组织工作规则》 adopted; its document as evidence.")
class RecordWorkRuleInput:
    community_code: str
    adopted_on: dt.date
    evidence_ids: list[strawberry.ID]
    title: str | None = None


@strawberry.input(description="A training of Party workers.")
class RecordTrainingInput:
    community_code: str
    held_on: dt.date
    form: TrainingForm
    topic: str
    hours: float
    attendee_count: int | None = None
    attendees: list[str] | None = strawberry.field(default=None, description="Names.")
    evidence_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input(description="A work system adopted; the system's text as evidence.")
class RecordWorkSystemAdoptionInput:
    community_code: str
    system: WorkSystem
    adopted_on: dt.date
    evidence_ids: list[strawberry.ID]


@strawberry.input(description="A sitting of a work system: date, attendees, minutes.")
class RecordSittingInput:
    community_code: str
    system: WorkSystem
    held_on: dt.date
    minutes: str
    attendee_count: int | None = None
    attendees: list[str] | None = strawberry.field(default=None, description="Names.")
    evidence_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input(description="An activity (双创双争 and others).")
class RecordActivityInput:
    community_code: str
    kind: ActivityKind
    held_on: dt.date
    title: str
    participant_count: int | None = None
    participants: list[str] | None = strawberry.field(default=None, description="Names.")
    evidence_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input(description="A co-building agreement (共建协议) with a resident unit of org.")
class RecordAgreementInput:
    community_code: str
    resident_unit_id: strawberry.ID = strawberry.field(
        description="The org graph's ResidentUnit id (of this community)."
    )
    signed_on: dt.date
    evidence_ids: list[strawberry.ID]
    summary: str = ""
    valid_until: dt.date | None = None


# -- mutations -------------------------------------------------------------------------------

Builder = Callable[[AsyncConnection, dt.date], Awaitable[records.Entry]]


def _community(info: Info, code: str) -> None:
    """A write names a community: 12 digits, in the caller's scope, with the right role."""
    identity = caller(info)
    require_role(identity, records.RECORD_WRITERS, what_en="keep attested records")
    check_community_code(code, ["input", "communityCode"])
    require_write(identity, records.RECORD_WRITERS, [code], what_en="keep attested records")


async def _add(info: Info, community: str, build: Builder) -> AttestedRecordPayload:
    """Check the caller, then (in one transaction) the community, the entry, the write."""
    identity = caller(info)

    async def write(conn: AsyncConnection) -> dict:
        _community(info, community)
        await community_or_refuse(info.context.peers.org, community, ["input", "communityCode"])
        entry = await build(conn, dates.today())
        return await records.add(conn, entry, by=identity.subject)

    row, errors = await run_write(info.context.engine, write, records.CONSTRAINT_ERRORS)
    return AttestedRecordPayload(
        record=AttestedRecord.from_row(row) if row else None, errors=errors
    )


async def _on_record(
    info: Info, record_id: strawberry.ID, path: str, change: Callable[..., Awaitable[dict]]
) -> AttestedRecordPayload:
    """A change to an existing record: found, locked, in the caller's scope."""
    identity = caller(info)
    require_role(identity, records.RECORD_WRITERS, what_en="keep attested records")

    async def write(conn: AsyncConnection) -> dict:
        row = await records.locked(conn, _uuid(record_id, [path]), path)
        require_write(
            identity, records.RECORD_WRITERS, [row["community_code"]], what_en="keep records"
        )
        return await change(conn, row)

    row, errors = await run_write(info.context.engine, write, records.CONSTRAINT_ERRORS)
    return AttestedRecordPayload(
        record=AttestedRecord.from_row(row) if row else None, errors=errors
    )


@strawberry.type
class RecordMutations:
    @strawberry.mutation(description="Record funds (党建工作经费) for a budget year.")
    async def record_funds(self, info: Info, input: RecordFundsInput) -> AttestedRecordPayload:
        async def build(conn: AsyncConnection, today: dt.date) -> records.Entry:
            return records.funds(
                input.community_code,
                input.year,
                input.amount,
                input.source,
                input.allocated_on,
                _uuids(input.evidence_ids, ["input", "evidenceIds"]),
                today,
            )

        return await _add(info, input.community_code, build)

    @strawberry.mutation(description="Record one use of an allocation (经费使用记录).")
    async def record_fund_use(self, info: Info, input: RecordFundUseInput) -> AttestedRecordPayload:
        identity = caller(info)

        async def change(conn: AsyncConnection, funds_row: dict) -> dict:
            entry = await records.fund_use(
                conn,
                funds_row,
                input.spent_on,
                input.purpose,
                input.amount,
                _uuids(input.evidence_ids, ["input", "evidenceIds"]),
                dates.today(),
            )
            return await records.add(conn, entry, by=identity.subject)

        return await _on_record(info, input.funds_id, "fundsId", change)

    @strawberry.mutation(description="Record one of the five facilities (有处议事).")
    async def record_facility(
        self, info: Info, input: RecordFacilityInput
    ) -> AttestedRecordPayload:
        async def build(conn: AsyncConnection, today: dt.date) -> records.Entry:
            return records.facility(
                input.community_code,
                input.facility.value,
                input.since,
                input.floor_area,
                input.location,
                _uuids(input.evidence_ids, ["input", "evidenceIds"]),
                today,
            )

        return await _add(info, input.community_code, build)

    @strawberry.mutation(
        description="Record the adopted 《社区党组织工作规则》 (with its document)."
    )
    async def record_work_rule(
        self, info: Info, input: RecordWorkRuleInput
    ) -> AttestedRecordPayload:
        async def build(conn: AsyncConnection, today: dt.date) -> records.Entry:
            return records.work_rule(
                input.community_code,
                input.adopted_on,
                input.title,
                _uuids(input.evidence_ids, ["input", "evidenceIds"]),
                today,
            )

        return await _add(info, input.community_code, build)

    @strawberry.mutation(description="Record a training of Party workers.")
    async def record_training(
        self, info: Info, input: RecordTrainingInput
    ) -> AttestedRecordPayload:
        async def build(conn: AsyncConnection, today: dt.date) -> records.Entry:
            return records.training(
                input.community_code,
                input.held_on,
                input.form.value,
                input.topic,
                input.attendee_count,
                input.attendees,
                input.hours,
                _uuids(input.evidence_ids, ["input", "evidenceIds"]),
                today,
            )

        return await _add(info, input.community_code, build)

    @strawberry.mutation(description="Record a work system's adoption (with its text).")
    async def record_work_system_adoption(
        self, info: Info, input: RecordWorkSystemAdoptionInput
    ) -> AttestedRecordPayload:
        async def build(conn: AsyncConnection, today: dt.date) -> records.Entry:
            return records.adoption(
                input.community_code,
                input.system.value,
                input.adopted_on,
                _uuids(input.evidence_ids, ["input", "evidenceIds"]),
                today,
            )

        return await _add(info, input.community_code, build)

    @strawberry.mutation(description="Record a sitting of a work system.")
    async def record_sitting(self, info: Info, input: RecordSittingInput) -> AttestedRecordPayload:
        async def build(conn: AsyncConnection, today: dt.date) -> records.Entry:
            return records.sitting(
                input.community_code,
                input.system.value,
                input.held_on,
                input.attendee_count,
                input.attendees,
                input.minutes,
                _uuids(input.evidence_ids, ["input", "evidenceIds"]),
                today,
            )

        return await _add(info, input.community_code, build)

    @strawberry.mutation(description="Record an activity (双创双争 and others).")
    async def record_activity(
        self, info: Info, input: RecordActivityInput
    ) -> AttestedRecordPayload:
        async def build(conn: AsyncConnection, today: dt.date) -> records.Entry:
            return records.activity(
                input.community_code,
                input.kind.value,
                input.held_on,
                input.title,
                input.participant_count,
                input.participants,
                _uuids(input.evidence_ids, ["input", "evidenceIds"]),
                today,
            )

        return await _add(info, input.community_code, build)

    @strawberry.mutation(
        description="Record a co-building agreement (共建协议) with a resident unit known to org."
    )
    async def record_agreement(
        self, info: Info, input: RecordAgreementInput
    ) -> AttestedRecordPayload:
        async def build(conn: AsyncConnection, today: dt.date) -> records.Entry:
            unit_id = _uuid(input.resident_unit_id, ["input", "residentUnitId"])
            name = await resident_unit_name(
                info.context.peers.org,
                input.community_code,
                str(unit_id),
                ["input", "residentUnitId"],
            )
            return records.agreement(
                input.community_code,
                unit_id,
                name,
                input.signed_on,
                input.summary,
                input.valid_until,
                _uuids(input.evidence_ids, ["input", "evidenceIds"]),
                today,
            )

        return await _add(info, input.community_code, build)

    @strawberry.mutation(
        description="Void a record with a reason (kept for audit; it counts for nothing). "
        "To correct a record, void it and record it again."
    )
    async def void_record(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> AttestedRecordPayload:
        identity = caller(info)

        async def change(conn: AsyncConnection, row: dict) -> dict:
            return await records.void(conn, row, reason, by=identity.subject)

        return await _on_record(info, id, "id", change)

    @strawberry.mutation(description="Attach uploaded evidence files to a live record.")
    async def attach_evidence(
        self, info: Info, record_id: strawberry.ID, evidence_ids: list[strawberry.ID]
    ) -> AttestedRecordPayload:
        identity = caller(info)

        async def change(conn: AsyncConnection, row: dict) -> dict:
            ids = _uuids(evidence_ids, ["evidenceIds"])
            return await records.attach(conn, row, ids, by=identity.subject)

        return await _on_record(info, record_id, "recordId", change)


QUERY_TYPES = (RecordQueries,)
MUTATION_TYPES = (RecordMutations,)
TYPES: list[type] = []
