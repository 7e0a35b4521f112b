"""Attested indicators: checks over the records a community keeps, with evidence."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from services.assess.records import vocab
from services.assess.records.tables import record
from services.assess.shared.measures import Measure, Measured, NoParams

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection


FACILITIES = tuple(vocab.FACILITIES)
WORK_SYSTEMS = tuple(vocab.WORK_SYSTEMS)  # plan (四): the five basic work systems
ACTIVITY_KINDS = tuple(vocab.ACTIVITY_KINDS)

if TYPE_CHECKING:
    # mypy reads a Literal only from literal values: to it these are the vocabulary's str keys.
    Facility = str
    WorkSystem = str
    ActivityKind = str
else:
    # pydantic checks parameters against the vocabulary (the tuples above) at run time.
    Facility = Literal[FACILITIES]
    WorkSystem = Literal[WORK_SYSTEMS]
    ActivityKind = Literal[ACTIVITY_KINDS]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CountParams(_Params):
    min_records: int = Field(default=1, ge=1)


class FundsParams(_Params):
    min_amount: float = Field(ge=0)  # yuan a year: the district's standard


class FacilitiesParams(_Params):
    required: list[Facility] = Field(default=list(FACILITIES), min_length=1)


class WorkSystemParams(_Params):
    system: WorkSystem
    min_sittings: int = Field(default=1, ge=1)  # a year


class ActivitiesParams(_Params):
    kind: ActivityKind
    per: Literal["month", "quarter", "year"] = "quarter"
    min_records: int = Field(default=1, ge=1)


_DECLARED = (
    Measure("training", "党务工作者培训", "Training of Party workers", params=CountParams),
    Measure("funds", "党建工作经费", "Party-building funds", params=FundsParams),
    Measure("funds_use", "经费使用记录", "Use of funds recorded", params=NoParams),
    Measure("facilities", "活动场所", "Facilities", params=FacilitiesParams),
    Measure("work_rule", "社区党组织工作规则", "The community's work rule", params=NoParams),
    Measure("co_building_agreement", "共建协议", "Co-building agreements", params=CountParams),
    Measure(
        "work_system", "工作制度", "A work system adopted and sitting", params=WorkSystemParams
    ),
    Measure("activities", "“双创双争”活动", "双创双争 activities", params=ActivitiesParams),
)
RECORD_CHECKS: dict[str, Measure] = {m.name: m for m in _DECLARED}


@dataclass
class _Facts:
    """A community's live records up to the assessed year and date, by kind."""

    by_kind: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    def of(self, kind: str) -> list[dict[str, Any]]:
        return self.by_kind.get(kind, [])


async def _facts(
    conn: AsyncConnection, communities: Sequence[str], year: int, as_of: dt.date
) -> dict[str, _Facts]:
    # Every record that can count for `year`: none is dated after it (funds may be granted the
    # year before their budget year, hence the year column, not the date).
    query = select(
        record.c.id,
        record.c.community_code,
        record.c.kind,
        record.c.occurred_on,
        record.c.year,
        record.c.subject,
        record.c.amount,
        record.c.parent_id,
        record.c.details["valid_until"].astext.label("valid_until"),
    ).where(
        record.c.community_code.in_(communities),
        record.c.voided_at.is_(None),
        record.c.year <= year,
        record.c.occurred_on <= as_of,
    )
    facts = {code: _Facts() for code in communities}
    for row in (await conn.execute(query)).mappings():
        facts[row["community_code"]].by_kind[row["kind"]].append(dict(row))
    return facts


def _refs(rows: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    return tuple(str(r["id"]) for r in sorted(rows, key=lambda r: (r["occurred_on"], str(r["id"]))))


def _share(done: float, needed: float) -> float:
    return 1.0 if needed <= 0 else min(1.0, done / needed)


class _Window:
    """What one assessment looks at: the year, and the day it is made (`cut`: the last day of
    the year, or the assessment day when earlier)."""

    def __init__(self, year: int, as_of: dt.date) -> None:
        self.year = year
        self.as_of = as_of
        self.cut = min(as_of, dt.date(year, 12, 31))

    def in_year(self, rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        return [
            r for r in rows if r["occurred_on"].year == self.year and r["occurred_on"] <= self.cut
        ]

    def by_cut(self, rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        return [r for r in rows if r["occurred_on"] <= self.cut]


def _training(facts: _Facts, params: CountParams, w: _Window) -> Measured:
    """plan (一): Party workers trained this year, in any of the four forms."""
    rows = w.in_year(facts.of("training"))
    if not rows:
        return _nothing("本年度无培训记录", "no training recorded this year")
    n = len(rows)
    return _measured(
        _share(n, params.min_records),
        f"本年度培训{n}次（要求至少{params.min_records}次）",
        f"{n} trainings this year (at least {params.min_records} required)",
        rows,
    )


def _allocations(facts: _Facts, w: _Window) -> list[Mapping[str, Any]]:
    return [r for r in facts.of("funds") if r["year"] == w.year]


def _funds(facts: _Facts, params: FundsParams, w: _Window) -> Measured:
    """plan (一、二) 有钱办事: the year's allocations at or above the district's standard."""
    rows = _allocations(facts, w)
    if not rows:
        return _nothing(f"{w.year}年度无经费记录", f"no funds recorded for {w.year}")
    total = sum((r["amount"] for r in rows), Decimal(0))
    return _measured(
        _share(float(total), params.min_amount),
        f"{w.year}年度经费{total}元（标准{params.min_amount:g}元）",
        f"{total} yuan for {w.year} (standard {params.min_amount:g} yuan)",
        rows,
    )


def _funds_use(facts: _Facts, params: NoParams, w: _Window) -> Measured:
    """plan (一、二): 经费使用有记录 — the share of the year's allocations with their use recorded."""
    allocations = _allocations(facts, w)
    if not allocations:
        return _nothing(f"{w.year}年度无经费记录", f"no funds recorded for {w.year}")
    ids = {r["id"] for r in allocations}
    uses = [r for r in facts.of("fund_use") if r["parent_id"] in ids]
    used_ids = {r["parent_id"] for r in uses}
    spent = sum((r["amount"] for r in uses), Decimal(0))
    n, k = len(allocations), len(used_ids & ids)
    return _measured(
        k / n,
        f"{n}笔经费中{k}笔有使用记录（{len(uses)}条，共{spent}元）",
        f"{k} of {n} allocations have their use recorded ({len(uses)} uses, {spent} yuan)",
        [*allocations, *uses],
    )


def _facilities(facts: _Facts, params: FacilitiesParams, w: _Window) -> Measured:
    """plan (一) 有处议事: the required facilities present (present / required)."""
    rows = w.by_cut(facts.of("facility"))
    if not rows:
        return _nothing("无活动场所记录", "no facility recorded")
    required = list(dict.fromkeys(params.required))
    present = [f for f in required if any(r["subject"] == f for r in rows)]
    missing = [f for f in required if f not in present]
    zh = f"已有{len(present)}/{len(required)}项"
    en = f"{len(present)}/{len(required)} present"
    if missing:
        zh += "，缺" + "、".join(vocab.FACILITIES[f][0] for f in missing)
        en += "; missing " + ", ".join(vocab.FACILITIES[f][1].lower() for f in missing)
    counted = [r for r in rows if r["subject"] in present]
    return _measured(len(present) / len(required), zh, en, counted)


def _work_rule(facts: _Facts, params: NoParams, w: _Window) -> Measured:
    """plan (一): 制定《社区党组织工作规则》 (recorded with its document)."""
    rows = w.by_cut(facts.of("work_rule"))
    if not rows:
        return _nothing("未记录工作规则", "no work rule recorded")
    first = min(r["occurred_on"] for r in rows)
    return _measured(
        1.0,
        f"已于{first}制定{vocab.WORK_RULE_TITLE}",
        f"the work rule adopted on {first}",
        rows,
    )


def _agreements(facts: _Facts, params: CountParams, w: _Window) -> Measured:
    """plan (三): co-building agreements with resident units in force (distinct units)."""
    rows = [
        r
        for r in w.by_cut(facts.of("agreement"))
        if r["valid_until"] is None or dt.date.fromisoformat(r["valid_until"]) >= w.cut
    ]
    if not rows:
        return _nothing("无有效的共建协议", "no co-building agreement in force")
    units = {r["subject"] for r in rows}
    return _measured(
        _share(len(units), params.min_records),
        f"与{len(units)}个驻社区单位签有共建协议（要求至少{params.min_records}个）",
        f"agreements with {len(units)} resident units (at least {params.min_records} required)",
        rows,
    )


def _work_system(facts: _Facts, params: WorkSystemParams, w: _Window) -> Measured:
    """plan (四): the system adopted, and sitting this year at least `min_sittings` times.
    Sittings before its adoption do not count; without the adoption the value is 0."""
    name, name_en = vocab.WORK_SYSTEMS[params.system]
    adoptions = [r for r in w.by_cut(facts.of("work_system")) if r["subject"] == params.system]
    sittings = [r for r in w.in_year(facts.of("sitting")) if r["subject"] == params.system]
    if not adoptions and not sittings:
        return _nothing(f"未记录{name}", f"{name_en}: nothing recorded")
    if not adoptions:
        return _measured(
            0.0,
            f"{name}未建立（有{len(sittings)}次会议记录）",
            f"{name_en} not adopted ({len(sittings)} sittings recorded)",
            sittings,
        )
    adopted_on = min(r["occurred_on"] for r in adoptions)
    held = [r for r in sittings if r["occurred_on"] >= adopted_on]
    return _measured(
        _share(len(held), params.min_sittings),
        f"{name}已于{adopted_on}建立，本年度运行{len(held)}次（要求至少{params.min_sittings}次）",
        f"{name_en} adopted {adopted_on}; {len(held)} sittings this year"
        f" (at least {params.min_sittings} required)",
        [*adoptions, *held],
    )


_PER = {"month": ("个月", "months"), "quarter": ("个季度", "quarters"), "year": ("个年度", "years")}


def _periods(per: str, year: int) -> list[tuple[dt.date, dt.date]]:
    months = {"month": 1, "quarter": 3, "year": 12}[per]
    spans = []
    for first in range(1, 13, months):
        last = first + months - 1
        end = dt.date(year, 12, 31) if last == 12 else dt.date(year, last + 1, 1) - dt.timedelta(1)
        spans.append((dt.date(year, first, 1), end))
    return spans


def _activities(facts: _Facts, params: ActivitiesParams, w: _Window) -> Measured:
    """plan (五) 活动经常化: activities of the kind held regularly — the share of the year's
    periods (quarters by default) with at least `min_records`. A period counts once it has
    ended; the one in progress counts only once it is met (never against the community), so
    while no period is due yet the value is 1.0."""
    label, label_en = vocab.ACTIVITY_KINDS[params.kind]
    rows = [r for r in w.in_year(facts.of("activity")) if r["subject"] == params.kind]
    if not rows:
        return _nothing(f"本年度无{label}记录", f"no {label_en} recorded this year")
    due = met = 0
    for start, end in _periods(params.per, w.year):
        if start > w.cut:
            break
        held = sum(start <= r["occurred_on"] <= end for r in rows)
        enough = held >= params.min_records
        if end <= w.as_of or enough:
            due += 1
            met += enough
    unit, unit_en = _PER[params.per]
    if not due:
        # Only the period in progress has records, not yet enough: nothing is due, and the
        # period in progress is never against the community (see above).
        return _measured(
            1.0,
            f"本年度尚无已结束的{unit[1:]}（本期{label}{len(rows)}次，每期至少{params.min_records}次）",
            f"no {unit_en[:-1]} has ended this year ({len(rows)} {label_en} in the current one,"
            f" at least {params.min_records} each)",
            rows,
        )
    return _measured(
        met / due,
        f"{due}{unit}中{met}{unit}开展了{label}（每期至少{params.min_records}次）",
        f"{met} of {due} {unit_en} with {label_en} (at least {params.min_records} each)",
        rows,
    )


def _nothing(zh: str, en: str) -> Measured:
    return Measured(None, zh, en)


def _measured(value: float, zh: str, en: str, rows: Sequence[Mapping[str, Any]]) -> Measured:
    return Measured(value, zh, en, _refs(rows))


_CHECKS: dict[str, Callable[[_Facts, Any, _Window], Measured]] = {
    "training": _training,
    "funds": _funds,
    "funds_use": _funds_use,
    "facilities": _facilities,
    "work_rule": _work_rule,
    "co_building_agreement": _agreements,
    "work_system": _work_system,
    "activities": _activities,
}


async def check(
    conn: AsyncConnection,
    indicators: Sequence[Mapping[str, Any]],
    communities: Sequence[str],
    year: int,
    as_of: dt.date,
) -> dict[str, dict[str, Measured]]:
    """Each community's attested indicators (rows with `measured == "attested"`), by code.

    Only live (not voided) records count, none dated after `as_of`; a check with no record
    to go on is unmeasured (value None), otherwise its value is a share from 0 to 1 and its
    refs are the ids of the records it counted.
    """
    results: dict[str, dict[str, Measured]] = {code: {} for code in communities}
    if not indicators or not communities:
        return results
    facts = await _facts(conn, communities, year, as_of)
    window = _Window(year, as_of)
    for row in indicators:
        measure = RECORD_CHECKS[row["record"]]
        params = measure.params.model_validate(row["params"] or {})
        run = _CHECKS[measure.name]
        for code in communities:
            results[code][row["code"]] = run(facts[code], params, window)
    return results
