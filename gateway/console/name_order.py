"""Names in the order people read them: Chinese by pinyin (the zh-CN order), the numbers in
them by value, as the planner page's `compareNames` does (gateway/static/planner/planner.js):
第二社区 before 第十社区, 2号院 before 10号院, not by their pinyin or their digits.

A name is compared first with every run of numerals masked, then by the runs' values, then
whole (so the order is total).
"""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

NUMERALS = re.compile(r"[0-9〇零一二两三四五六七八九十百千万]+")
_DIGITS = "〇一二三四五六七八九"
_UNITS = {"十": 10, "百": 100, "千": 1000}


def numeral_value(run: str) -> int:
    """The value of a run of numerals: "12" 12, "十二" 12, "二十" 20, "一百零五" 105,
    "一〇二" 102 (digits without units read positionally)."""
    if run.isascii():
        return int(run[:12])
    if not any(ch in _UNITS or ch == "万" for ch in run):
        value = 0
        for ch in run[:12]:
            value = value * 10 + _digit(ch)
        return value
    value = section = digit = 0
    for ch in run:
        if ch in _UNITS:
            section += max(digit, 1) * _UNITS[ch]
            digit = 0
        elif ch == "万":
            value += (section + digit) * 10000
            section = digit = 0
        else:
            digit = _digit(ch)
    return value + section + digit


def _digit(ch: str) -> int:
    if ch == "两":
        return 2
    if ch == "零":
        return 0
    return max(_DIGITS.find(ch), 0)


def _reading(text: str) -> tuple[tuple[str, str], ...]:
    """Each character's pinyin with its tone (its reading, for Han; itself, lower-cased,
    otherwise), paired with the character so that equal readings still order totally. The
    whole name is read at once, so a character read differently in a word reads as there."""
    out: list[tuple[str, str]] = []
    at = 0
    for item in lazy_pinyin(text, style=Style.TONE3, errors="default"):
        if text.startswith(item, at) and not _is_han(text[at]):  # a run of other characters
            out.extend((ch.lower(), ch) for ch in item)
            at += len(item)
        elif at < len(text):  # one Han character's reading
            out.append((item.lower(), text[at]))
            at += 1
    out.extend((ch.lower(), ch) for ch in text[at:])  # nothing should be left; if so, as it is
    return tuple(out)


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


@lru_cache(maxsize=4096)
def name_key(name: str) -> tuple[object, ...]:
    """The sort key of a name (see the module's docstring)."""
    masked = NUMERALS.sub("#", name)
    values = tuple(numeral_value(run) for run in NUMERALS.findall(name))
    return (_reading(masked), values, _reading(name))
