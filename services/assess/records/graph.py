"""Attested records and their evidence files in the graph.

Reads: a community's records (within the caller's scope), one record, one evidence file;
read by the assessment's readers (records.RECORD_READERS: not planners), else empty or null.
Writes (the community's secretary, its street office, the district): one mutation per kind
of record (derived from kinds.py: its input type, its enum members, one resolver for all),
`voidRecord` (records are never edited or deleted) and `attachEvidence`. Files
themselves go through HTTP (`POST /files/evidence` on the gateway), which answers with the
evidence id these mutations name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Iterable
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, Optional

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.scalars import JSON

from services.assess.records import entries, fields, kinds
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
from services.common.errors import UserError, run_write
from services.common.pagination import EMPTY_PAGE, Connection, connection, fetch_page
from services.common.subgraph_client import SubgraphClient


def _enum(name: str, codes: Iterable[str], description: str) -> type[Enum]:
    """A GraphQL enum of stored codes (each member is its code in capitals)."""
    members = [(code.upper(), code) for code in codes]
    created: type[Enum] = Enum(name, members)  # type: ignore[misc]  # mypy reads the functional API only with literal arguments
    return strawberry.enum(created, description=description)


if TYPE_CHECKING:

    class RecordKind(Enum):
        """To the type checker: an enum of the kinds' codes (built below at run time)."""

else:
    RecordKind = _enum("RecordKind", kinds.CODES, "The kind of an attested record.")
# The vocabularies' enums (FacilityKind, WorkSystem, TrainingForm, ActivityKind), by name.
VOCABULARY_ENUMS: dict[str, type[Enum]] = {
    v.enum: _enum(v.enum, v.words, v.description) for v in kinds.VOCABULARIES
}


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
        if self.kind.value != "funds":
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


def _uuids(values: list[strawberry.ID] | None, path: list[str]) -> list[uuid.UUID]:
    return [fields.parse_uuid(v, path) for v in values or []]


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


# -- writes: one mutation per kind (kinds.py), voidRecord, attachEvidence -------------------------

# How each input shape is typed in GraphQL (fields.InputField.shape; a choice is its enum).
_SHAPES: dict[str, Any] = {
    "text": str,
    "date": dt.date,
    "float": float,
    "int": int,
    "names": list[str],
    "id": strawberry.ID,
    "ids": list[strawberry.ID],
}


def _input_field(spec: fields.InputField) -> tuple[Any, Any]:
    """A kind's input field as a GraphQL input field: its type, and its declaration (a
    strawberry field when it has a default or a description, else nothing)."""
    annotation: Any
    if spec.vocabulary is not None:
        annotation = VOCABULARY_ENUMS[spec.vocabulary.enum]
    else:
        annotation = _SHAPES[spec.shape]
    options: dict[str, Any] = {}
    if spec.default is None:
        annotation = Optional[annotation]  # noqa: UP045 -- built at run time from a value
    if isinstance(spec.default, tuple):
        options["default_factory"] = list
    elif spec.default is not fields.NO_DEFAULT:
        options["default"] = spec.default
    if spec.description:
        options["description"] = spec.description
    return annotation, strawberry.field(**options) if options else dataclasses.MISSING


def _input_type(kind: kinds.Kind) -> type:
    """The GraphQL input type of a kind: its fields in order, as kinds.py describes them."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for spec in kind.inputs():
        annotations[spec.name], declared = _input_field(spec)
        if declared is not dataclasses.MISSING:
            namespace[spec.name] = declared
    cls = type(kind.input_type, (), {"__annotations__": annotations, **namespace})
    return strawberry.input(cls, description=kind.input_description)


def _values(kind: kinds.Kind, input: Any) -> dict[str, Any]:
    """An input's values by field name (a choice as its stored code)."""
    values = {spec.name: getattr(input, spec.name) for spec in kind.inputs()}
    return {k: v.value if isinstance(v, Enum) else v for k, v in values.items()}


def _org(info: Info) -> SubgraphClient:
    """The org subgraph, asked as the assess service (communities, resident units)."""
    return info.context.peers.org


def _community(info: Info, code: str) -> None:
    """A write names a community: 12 digits, in the caller's scope, with the right role."""
    identity = caller(info)
    require_role(
        identity, records.RECORD_WRITERS, what_zh="登记佐证记录", what_en="keep attested records"
    )
    check_community_code(code, ["input", "communityCode"])
    require_write(
        identity,
        records.RECORD_WRITERS,
        [code],
        what_zh="登记佐证记录",
        what_en="keep attested records",
    )


async def _read_elsewhere(info: Info, kind: kinds.Kind, values: fields.Values) -> dict[str, Any]:
    """What a kind keeps from another service: an agreement's resident unit (its name, as
    org has it now; an unknown unit or one of another community is refused)."""
    details: dict[str, Any] = {}
    for f in kind.fields:
        if isinstance(f, fields.ResidentUnit):
            path = ["input", "residentUnitId"]
            unit_id = fields.parse_uuid(values[f.name], path)
            details["unit_name"] = await resident_unit_name(
                _org(info), values["community_code"], str(unit_id), path
            )
    return details


def _payload(row: dict | None, errors: list[UserError]) -> AttestedRecordPayload:
    return AttestedRecordPayload(
        record=AttestedRecord.from_row(row) if row else None, errors=errors
    )


async def _record(info: Info, kind: kinds.Kind, values: fields.Values) -> AttestedRecordPayload:
    """Add a record of `kind`: check the caller, then (in one transaction) the community, what
    is read elsewhere, the entry (entries.build), the write."""
    identity = caller(info)
    community = values["community_code"]

    async def write(conn: AsyncConnection) -> dict:
        _community(info, community)
        await community_or_refuse(_org(info), community, ["input", "communityCode"])
        details = await _read_elsewhere(info, kind, values)
        entry = entries.build(kind, values, dates.today(), community=community, details=details)
        return await records.add(conn, entry, by=identity.subject)

    row, errors = await run_write(info.context.engine, write, records.CONSTRAINT_ERRORS)
    return _payload(row, errors)


async def _on_record(
    info: Info, record_id: strawberry.ID, path: str, change: Callable[..., Awaitable[dict]]
) -> AttestedRecordPayload:
    """A change to an existing record: found, locked, in the caller's scope."""
    identity = caller(info)
    require_role(
        identity, records.RECORD_WRITERS, what_zh="登记佐证记录", what_en="keep attested records"
    )

    async def write(conn: AsyncConnection) -> dict:
        row = await records.locked(conn, fields.parse_uuid(record_id, [path]), path)
        require_write(
            identity,
            records.RECORD_WRITERS,
            [row["community_code"]],
            what_zh="登记佐证记录",
            what_en="keep records",
        )
        return await change(conn, row)

    row, errors = await run_write(info.context.engine, write, records.CONSTRAINT_ERRORS)
    return _payload(row, errors)


async def _record_use(
    info: Info, kind: kinds.Kind, allocation: fields.Allocation, values: fields.Values
) -> AttestedRecordPayload:
    """Add a record that uses another (a fund use of its funds): the write starts from the
    funds record, found and locked, whose community and year the use takes."""
    identity = caller(info)

    async def change(conn: AsyncConnection, funds_row: dict) -> dict:
        records.allocation(funds_row)
        community = funds_row["community_code"]
        entry = entries.build(kind, values, dates.today(), community=community, parent=funds_row)
        await records.within_allocation(conn, funds_row, entry.amount or Decimal(0))
        return await records.add(conn, entry, by=identity.subject)

    return await _on_record(info, values[allocation.name], "fundsId", change)


def _mutation(kind: kinds.Kind) -> Any:
    """`record<Kind>(input: Record<Kind>Input!)`: the one resolver of every kind."""
    input_type = _input_type(kind)
    allocation = kind.allocation

    async def resolve(info: Info, input: Any) -> AttestedRecordPayload:
        values = _values(kind, input)
        if allocation is not None:
            return await _record_use(info, kind, allocation, values)
        return await _record(info, kind, values)

    # The input's type exists only now: give strawberry the resolver's types as objects.
    resolve.__annotations__ = {"info": Info, "input": input_type, "return": AttestedRecordPayload}
    return strawberry.mutation(resolver=resolve, description=kind.mutation_description)


async def _void_record(info: Info, id: strawberry.ID, reason: str) -> AttestedRecordPayload:
    identity = caller(info)

    async def change(conn: AsyncConnection, row: dict) -> dict:
        return await records.void(conn, row, reason, by=identity.subject)

    return await _on_record(info, id, "id", change)


async def _attach_evidence(
    info: Info, record_id: strawberry.ID, evidence_ids: list[strawberry.ID]
) -> AttestedRecordPayload:
    identity = caller(info)

    async def change(conn: AsyncConnection, row: dict) -> dict:
        ids = _uuids(evidence_ids, ["evidenceIds"])
        return await records.attach(conn, row, ids, by=identity.subject)

    return await _on_record(info, record_id, "recordId", change)


RecordMutations = strawberry.type(
    type(
        "RecordMutations",
        (),
        {
            **{kind.mutation: _mutation(kind) for kind in kinds.KINDS},
            "void_record": strawberry.mutation(
                resolver=_void_record,
                description="Void a record with a reason (kept for audit; it counts for nothing). "
                "To correct a record, void it and record it again.",
            ),
            "attach_evidence": strawberry.mutation(
                resolver=_attach_evidence,
                description="Attach uploaded evidence files to a live record.",
            ),
        },
    )
)


QUERY_TYPES = (RecordQueries,)
MUTATION_TYPES = (RecordMutations,)
TYPES: list[type] = []
