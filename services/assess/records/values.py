"""Checks of single values a record is made of: amounts, texts, choices, people.

Each returns the value as it is kept, or raises INVALID naming the input field. They import no
table, so the record kinds (kinds.py) and the tables' CHECK list can be built from them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from services.assess.shared.text import clean_text
from services.common.errors import invalid

MAX_TEXT = 500
MAX_MINUTES = 20_000
MAX_NAMES = 500
MAX_NAME = 50  # characters of one name


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


def choice(value: str, allowed: Mapping[str, tuple[str, str]], name: str) -> str:
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
