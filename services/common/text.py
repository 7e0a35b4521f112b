"""Free text as every service takes it in (names, notes, reasons, goals), the same way for
every write: trimmed, capped in length, and free of control characters.

Why: Postgres refuses a NUL in text (DataError, which surfaced as a masked internal error),
and an unbounded note lets one request store megabytes. A refusal is INVALID, in Chinese and
English, naming the field, so the write's transaction stores nothing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Literal, overload

from services.common.errors import field_path, invalid

# Line breaks and tabs are ordinary in a typed note; every other control character (NUL,
# ESC, a lone CR...) is not text a person wrote.
_ALLOWED_CONTROLS = frozenset("\n\t")


def trimmed(value: str) -> str:
    """The one trimming of text taken in: a CR LF read as a line break, white space (NBSP
    included) cut at both ends. Zero-width characters are not white space: they stay."""
    return value.replace("\r\n", "\n").strip()


@overload
def clean_text(
    value: str | None,
    field: str | Sequence[str],
    max_len: int,
    *,
    required: Literal[True],
    what_zh: str | None = None,
) -> str: ...


@overload
def clean_text(
    value: str | None,
    field: str | Sequence[str],
    max_len: int,
    *,
    required: Literal[False] = False,
    what_zh: str | None = None,
) -> str | None: ...


@overload
def clean_text(
    value: str | None,
    field: str | Sequence[str],
    max_len: int,
    *,
    required: bool,
    what_zh: str | None = None,
) -> str | None: ...


def clean_text(
    value: str | None,
    field: str | Sequence[str],
    max_len: int,
    *,
    required: bool = False,
    what_zh: str | None = None,
) -> str | None:
    """`value` trimmed; None when blank (INVALID instead when `required`). INVALID when it
    holds a control character other than a line break or tab (a CR LF counts as a line
    break), or is longer than `max_len` characters after trimming. The Chinese message names
    the field by `what_zh` (e.g. "退回理由"), else by its key; the English one by its key."""
    path = field_path(field)
    name = path[-1]
    zh = what_zh or name
    text = trimmed(value or "")
    if not text:
        if required:
            raise invalid(f"{zh}不能为空", f"{name} is empty", path)
        return None
    for ch in text:
        # Cc: control characters; Cs: lone surrogates, which UTF-8 (and Postgres) cannot hold.
        if ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) in ("Cc", "Cs"):
            raise invalid(
                f"{zh}含有不允许的控制字符（U+{ord(ch):04X}）",
                f"{name} contains a control character (U+{ord(ch):04X})",
                path,
            )
    if len(text) > max_len:
        raise invalid(
            f"{zh}过长（最多{max_len}字）", f"{name} is longer than {max_len} characters", path
        )
    return text


# Caps of free text: a note or reason is a paragraph or a few, a goal or a nomination reason
# a sentence or two, a name (of a person, organization, zone, building) a short line.
MAX_NOTE = 2000
MAX_LINE = 500
MAX_NAME = 200
