"""Every kind of attested record, described once, as data.

A kind says what a community records (its fields, fields.py: their GraphQL input, their
checks, the column or details key each feeds), whether evidence is required and of which
media type, and the few rules that span fields. From this list follow:
- the GraphQL `RecordKind` enum, one input type and one mutation per kind (graph.py);
- the checks of a new record (entries.py walks the fields, then the kind's rules).
Adding a kind is one entry here, its code in the table's list (tables.RECORD_KINDS: the table
sits below this module; loading refuses a list that differs from the kinds described) and a
migration of that CHECK constraint.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from services.assess.records import vocab
from services.assess.records.fields import (
    Allocation,
    Attendance,
    BudgetYear,
    Community,
    Day,
    Evidence,
    Field,
    InputField,
    Money,
    Number,
    Pick,
    ResidentUnit,
    Text,
    Vocabulary,
)
from services.assess.records.tables import RECORD_KINDS
from services.assess.records.values import MAX_MINUTES
from services.common.errors import invalid

FACILITY = Vocabulary("FacilityKind", "The five facilities (有处议事).", vocab.FACILITIES)
WORK_SYSTEM = Vocabulary("WorkSystem", "The five basic work systems (plan 四).", vocab.WORK_SYSTEMS)
TRAINING_FORM = Vocabulary(
    "TrainingForm",
    "Forms of training (集中培训、以会代训、观摩交流、个人自学).",
    vocab.TRAINING_FORMS,
)
ACTIVITY_KIND = Vocabulary(
    "ActivityKind", "Kinds of activity (双创双争 and others).", vocab.ACTIVITY_KINDS
)
VOCABULARIES = (FACILITY, WORK_SYSTEM, TRAINING_FORM, ACTIVITY_KIND)


# -- rules that span fields (each kind names its own) -------------------------------------------

Checked = Mapping[str, Any]  # a kind's checked values, by field name
Rule = Callable[[Checked], None]


def rooms_have_floor_area(checked: Checked) -> None:
    """A room (not a board) needs its floor area."""
    if checked["facility"] in vocab.ROOMS and not checked["floor_area"]:
        raise invalid(
            "房间须填写使用面积（平方米）",
            "A room needs its floor area in square metres",
            ["input", "floorArea"],
        )


def ends_after_signing(checked: Checked) -> None:
    """An agreement does not end before it was signed."""
    until = checked["valid_until"]
    if until is not None and until < checked["signed_on"]:
        raise invalid(
            "有效期不能早于签订日期",
            "The agreement ends before it was signed",
            ["input", "validUntil"],
        )


# -- the kinds ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A kind of attested record: its code (stored), labels, the plan clause it proves, its
    GraphQL mutation (snake_case name, input type) and its fields in input order."""

    code: str
    zh: str
    en: str
    plan: str
    mutation: str
    input_type: str
    input_description: str
    mutation_description: str
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...] = ()
    evidence: Evidence = field(init=False)

    def __post_init__(self) -> None:
        found = [f for f in self.fields if isinstance(f, Evidence)]
        object.__setattr__(self, "evidence", found[0] if found else Evidence())

    @property
    def allocation(self) -> Allocation | None:
        """fund_use: the field naming the funds it uses (its write starts from that record)."""
        return next((f for f in self.fields if isinstance(f, Allocation)), None)

    def inputs(self) -> tuple[InputField, ...]:
        return tuple(i for f in self.fields for i in f.inputs())


def _day(name: str, **kw: Any) -> Day:
    return Day(name=name, **kw)


KINDS: tuple[Kind, ...] = (
    Kind(
        "funds",
        "党建工作经费",
        "Party-building funds",
        "一、二 有钱办事: an allocation for a budget year (may be granted the year before)",
        "record_funds",
        "RecordFundsInput",
        "党建工作经费: an allocation for a budget year.",
        "Record funds (党建工作经费) for a budget year.",
        (
            Community(),
            BudgetYear(description="The budget year it is for."),
            Money(),
            Text(
                name="source",
                to=("details.source",),
                label_zh="经费来源",
                description="Where it comes from (e.g. 区财政).",
            ),
            _day("allocated_on"),
            Evidence(),
        ),
    ),
    Kind(
        "fund_use",
        "经费使用记录",
        "Use of funds",
        "一、二 经费使用有记录: one use of an allocation; the uses add up to no more than it",
        "record_fund_use",
        "RecordFundUseInput",
        "One use of an allocation (经费使用记录).",
        "Record one use of an allocation (经费使用记录).",
        (
            Allocation(),
            _day("spent_on"),
            Text(name="purpose", to=("details.purpose",), label_zh="用途"),
            Money(),
            Evidence(),
        ),
    ),
    Kind(
        "facility",
        "活动场所",
        "Facility",
        "一、三 有处议事: one of the five facilities, in use since a date",
        "record_facility",
        "RecordFacilityInput",
        "One of the five facilities (有处议事).",
        "Record one of the five facilities (有处议事).",
        (
            Community(),
            Pick(name="facility", vocabulary=FACILITY),
            _day("since"),
            Number(
                name="floor_area",
                to=("details.floor_area_m2",),
                accepts=lambda area: 0 <= area < 1e6,
                refused_zh="面积不正确",
                what_en="Floor area",
                optional=True,
                description="Square metres; required for the three rooms.",
            ),
            Text(
                name="location",
                to=("details.location",),
                label_zh="位置",
                default="",
                blank_ok=True,
            ),
            Evidence(),
        ),
        rules=(rooms_have_floor_area,),
    ),
    Kind(
        "work_rule",
        "社区党组织工作规则",
        "The community's work rule",
        "一: 制定《社区党组织工作规则》 — its adoption, with the document as evidence",
        "record_work_rule",
        "RecordWorkRuleInput",
        "《社区党组织工作规则》 adopted; its document as evidence.",
        "Record the adopted 《社区党组织工作规则》 (with its document).",
        (
            Community(),
            _day("adopted_on"),
            Evidence(required=True),
            Text(
                name="title",
                to=("details.title",),
                label_zh="标题",
                default=None,
                fallback=vocab.WORK_RULE_TITLE,
            ),
        ),
    ),
    Kind(
        "training",
        "党务工作者培训",
        "Training of Party workers",
        "一 有人管事: 集中培训、以会代训、观摩交流、个人自学",
        "record_training",
        "RecordTrainingInput",
        "A training of Party workers.",
        "Record a training of Party workers.",
        (
            Community(),
            _day("held_on"),
            Pick(name="form", vocabulary=TRAINING_FORM),
            Text(name="topic", to=("details.topic",), label_zh="培训主题"),
            Number(
                name="hours",
                to=("details.hours",),
                accepts=lambda hours: 0 < hours <= 1000,
                refused_zh="学时须大于0",
                what_en="Hours",
            ),
            Attendance(stem="attendee", to=("details.attendees",)),
            Evidence(),
        ),
    ),
    Kind(
        "work_system",
        "工作制度的建立",
        "A work system adopted",
        "四: one of the five basic work systems adopted (the system's text as evidence)",
        "record_work_system_adoption",
        "RecordWorkSystemAdoptionInput",
        "A work system adopted; the system's text as evidence.",
        "Record a work system's adoption (with its text).",
        (
            Community(),
            Pick(name="system", vocabulary=WORK_SYSTEM),
            _day("adopted_on"),
            Evidence(required=True),
        ),
    ),
    Kind(
        "sitting",
        "工作制度的运行",
        "A sitting of a work system",
        "四: a sitting of a work system — date, attendees, minutes",
        "record_sitting",
        "RecordSittingInput",
        "A sitting of a work system: date, attendees, minutes.",
        "Record a sitting of a work system.",
        (
            Community(),
            Pick(name="system", vocabulary=WORK_SYSTEM),
            _day("held_on"),
            Text(name="minutes", to=("details.minutes",), label_zh="会议记录", limit=MAX_MINUTES),
            Attendance(stem="attendee", to=("details.attendees",)),
            Evidence(),
        ),
    ),
    Kind(
        "activity",
        "活动",
        "Activity",
        "五: 双创双争 and other activities",
        "record_activity",
        "RecordActivityInput",
        "An activity (双创双争 and others).",
        "Record an activity (双创双争 and others).",
        (
            Community(),
            Pick(name="kind", vocabulary=ACTIVITY_KIND),
            _day("held_on"),
            Text(name="title", to=("details.title",), label_zh="活动名称"),
            Attendance(stem="participant", to=("details.participants",)),
            Evidence(),
        ),
    ),
    Kind(
        "agreement",
        "共建协议",
        "Co-building agreement",
        "三: 社区党组织与驻社区党组织签订协议 — with a resident unit org knows",
        "record_agreement",
        "RecordAgreementInput",
        "A co-building agreement (共建协议) with a resident unit of org.",
        "Record a co-building agreement (共建协议) with a resident unit known to org.",
        (
            Community(),
            ResidentUnit(description="The org graph's ResidentUnit id (of this community)."),
            _day("signed_on"),
            Evidence(required=True),
            Text(
                name="summary",
                to=("details.summary",),
                label_zh="协议内容",
                default="",
                blank_ok=True,
            ),
            _day("valid_until", to=("details.valid_until",), optional=True, past=False),
        ),
        rules=(ends_after_signing,),
    ),
    Kind(
        "disclosure",
        "党务公开",
        "Party affairs disclosure",
        "一、三: a posting on the Party affairs disclosure board (党务公开栏), a photo as evidence",
        "record_disclosure",
        "RecordDisclosureInput",
        "A 党务公开 posting on the Party affairs disclosure board; a photo of it as evidence.",
        "Record a 党务公开 posting (with a photo of it on the board).",
        (
            Community(),
            _day("posted_on"),
            Text(name="topic", to=("details.topic",), label_zh="公开内容"),
            Text(
                name="posted_at",
                to=("details.posted_at",),
                label_zh="公开位置",
                description="Where it was posted (e.g. 社区党务公开栏).",
            ),
            Evidence(required=True, media="image/"),
        ),
    ),
)
BY_CODE: dict[str, Kind] = {k.code: k for k in KINDS}
CODES: tuple[str, ...] = tuple(BY_CODE)
if CODES != RECORD_KINDS:  # the table's kinds (tables sit below this module and cannot import it)
    raise RuntimeError(f"kinds.py describes {CODES}; the record table holds {RECORD_KINDS}")
