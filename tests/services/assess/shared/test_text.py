"""Free text as every write of the assess service takes it (services/assess/shared/text.py): trimmed,
capped, and free of control characters other than line breaks and tabs — Postgres refuses a
NUL in text, which must be a typed INVALID, not an internal error. The writes themselves are
tested through the gateway in the area tests (grading, milestones, commendations)."""

from __future__ import annotations

import unicodedata

import pytest

from services.assess.shared.text import clean_text
from services.common import text as text_rule
from services.common.errors import DomainError, UserErrorCode


def _refused(value: str, max_len: int = 10, *, required: bool = False) -> DomainError:
    with pytest.raises(DomainError) as refused:
        clean_text(value, ["input", "note"], max_len, required=required, what_zh="说明")
    assert refused.value.code is UserErrorCode.INVALID
    assert refused.value.field == ["input", "note"]
    assert refused.value.message and refused.value.message_en
    return refused.value


def test_text_is_trimmed_and_keeps_line_breaks_and_tabs() -> None:
    assert (
        clean_text("  第一行\r\n第二行\t完  ", "note", 20, what_zh="说明") == "第一行\n第二行\t完"
    )


def test_blank_text_is_none_unless_required() -> None:
    assert clean_text("   ", "note", 10, what_zh="说明") is None
    assert clean_text(None, "note", 10, what_zh="说明") is None
    assert "empty" in _refused(" \n ", required=True).message_en


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\r", "\x7f", "\x85", "\ud800"])
def test_a_control_character_is_invalid(char: str) -> None:
    refused = _refused(f"ab{char}cd")
    assert f"U+{ord(char):04X}" in refused.message_en


def test_text_longer_than_its_cap_is_invalid_and_the_cap_itself_is_taken() -> None:
    assert clean_text("长" * 10, "note", 10, what_zh="说明") == "长" * 10
    assert "10" in _refused("长" * 11).message
    # The cap is on the trimmed text: surrounding spaces do not count.
    assert clean_text(" " + "长" * 10 + " ", "note", 10, what_zh="说明") == "长" * 10


def test_the_refused_characters_are_unicodes_controls_and_surrogates_but_break_and_tab() -> None:
    everything = "".join(map(chr, range(0x110000)))
    refused = set(text_rule._REFUSED.findall(everything))
    assert refused == {
        c for c in everything if unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\t"
    }
