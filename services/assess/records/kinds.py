"""Every kind of attested record, described once, as data.

A kind says what a community records (its fields: their GraphQL input, their checks, the
column or details key each feeds), whether evidence is required and of which media type, and
the few rules that span fields. From this list follow:
- the GraphQL `RecordKind` enum, one input type and one mutation per kind (graph.py);
- the checks of a new record (entries.py walks the fields, then the kind's rules).
Adding a kind is one entry here, its code in the table's list (tables.RECORD_KINDS: the table
sits below this module; loading refuses a list that differs from the kinds described) and a
migration of that CHECK constraint.

Fields read the input's values by their snake_case name (GraphQL: camelCase); a choice's value
is its stored code; dates are `datetime.date`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from services.assess.records import vocab
from services.assess.records.tables import RECORD_KINDS
from services.assess.records.values import MAX_MINUTES, MAX_TEXT, amount, choice, people, words
from services.assess.shared import dates
from services.common.errors import invalid

# Where a checked value is kept: a typed column of `record`, or a key of its `details`.
Column = Literal["occurred_on", "year", "subject", "amount"]
Values = Mapping[str, Any]  # the input's values, by field name
# How an input field is typed in GraphQL (graph.py maps each to its Python type).
Shape = Literal["text", "date", "float", "int", "names", "id", "ids", "choice"]


class _NoDefault:
    """An input field without a default (the caller must give it)."""


NO_DEFAULT = _NoDefault()


@dataclass(frozen=True)
class InputField:
    """One field of a kind's GraphQL input type, in order."""

    name: str
    shape: Shape
    default: Any = NO_DEFAULT  # None: nullable (and null by default)
    description: str | None = None
    vocabulary: Vocabulary | None = None


@dataclass(frozen=True)
class Vocabulary:
    """The words a choice is made of (vocab.py), and their GraphQL enum."""

    enum: str
    description: str
    words: Mapping[str, tuple[str, str]]


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


@dataclass(frozen=True, kw_only=True)
class Field:
    """A field of a kind: what it takes from the input, and where its checked value goes."""

    name: str
    to: tuple[str, ...] = ()  # columns (Column) or "details.<key>"
    description: str | None = None

    def inputs(self) -> tuple[InputField, ...]:
        raise NotImplementedError

    def check(self, values: Values, today: dt.date) -> Any:
        """The value as it is kept; INVALID (naming the input field) when it is not one."""
        return values[self.name]


@dataclass(frozen=True, kw_only=True)
class Community(Field):
    """The community the record is of (its checks are the write's own: role, scope, org)."""

    name: str = "community_code"

    def inputs(self) -> tuple[InputField, ...]:
        return (InputField(self.name, "text"),)


@dataclass(frozen=True, kw_only=True)
class Day(Field):
    """A date; a record tells what happened, so `past` dates are not in the future."""

    to: tuple[str, ...] = ("occurred_on",)
    optional: bool = False
    past: bool = True

    def inputs(self) -> tuple[InputField, ...]:
        default = None if self.optional else NO_DEFAULT
        return (InputField(self.name, "date", default, self.description),)

    def check(self, values: Values, today: dt.date) -> dt.date | None:
        value: dt.date | None = values[self.name]
        if value is None or not self.past:
            return value
        return dates.past_date(value, ["input", _camel(self.name)], today)


@dataclass(frozen=True, kw_only=True)
class BudgetYear(Field):
    """funds: the budget year, which may be the next one (a budget granted in advance)."""

    name: str = "year"
    to: tuple[str, ...] = ("year",)

    def inputs(self) -> tuple[InputField, ...]:
        return (InputField(self.name, "int", description=self.description),)

    def check(self, values: Values, today: dt.date) -> int:
        return dates.check_year(values[self.name], today, ["input", "year"], latest=today.year + 1)


@dataclass(frozen=True, kw_only=True)
class Text(Field):
    """Typed text: required (not blank) unless `blank_ok`; `fallback` stands for a missing one."""

    label_zh: str
    limit: int = MAX_TEXT
    default: Any = NO_DEFAULT  # "" or None (nullable)
    blank_ok: bool = False
    fallback: str | None = None

    def inputs(self) -> tuple[InputField, ...]:
        return (InputField(self.name, "text", self.default, self.description),)

    def check(self, values: Values, today: dt.date) -> str:
        value = values[self.name] or self.fallback or ""
        return words(
            value, _camel(self.name), self.label_zh, self.limit, required=not self.blank_ok
        )


@dataclass(frozen=True, kw_only=True)
class Money(Field):
    """Yuan, >= 0, to the fen."""

    name: str = "amount"
    to: tuple[str, ...] = ("amount",)
    description: str | None = "Yuan, >= 0."

    def inputs(self) -> tuple[InputField, ...]:
        return (InputField(self.name, "float", description=self.description),)

    def check(self, values: Values, today: dt.date) -> Any:
        return amount(values[self.name], _camel(self.name))


@dataclass(frozen=True, kw_only=True)
class Number(Field):
    """A measure (floor area, hours) that `accepts` says is in range; None when optional."""

    accepts: Callable[[float], bool]
    refused_zh: str
    what_en: str
    optional: bool = False

    def inputs(self) -> tuple[InputField, ...]:
        default = None if self.optional else NO_DEFAULT
        return (InputField(self.name, "float", default, self.description),)

    def check(self, values: Values, today: dt.date) -> float | None:
        value: float | None = values[self.name]
        if value is not None and not self.accepts(value):
            raise invalid(
                self.refused_zh,
                f"{self.what_en} {value} out of range",
                ["input", _camel(self.name)],
            )
        return value


@dataclass(frozen=True, kw_only=True)
class Pick(Field):
    """One word of a vocabulary (kept as its code)."""

    vocabulary: Vocabulary
    to: tuple[str, ...] = ("subject",)

    def inputs(self) -> tuple[InputField, ...]:
        return (InputField(self.name, "choice", vocabulary=self.vocabulary),)

    def check(self, values: Values, today: dt.date) -> str:
        return choice(values[self.name], self.vocabulary.words, self.name)


@dataclass(frozen=True, kw_only=True)
class Attendance(Field):
    """People present: a count, names, or both (`<stem>_count`, `<stem>s`)."""

    stem: str
    name: str = ""

    def inputs(self) -> tuple[InputField, ...]:
        return (
            InputField(f"{self.stem}_count", "int", None),
            InputField(f"{self.stem}s", "names", None, "Names."),
        )

    def check(self, values: Values, today: dt.date) -> dict[str, Any]:
        return people(values[f"{self.stem}_count"], values[f"{self.stem}s"], self.stem)


@dataclass(frozen=True, kw_only=True)
class ResidentUnit(Field):
    """A resident unit of org (of this community): read through the graph by the write
    (graph.py), whose name it gives (`unit_name`) is kept as it was."""

    name: str = "resident_unit_id"
    to: tuple[str, ...] = ("subject", "details.resident_unit_id")

    def inputs(self) -> tuple[InputField, ...]:
        return (InputField(self.name, "id", description=self.description),)

    def check(self, values: Values, today: dt.date) -> str:
        return str(parse_uuid(values[self.name], ["input", _camel(self.name)]))


@dataclass(frozen=True, kw_only=True)
class Allocation(Field):
    """fund_use: the funds record it is a use of (found and locked by the write, which then
    checks the uses stay within it: writes.within_allocation)."""

    name: str = "funds_id"

    def inputs(self) -> tuple[InputField, ...]:
        return (InputField(self.name, "id"),)


@dataclass(frozen=True, kw_only=True)
class Evidence(Field):
    """The evidence files named (uploads of the same community, writes.add checks): at least
    one when `required`; each of `media` (a prefix of its detected media type) when given."""

    name: str = "evidence_ids"
    required: bool = False
    media: str | None = None

    def inputs(self) -> tuple[InputField, ...]:
        return (InputField(self.name, "ids", NO_DEFAULT if self.required else ()),)

    def check(self, values: Values, today: dt.date) -> tuple[uuid.UUID, ...]:
        return tuple(parse_uuid(v, ["input", "evidenceIds"]) for v in values[self.name] or ())


def parse_uuid(value: Any, path: list[str]) -> uuid.UUID:
    """An id the input names, as a UUID; INVALID when it is not one."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise invalid(f"编号格式不正确：{value}", f"Malformed id {value}", path) from None


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


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
