"""Attested indicators: checks over the records a community keeps, with evidence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.assess.measures import Measure, NoParams

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from services.assess.scoring import Measured

FACILITIES = ("office", "meeting_room", "activity_room", "disclosure_board", "publicity_board")
# plan (四): the five basic work systems.
WORK_SYSTEMS = (
    "deliberation",  # 党员群众议事建言
    "collective_decision",  # 党委（总支、支部）集体决策
    "joint_meeting",  # 社区组织联席会议
    "big_committee_consultation",  # 社区“大党委”会商共建
    "democratic_evaluation",  # 社区事务民主评议
)


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CountParams(_Params):
    min_records: int = Field(default=1, ge=1)


class FundsParams(_Params):
    min_amount: float = Field(ge=0)  # yuan a year: the district's standard


class FacilitiesParams(_Params):
    required: list[Literal[FACILITIES]] = Field(default=list(FACILITIES), min_length=1)  # type: ignore[valid-type]


class WorkSystemParams(_Params):
    system: Literal[WORK_SYSTEMS]  # type: ignore[valid-type]
    min_sittings: int = Field(default=1, ge=1)  # a year


class ActivitiesParams(_Params):
    kind: str = Field(min_length=1)
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


async def check(
    conn: AsyncConnection,
    indicators: Sequence[Mapping[str, Any]],
    communities: Sequence[str],
    year: int,
    as_of: dt.date,
) -> dict[str, dict[str, Measured]]:
    """Each community's attested indicators (rows with `measured == "attested"`), by code.

    Not written yet: every attested indicator is unmeasured (earns nothing).
    """
    return {code: {} for code in communities}
