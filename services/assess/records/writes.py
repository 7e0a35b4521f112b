"""Attested records (issue 7, item 3): what a community keeps to prove the attested indicators.

Kinds: funds (党建工作经费) and their uses, the five facilities, the adopted work rule
(《社区党组织工作规则》), trainings of Party workers, the five work systems (adoption, sittings),
activities (双创双争 ...), co-building agreements with resident units (共建协议).

Rules every record obeys (a refusal is a DomainError; nothing is written):
- dates are not in the future (nor before 1990: a typo, not a record; services/assess/shared/dates.py);
  a budget year is from 2000 to the next year (funds may be granted in advance); amounts are
  >= 0; counts of people are >= 1; texts that say what happened are not blank;
- evidence named by a record is an upload of the same community; the work rule, a work
  system's adoption and an agreement need at least one (they are documents);
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

from services.assess.records import vocab
from services.assess.records.tables import evidence, record, record_evidence
from services.assess.shared import dates
from services.assess.shared.text import clean_text
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


NEEDS_EVIDENCE = frozenset({"work_rule", "work_system", "agreement"})
MAX_TEXT = 500
MAX_MINUTES = 20_000
MAX_NAMES = 500
MAX_NAME = 50  # characters of one name

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
    """A record as a mutation asks for it, already checked by one of the builders below."""

    kind: str
    community_code: str
    occurred_on: dt.date
    year: int
    subject: str | None = None
    amount: Decimal | None = None
    parent_id: uuid.UUID | None = None
    details: dict[str, Any] = field(default_factory=dict)
    evidence_ids: tuple[uuid.UUID, ...] = ()


# -- checks of single values -----------------------------------------------------------------


def amount(value: Decimal | float, name: str) -> Decimal:
    number = Decimal(str(value))
    if not number.is_finite() or number < 0:
        raise invalid("金额不能为负数", f"The amount {value} is negative", ["input", name])
    if number >= Decimal("1e12"):
        raise invalid("金额过大", f"The amount {value} is too large", ["input", name])
    return number.quantize(Decimal("0.01"))


def words(
    value: str, name: str, what_zh: str, limit: int = MAX_TEXT, *, required: bool = True
) -> str:
    """Typed text, trimmed (services/assess/shared/text.py): INVALID when blank (unless not
    `required`), too long, or holding a control character; "" when blank and not required."""
    return clean_text(value, ["input", name], limit, required=required, what_zh=what_zh) or ""


def choice(value: str, allowed: dict[str, tuple[str, str]], name: str) -> str:
    if value not in allowed:
        raise invalid(f"取值不在允许范围内：{value}", f"Unknown {name}: {value}", ["input", name])
    return value


def people(count: int | None, names: Sequence[str] | None, field: str) -> dict[str, Any]:
    """Attendees as a count, names, or both (the count then covers the names)."""
    listed = [n.strip() for n in names or [] if n.strip()]
    for n in listed:
        clean_text(n, ["input", f"{field}s"], MAX_NAME, what_zh="名单中的姓名")
    if len(listed) > MAX_NAMES:
        raise invalid("名单过长", "The list of names is too long", ["input", f"{field}s"])
    total = count if count is not None else len(listed)
    if total < 1:
        raise invalid(
            "参加人数至少为1", "At least one attendee is needed", ["input", f"{field}Count"]
        )
    if total < len(listed):
        raise invalid(
            "人数少于所列名单",
            "The count is smaller than the names listed",
            ["input", f"{field}Count"],
        )
    return {"count": total, "names": listed}


# -- the builders: one per kind ----------------------------------------------------------------


def funds(  # noqa: PLR0913 -- a record kind's fields; the record-kinds-as-data step replaces these builders
    community: str,
    year: int,
    value: Decimal | float,
    source: str,
    allocated_on: dt.date,
    evidence_ids: Sequence[uuid.UUID],
    today: dt.date,
) -> Entry:
    """plan (一、二): 党建工作经费 — an allocation for a budget year (may be granted the year before)."""
    # The one write whose year may be the next: a budget granted in advance (its allocation
    # date, which happened, is checked like every other date).
    dates.check_year(year, today, ["input", "year"], latest=today.year + 1)
    return Entry(
        "funds",
        community,
        dates.past_date(allocated_on, ["input", "allocatedOn"], today),
        year,
        amount=amount(value, "amount"),
        details={"source": words(source, "source", "经费来源")},
        evidence_ids=tuple(evidence_ids),
    )


def facility(  # noqa: PLR0913 -- a record kind's fields; the record-kinds-as-data step replaces these builders
    community: str,
    kind: str,
    since: dt.date,
    floor_area: float | None,
    location: str,
    evidence_ids: Sequence[uuid.UUID],
    today: dt.date,
) -> Entry:
    """plan (一、三) 有处议事: one of the five facilities, in use since a date."""
    kind = choice(kind, vocab.FACILITIES, "facility")
    if floor_area is not None and not 0 <= floor_area < 1e6:
        raise invalid("面积不正确", f"Floor area {floor_area} out of range", ["input", "floorArea"])
    if kind in vocab.ROOMS and not floor_area:
        raise invalid(
            "房间须填写使用面积（平方米）",
            "A room needs its floor area in square metres",
            ["input", "floorArea"],
        )
    return Entry(
        "facility",
        community,
        dates.past_date(since, ["input", "since"], today),
        since.year,
        subject=kind,
        details={
            "floor_area_m2": floor_area,
            "location": words(location, "location", "位置", required=False),
        },
        evidence_ids=tuple(evidence_ids),
    )


def work_rule(
    community: str,
    adopted_on: dt.date,
    title: str | None,
    evidence_ids: Sequence[uuid.UUID],
    today: dt.date,
) -> Entry:
    """plan (一): 制定《社区党组织工作规则》 — its adoption, with the document as evidence."""
    return Entry(
        "work_rule",
        community,
        dates.past_date(adopted_on, ["input", "adoptedOn"], today),
        adopted_on.year,
        details={"title": words(title or vocab.WORK_RULE_TITLE, "title", "标题")},
        evidence_ids=tuple(evidence_ids),
    )


def training(  # noqa: PLR0913 -- a record kind's fields; the record-kinds-as-data step replaces these builders
    community: str,
    held_on: dt.date,
    form: str,
    topic: str,
    attendee_count: int | None,
    attendees: Sequence[str] | None,
    hours: float,
    evidence_ids: Sequence[uuid.UUID],
    today: dt.date,
) -> Entry:
    """plan (一) 有人管事: 集中培训、以会代训、观摩交流、个人自学."""
    if not 0 < hours <= 1000:
        raise invalid("学时须大于0", f"Hours {hours} out of range", ["input", "hours"])
    return Entry(
        "training",
        community,
        dates.past_date(held_on, ["input", "heldOn"], today),
        held_on.year,
        subject=choice(form, vocab.TRAINING_FORMS, "form"),
        details={
            "topic": words(topic, "topic", "培训主题"),
            "hours": hours,
            "attendees": people(attendee_count, attendees, "attendee"),
        },
        evidence_ids=tuple(evidence_ids),
    )


def adoption(
    community: str,
    system: str,
    adopted_on: dt.date,
    evidence_ids: Sequence[uuid.UUID],
    today: dt.date,
) -> Entry:
    """plan (四): one of the five basic work systems adopted (the system's text as evidence)."""
    return Entry(
        "work_system",
        community,
        dates.past_date(adopted_on, ["input", "adoptedOn"], today),
        adopted_on.year,
        subject=choice(system, vocab.WORK_SYSTEMS, "system"),
        evidence_ids=tuple(evidence_ids),
    )


def sitting(  # noqa: PLR0913 -- a record kind's fields; the record-kinds-as-data step replaces these builders
    community: str,
    system: str,
    held_on: dt.date,
    attendee_count: int | None,
    attendees: Sequence[str] | None,
    minutes: str,
    evidence_ids: Sequence[uuid.UUID],
    today: dt.date,
) -> Entry:
    """plan (四): a sitting of a work system — date, attendees, minutes."""
    return Entry(
        "sitting",
        community,
        dates.past_date(held_on, ["input", "heldOn"], today),
        held_on.year,
        subject=choice(system, vocab.WORK_SYSTEMS, "system"),
        details={
            "attendees": people(attendee_count, attendees, "attendee"),
            "minutes": words(minutes, "minutes", "会议记录", MAX_MINUTES),
        },
        evidence_ids=tuple(evidence_ids),
    )


def activity(  # noqa: PLR0913 -- a record kind's fields; the record-kinds-as-data step replaces these builders
    community: str,
    kind: str,
    held_on: dt.date,
    title: str,
    participant_count: int | None,
    participants: Sequence[str] | None,
    evidence_ids: Sequence[uuid.UUID],
    today: dt.date,
) -> Entry:
    """plan (五): 双创双争 and other activities."""
    return Entry(
        "activity",
        community,
        dates.past_date(held_on, ["input", "heldOn"], today),
        held_on.year,
        subject=choice(kind, vocab.ACTIVITY_KINDS, "kind"),
        details={
            "title": words(title, "title", "活动名称"),
            "participants": people(participant_count, participants, "participant"),
        },
        evidence_ids=tuple(evidence_ids),
    )


def agreement(  # noqa: PLR0913 -- a record kind's fields; the record-kinds-as-data step replaces these builders
    community: str,
    unit_id: uuid.UUID,
    unit_name: str,
    signed_on: dt.date,
    summary: str,
    valid_until: dt.date | None,
    evidence_ids: Sequence[uuid.UUID],
    today: dt.date,
) -> Entry:
    """plan (三): 社区党组织与驻社区党组织签订协议 — with a resident unit org knows (its id, checked
    through the graph by the caller; its name then is kept as it was)."""
    signed_on = dates.past_date(signed_on, ["input", "signedOn"], today)
    if valid_until is not None and valid_until < signed_on:
        raise invalid(
            "有效期不能早于签订日期",
            "The agreement ends before it was signed",
            ["input", "validUntil"],
        )
    return Entry(
        "agreement",
        community,
        signed_on,
        signed_on.year,
        subject=str(unit_id),
        details={
            "resident_unit_id": str(unit_id),
            "unit_name": unit_name,
            "summary": words(summary, "summary", "协议内容", required=False),
            "valid_until": valid_until.isoformat() if valid_until else None,
        },
        evidence_ids=tuple(evidence_ids),
    )


# -- writes ------------------------------------------------------------------------------------


async def _evidence_of_community(
    conn: AsyncConnection, community: str, ids: Sequence[uuid.UUID], path: list[str]
) -> list[uuid.UUID]:
    """The ids, once each, when every one is an upload of the community; else NOT_FOUND."""
    wanted = list(dict.fromkeys(ids))
    query = select(evidence.c.id).where(
        evidence.c.id.in_(wanted), evidence.c.community_code == community
    )
    found = set((await conn.execute(query)).scalars())
    missing = [i for i in wanted if i not in found]
    if missing:
        raise DomainError(
            UserErrorCode.NOT_FOUND,
            f"本社区没有这份佐证材料：{missing[0]}",
            f"No evidence file {missing[0]} of community {community}",
            path,
        )
    return wanted


async def add(conn: AsyncConnection, entry: Entry, *, by: str) -> dict[str, Any]:
    """Write a checked entry and link its evidence; the new record's row."""
    linked = await _evidence_of_community(
        conn, entry.community_code, entry.evidence_ids, ["input", "evidenceIds"]
    )
    if entry.kind in NEEDS_EVIDENCE and not linked:
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


async def fund_use(  # noqa: PLR0913 -- one write's inputs, keyword-only (who, when, what); a parameter object would only rename them
    conn: AsyncConnection,
    funds_row: dict[str, Any],
    spent_on: dt.date,
    purpose: str,
    value: Decimal | float,
    evidence_ids: Sequence[uuid.UUID],
    today: dt.date,
) -> Entry:
    """plan (一、二) 经费使用有记录: one use of an allocation (locked by the caller). The uses
    of one allocation add up to no more than it."""
    if funds_row["kind"] != "funds":
        raise not_found("经费记录", "funds record", funds_row["id"], "fundsId")
    _live(funds_row, "fundsId")
    spent = amount(value, "amount")
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
    return Entry(
        "fund_use",
        funds_row["community_code"],
        dates.past_date(spent_on, ["input", "spentOn"], today),
        funds_row["year"],
        amount=spent,
        parent_id=funds_row["id"],
        details={"purpose": words(purpose, "purpose", "用途")},
        evidence_ids=tuple(evidence_ids),
    )


async def void(
    conn: AsyncConnection, row: dict[str, Any], reason: str, *, by: str
) -> dict[str, Any]:
    """Void a record (locked by the caller), kept for audit. Funds with live uses stay until
    their uses are voided."""
    _live(row, "id")
    reason = words(reason, "reason", "作废原因")
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
        conn, row["community_code"], evidence_ids, ["evidenceIds"]
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
