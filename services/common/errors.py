"""Typed user errors: a refused write comes back as data, in Chinese and English, and
nothing is written (the mutation's transaction is rolled back)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from enum import Enum
from typing import TypeVar

import strawberry
from graphql import GraphQLError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

T = TypeVar("T")


@strawberry.enum(description="Why a write was refused.")
class UserErrorCode(Enum):
    NOT_FOUND = "not_found"  # an id that names nothing (in the caller's scope)
    INVALID = "invalid"  # a value outside its list or range, a date in the future
    CONFLICT = "conflict"  # would duplicate something that must be unique
    RULE_VIOLATION = "rule_violation"  # would break a hard rule of the plan
    IN_USE = "in_use"  # still referenced elsewhere (e.g. grid assigns zones to it)
    STALE = "stale"  # edited against an old version
    UNAVAILABLE = "unavailable"  # a service this write must consult did not answer


# Shareable: every subgraph refuses writes the same way, and federation lets several
# subgraphs resolve one value type only when it says so.
@strawberry.federation.type(
    shareable=True, description="A refused write, with the reason in Chinese and English."
)
class UserError:
    code: UserErrorCode
    message: str = strawberry.field(description="Chinese (zh-CN).")
    message_en: str
    field: list[str] | None = strawberry.field(
        default=None, description="Path of the input field at fault."
    )
    rule: str | None = strawberry.field(default=None, description="Rule id, if a rule refused it.")


@dataclass
class DomainError(Exception):
    """Raised by domain code to refuse a write; turned into UserError by `run_write`."""

    code: UserErrorCode
    message: str
    message_en: str
    field: list[str] | None = None
    rule: str | None = None
    more: list[DomainError] = dc_field(default_factory=list)  # further errors of one refusal

    def __post_init__(self) -> None:
        super().__init__(self.message_en)

    def user_errors(self) -> list[UserError]:
        return [
            UserError(
                code=e.code, message=e.message, message_en=e.message_en, field=e.field, rule=e.rule
            )
            for e in (self, *self.more)
        ]


def bad_input(zh: str, en: str) -> GraphQLError:
    """A query's bad argument, refused before anything is read: the message in Chinese, the
    English in `extensions.messageEn` (never both in one message)."""
    return GraphQLError(zh, extensions={"code": "BAD_USER_INPUT", "messageEn": en})


def not_found(what_zh: str, what_en: str, value: object, field: str) -> DomainError:
    return DomainError(
        UserErrorCode.NOT_FOUND, f"未找到{what_zh}：{value}", f"No {what_en} {value}", [field]
    )


def field_path(field: str | Sequence[str | int]) -> list[str]:
    """An error's field path: one name, or the path's parts (list indexes as text)."""
    return [field] if isinstance(field, str) else [str(f) for f in field]


def invalid(zh: str, en: str, field: str | Sequence[str | int]) -> DomainError:
    return DomainError(UserErrorCode.INVALID, zh, en, field_path(field))


def combined(problems: Sequence[DomainError]) -> DomainError:
    """One refusal naming every problem: the first, carrying the rest (`problems` non-empty)."""
    first, *more = problems
    return dataclasses.replace(first, more=more)


def refuse_all(problems: Sequence[DomainError]) -> None:
    """Raise one refusal naming every problem, if there is any."""
    if problems:
        raise combined(problems)


# Constraint names in the database -> the error a user sees when a write hits them.
ConstraintErrors = dict[str, DomainError]


async def run_write(
    engine: AsyncEngine,
    write: Callable[[AsyncConnection], Awaitable[T]],
    constraint_errors: ConstraintErrors | None = None,
) -> tuple[T | None, list[UserError]]:
    """Run `write` in one transaction; a DomainError or a known constraint rolls it back."""
    try:
        async with engine.begin() as conn:
            return await write(conn), []
    except DomainError as refused:
        return None, refused.user_errors()
    except IntegrityError as clash:
        name = getattr(getattr(clash.orig, "diag", None), "constraint_name", None)
        known = (constraint_errors or {}).get(name or "")
        if known is None:
            raise
        return None, known.user_errors()
