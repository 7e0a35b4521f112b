"""Attested records (issue 7, item 3): what a community keeps to prove the attested indicators.

Kinds (described once in kinds.py; entries.build checks a new one): funds (党建工作经费) and
their uses, the five facilities, the adopted work rule (《社区党组织工作规则》), trainings of Party
workers, the five work systems (adoption, sittings), activities (双创双争 ...), co-building
agreements with resident units (共建协议), 党务公开 postings.

Rules every record obeys (a refusal is a DomainError; nothing is written):
- dates are not in the future (nor before 1990: a typo, not a record; services/assess/shared/dates.py);
  a budget year is from 2000 to the next year (funds may be granted in advance); amounts are
  >= 0; counts of people are >= 1; texts that say what happened are not blank;
- evidence named by a record is an upload of the same community; the work rule, a work
  system's adoption and an agreement need at least one (they are documents), a 党务公开
  posting at least one photo; a kind whose evidence has a media type (postings: images)
  refuses any other, when recorded and when attached later;
- a fund use names live funds of its community, and the uses of one allocation add up to no
  more than it;
- a work system is adopted once per community (void the adoption to correct it).
A record is never edited or deleted: a wrong one is voided with a reason (who and when are
kept, for audit) and recorded again. Voided records count for nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.assess.records.kinds import BY_CODE
from services.assess.records.tables import evidence, evidence_blob, record, record_evidence
from services.assess.records.values import MAX_TEXT, words
from services.common.auth import Identity, Role
from services.common.errors import DomainError, UserErrorCode, invalid, not_found

# Who writes a community's records (plan: the community's secretary keeps them, the street
# office and the district may too).
RECORD_WRITERS = frozenset({Role.DISTRICT, Role.STREET, Role.SECRETARY})
# Who reads them (and their evidence files, attendee names among them): the assessment's
# readers, as for monthly reports (report_access.REPORT_READERS). Not planners: they plan the
# grid, and assessment data is not theirs to read.
RECORD_READERS = frozenset({Role.DISTRICT, Role.STREET, Role.SECRETARY, Role.VIEWER, Role.SERVICE})


def may_read(identity: Identity, community_code: str) -> bool:
    """A reading role, and the community in the caller's scope."""
    return identity.role in RECORD_READERS and identity.covers(community_code)


CONSTRAINT_ERRORS = {
    "record_one_adoption": DomainError(
        UserErrorCode.CONFLICT,
        "本社区已记录该制度的建立；如需更正，请先作废原记录",
        "This community already recorded adopting this system; void that record to correct it",
        ["input", "system"],
    ),
}

RECORD = ("记录", "record")


@dataclass(frozen=True)
class Entry:
    """A record as a mutation asks for it, already checked (entries.build)."""

    kind: str
    community_code: str
    occurred_on: dt.date
    year: int
    subject: str | None = None
    amount: Decimal | None = None
    parent_id: uuid.UUID | None = None
    details: dict[str, Any] = field(default_factory=dict)
    evidence_ids: tuple[uuid.UUID, ...] = ()


# -- writes ------------------------------------------------------------------------------------


async def _evidence_of_community(
    conn: AsyncConnection, kind: str, community: str, ids: Sequence[uuid.UUID], path: list[str]
) -> list[uuid.UUID]:
    """The ids, once each, when every one is an upload of the community (else NOT_FOUND) of
    the media type the kind's evidence must have (else INVALID: a PDF is no photo)."""
    wanted = list(dict.fromkeys(ids))
    query = (
        select(evidence.c.id, evidence_blob.c.media_type)
        .join(evidence_blob, evidence_blob.c.sha256 == evidence.c.sha256)
        .where(evidence.c.id.in_(wanted), evidence.c.community_code == community)
    )
    found = dict((await conn.execute(query)).tuples().all())
    missing = [i for i in wanted if i not in found]
    if missing:
        raise DomainError(
            UserErrorCode.NOT_FOUND,
            f"本社区没有这份佐证材料：{missing[0]}",
            f"No evidence file {missing[0]} of community {community}",
            path,
        )
    media = BY_CODE[kind].evidence.media
    wrong = [i for i in wanted if media and not found[i].startswith(media)]
    if wrong:
        raise invalid(
            f"此类记录的佐证材料须为照片（图片文件）：{wrong[0]}是{found[wrong[0]]}",
            f"This kind of record needs photos as evidence: {wrong[0]} is {found[wrong[0]]}",
            path,
        )
    return wanted


async def add(conn: AsyncConnection, entry: Entry, *, by: str) -> dict[str, Any]:
    """Write a checked entry and link its evidence; the new record's row."""
    linked = await _evidence_of_community(
        conn, entry.kind, entry.community_code, entry.evidence_ids, ["input", "evidenceIds"]
    )
    if BY_CODE[entry.kind].evidence.required and not linked:
        raise DomainError(
            UserErrorCode.INVALID,
            "此类记录须附佐证材料（先上传文件）",
            "This kind of record needs at least one evidence file (upload it first)",
            ["input", "evidenceIds"],
        )
    record_id = uuid.uuid4()
    row = (
        (
            await conn.execute(
                insert(record)
                .values(
                    id=record_id,
                    community_code=entry.community_code,
                    kind=entry.kind,
                    occurred_on=entry.occurred_on,
                    year=entry.year,
                    subject=entry.subject,
                    amount=entry.amount,
                    parent_id=entry.parent_id,
                    details=entry.details,
                    recorded_by=by,
                )
                .returning(record)
            )
        )
        .mappings()
        .one()
    )
    if linked:
        await conn.execute(
            insert(record_evidence),
            [{"record_id": record_id, "evidence_id": e, "attached_by": by} for e in linked],
        )
    return dict(row)


async def locked(conn: AsyncConnection, record_id: uuid.UUID, path: str) -> dict[str, Any]:
    """A record by id, locked until the transaction ends; unknown is refused."""
    query = select(record).where(record.c.id == record_id).with_for_update()
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        raise not_found(*RECORD, record_id, path)
    return dict(row)


def _live(row: dict[str, Any], path: str) -> None:
    if row["voided_at"] is not None:
        raise DomainError(
            UserErrorCode.CONFLICT,
            "该记录已作废",
            f"Record {row['id']} is void",
            [path],
        )


def allocation(funds_row: dict[str, Any]) -> None:
    """A fund use names live funds (the record found by `fundsId`); else NOT_FOUND or CONFLICT."""
    if funds_row["kind"] != "funds":
        raise not_found("经费记录", "funds record", funds_row["id"], "fundsId")
    _live(funds_row, "fundsId")


async def within_allocation(
    conn: AsyncConnection, funds_row: dict[str, Any], spent: Decimal
) -> None:
    """plan (一、二) 经费使用有记录: the uses of one allocation (locked by the caller) add up to
    no more than it."""
    used = (
        await conn.execute(
            select(func.coalesce(func.sum(record.c.amount), 0)).where(
                record.c.parent_id == funds_row["id"],
                record.c.kind == "fund_use",
                record.c.voided_at.is_(None),
            )
        )
    ).scalar_one()
    if Decimal(used) + spent > funds_row["amount"]:
        raise DomainError(
            UserErrorCode.RULE_VIOLATION,
            f"使用金额合计超过该笔经费（{funds_row['amount']}元，已用{used}元）",
            f"Uses would exceed the allocation ({funds_row['amount']} yuan, {used} used)",
            ["input", "amount"],
            rule="funds.uses_within_allocation",
        )


async def void(
    conn: AsyncConnection, row: dict[str, Any], reason: str, *, by: str
) -> dict[str, Any]:
    """Void a record (locked by the caller), kept for audit. Funds with live uses stay until
    their uses are voided."""
    _live(row, "id")
    reason = words(reason, "reason", "作废原因", MAX_TEXT)
    if row["kind"] == "funds":
        uses = await conn.scalar(
            select(func.count()).where(
                record.c.parent_id == row["id"], record.c.voided_at.is_(None)
            )
        )
        if uses:
            raise DomainError(
                UserErrorCode.IN_USE,
                f"该笔经费还有{uses}条使用记录，请先作废使用记录",
                f"The allocation still has {uses} uses recorded; void them first",
                ["id"],
            )
    statement = (
        update(record)
        .where(record.c.id == row["id"])
        .values(voided_at=func.now(), voided_by=by, void_reason=reason)
        .returning(record)
    )
    return dict((await conn.execute(statement)).mappings().one())


async def attach(
    conn: AsyncConnection, row: dict[str, Any], evidence_ids: Sequence[uuid.UUID], *, by: str
) -> dict[str, Any]:
    """Attach more evidence to a live record (locked by the caller); already attached is kept."""
    _live(row, "recordId")
    linked = await _evidence_of_community(
        conn, row["kind"], row["community_code"], evidence_ids, ["evidenceIds"]
    )
    if not linked:
        raise invalid("未指定佐证材料", "No evidence given", ["evidenceIds"])
    await conn.execute(
        pg_insert(record_evidence)
        .values([{"record_id": row["id"], "evidence_id": e, "attached_by": by} for e in linked])
        .on_conflict_do_nothing()
    )
    return row


# -- reads -------------------------------------------------------------------------------------


def records_query(
    community: str, kind: str | None, year: int | None, include_voided: bool
) -> Select:
    query = select(record).where(record.c.community_code == community)
    if kind is not None:
        query = query.where(record.c.kind == kind)
    if year is not None:
        query = query.where(record.c.year == year)
    if not include_voided:
        query = query.where(record.c.voided_at.is_(None))
    return query


async def records_by_id(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> list[dict | None]:
    rows = (await conn.execute(select(record).where(record.c.id.in_(ids)))).mappings()
    found = {row["id"]: dict(row) for row in rows}
    return [found.get(i) for i in ids]


async def evidence_ids_of(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> list[list]:
    """Each record's evidence ids, oldest attachment first."""
    query = (
        select(record_evidence.c.record_id, record_evidence.c.evidence_id)
        .where(record_evidence.c.record_id.in_(ids))
        .order_by(record_evidence.c.attached_at, record_evidence.c.evidence_id)
    )
    grouped: dict[uuid.UUID, list[uuid.UUID]] = {i: [] for i in ids}
    for record_id, evidence_id in await conn.execute(query):
        grouped[record_id].append(evidence_id)
    return [grouped[i] for i in ids]


async def uses_of(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> list[list[dict]]:
    """Each allocation's live uses, by date."""
    query = (
        select(record)
        .where(record.c.parent_id.in_(ids), record.c.voided_at.is_(None))
        .order_by(record.c.occurred_on, record.c.id)
    )
    grouped: dict[uuid.UUID, list[dict]] = {i: [] for i in ids}
    for row in (await conn.execute(query)).mappings():
        grouped[row["parent_id"]].append(dict(row))
    return [grouped[i] for i in ids]
