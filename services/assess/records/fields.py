"""The fields a record kind is made of (kinds.py), each knowing its GraphQL input, its check and
where its checked value is kept: a typed column of `record` or a key of its `details`.

Fields read the input's values by their snake_case name (GraphQL: camelCase); a choice's value
is its stored code; dates are `datetime.date`. A check returns the value as it is kept or
raises INVALID naming the input field.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from services.assess.records.values import MAX_TEXT, amount, choice, people, words
from services.assess.shared import dates
from services.common.errors import invalid

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
