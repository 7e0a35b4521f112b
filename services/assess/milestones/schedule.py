"""Where each community stands against the plan's milestones (data/milestones.yaml, read by
services/assess/shared/plan_schedule.py).

DOMAIN "Assessment": grading by 5-15; organizations and leadership complete by 5-31; five
systems in pilot communities by 5-31 and in all communities by 9-30; June exchange meeting;
七一 commendations; typical cases by 9-30; all communities meet 三有四化 by 10-31;
demonstration communities by year end.

A milestone is done for a community on a date, from its proof:
- `determined`: the day the community's assessment of the year was determined;
- `indicators` / `meets_standard`: the first grading snapshot (a dated record of the computed
  score) in which it held; failing that, live data — which proves the present only, so it
  counts (as done today) when the status is asked as of today or later;
- `attested`: the date the street office recorded.
Not done: overdue once the as-of date is past the deadline, pending before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.assess.milestones.tables import milestone_attestation
from services.assess.shared import dates
from services.assess.shared.plan_schedule import Milestone, schedule
from services.assess.shared.text import MAX_NOTE, clean_text
from services.common.errors import DomainError, UserErrorCode, invalid, refuse_all


def milestone_or_refuse(year: int, key: str) -> Milestone:
    for m in schedule(year):
        if m.id == key:
            return m
    raise DomainError(
        UserErrorCode.NOT_FOUND, f"未找到工作节点：{key}", f"No milestone {key}", ["milestoneId"]
    )


class Status(Enum):
    DONE = "done"
    PENDING = "pending"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class CommunityStatus:
    community_code: str
    milestone: Milestone
    status: Status
    done_on: dt.date | None
    how: str  # zh-CN: what proved it, or what is missing
    how_en: str


@dataclass(frozen=True)
class Evidence:
    """What the service knows of one community in one year."""

    determined_on: dt.date | None = None
    snapshots: tuple[Mapping[str, Any], ...] = ()  # grading snapshots, oldest first
    live: Mapping[str, Any] | None = None  # snapshot_values of a live score, if measured
    attested: Mapping[str, Mapping[str, Any]] | None = None  # milestone id -> attestation


def _holds(milestone: Milestone, snap: Mapping[str, Any]) -> bool:
    if milestone.proof == "meets_standard":
        return bool(snap["meets_standard"])
    passed = {r["code"] for r in snap["results"] if r["passed"]}
    return all(code in passed for code in milestone.indicators)


def needs_live(milestone: Milestone) -> bool:
    return milestone.proof in ("indicators", "meets_standard")


# How a milestone was done: the day (None: not yet), and how, in Chinese and English.
Proof = tuple[dt.date | None, str, str]


def _by_determination(evidence: Evidence, as_of: dt.date) -> Proof:
    if evidence.determined_on is not None and evidence.determined_on <= as_of:
        return evidence.determined_on, "街道认定等级", "grade determined"
    return None, "尚未认定等级", "no grade determined yet"


def _by_attestation(milestone: Milestone, evidence: Evidence, as_of: dt.date) -> Proof:
    row = (evidence.attested or {}).get(milestone.id)
    if row is not None and row["done_on"] <= as_of:
        return row["done_on"], f"街道确认：{row['note']}", f"attested: {row['note']}"
    return None, "尚无街道确认", "not attested yet"


def _by_measure(milestone: Milestone, evidence: Evidence, as_of: dt.date, today: dt.date) -> Proof:
    for snap in evidence.snapshots:
        taken_on = dates.local_day(snap["taken_at"])
        if taken_on <= as_of and _holds(milestone, snap):
            return taken_on, "分类定级测算达标", "met in a grading snapshot"
    live = evidence.live
    if as_of >= today and live is not None and _holds(milestone, live):
        return today, "当前数据达标", "met by the live data"
    return None, *_missing(milestone, evidence)


def status_of(
    milestone: Milestone, code: str, evidence: Evidence, as_of: dt.date, today: dt.date
) -> CommunityStatus:
    """Where one community stands against one milestone as of a day."""
    if milestone.proof == "determined":
        done_on, how, how_en = _by_determination(evidence, as_of)
    elif milestone.proof == "attested":
        done_on, how, how_en = _by_attestation(milestone, evidence, as_of)
    else:
        done_on, how, how_en = _by_measure(milestone, evidence, as_of, today)
    if done_on is not None:
        status = Status.DONE
    else:
        status = Status.OVERDUE if as_of > milestone.due else Status.PENDING
    return CommunityStatus(code, milestone, status, done_on, how, how_en)


def _missing(milestone: Milestone, evidence: Evidence) -> tuple[str, str]:
    latest = evidence.live or (evidence.snapshots[-1] if evidence.snapshots else None)
    if latest is None:
        return "尚无测算", "not measured"
    if milestone.proof == "meets_standard":
        return "未达到“三有四化”", "does not meet 三有四化"
    passed = {r["code"] for r in latest["results"] if r["passed"]}
    failing = [c for c in milestone.indicators if c not in passed]
    return f"未达标指标：{'、'.join(failing)}", f"indicators not met: {', '.join(failing)}"


# -- attestations -----------------------------------------------------------------------------


async def attest(  # noqa: PLR0913 -- one write's inputs, keyword-only (who, when, what); a parameter object would only rename them
    conn: AsyncConnection,
    milestone: Milestone,
    *,
    community_code: str,
    is_pilot: bool,
    done_on: dt.date,
    note: str,
    by: str,
    today: dt.date,
) -> dict[str, Any]:
    """The street office records that an attested milestone was done (again: replaces it):
    a year from 2000 to the current one, a day in it that is not in the future."""
    dates.check_year(milestone.year, today)
    if milestone.proof != "attested":
        raise DomainError(
            UserErrorCode.RULE_VIOLATION,
            f"「{milestone.name}」由系统数据证明，不能人工确认",
            f"{milestone.name_en} is proven by the data, not attested",
            ["milestoneId"],
            rule="milestone.proven_by_data",
        )
    if not milestone.applies(is_pilot):
        raise DomainError(
            UserErrorCode.RULE_VIOLATION,
            f"「{milestone.name}」只适用于试点社区",
            f"{milestone.name_en} applies to pilot communities only",
            ["communityCode"],
            rule="milestone.pilot_only",
        )
    problems: list[DomainError] = []
    try:
        dates.past_date(done_on, "doneOn", today)
    except DomainError as wrong:
        problems.append(wrong)
    if done_on.year != milestone.year:
        problems.append(
            invalid(
                f"完成日期应在{milestone.year}年内",
                f"The date must be in {milestone.year}",
                "doneOn",
            )
        )
    try:
        text = clean_text(note, "note", MAX_NOTE, what_zh="说明")
    except DomainError as wrong:
        problems.append(wrong)
    else:
        if text is None:
            problems.append(
                invalid("请说明完成情况", "A note on what was done is required", "note")
            )
    refuse_all(problems)
    values = {
        "year": milestone.year,
        "milestone": milestone.id,
        "community_code": community_code,
        "done_on": done_on,
        "note": text,
        "attested_by": by,
    }
    statement = insert(milestone_attestation).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["year", "milestone", "community_code"],
        set_={k: statement.excluded[k] for k in ("done_on", "note", "attested_by")}
        | {"attested_at": dt.datetime.now(dt.UTC)},
    )
    await conn.execute(statement)
    return values


async def withdraw(conn: AsyncConnection, milestone: Milestone, community_code: str) -> bool:
    """Remove an attestation; False when there was none."""
    t = milestone_attestation
    gone = await conn.execute(
        delete(t).where(
            t.c.year == milestone.year,
            t.c.milestone == milestone.id,
            t.c.community_code == community_code,
        )
    )
    return bool(gone.rowcount)


async def attestations_for(
    conn: AsyncConnection, community_codes: Sequence[str], year: int
) -> dict[str, dict[str, dict]]:
    t = milestone_attestation
    rows = await conn.execute(
        select(t).where(t.c.year == year, t.c.community_code.in_(community_codes))
    )
    found: dict[str, dict[str, dict]] = {}
    for r in rows.mappings():
        found.setdefault(r["community_code"], {})[r["milestone"]] = dict(r)
    return found
