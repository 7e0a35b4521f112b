"""The read-after token the gateway returns and forwards (gateway/read_after.py)."""

from __future__ import annotations

from gateway.read_after import format_token, parse_token
from services.common.read_protocol import parse_lsn


def test_a_token_lists_each_subgraphs_position() -> None:
    token = format_token({"org": parse_lsn("0/16B3748") or 0, "grid": parse_lsn("1/A") or 0})
    assert token == "grid=1/A.org=0/16B3748"  # no comma: a cookie value may not hold one
    assert parse_token(token) == {"grid": (1 << 32) + 10, "org": 0x16B3748}


def test_a_token_is_a_hint_and_malformed_parts_are_dropped() -> None:
    assert parse_token(None) == {}
    assert parse_token("") == {}
    assert parse_token("grid=0/10,org=zz,=0/1,Grid=0/2, assess=0/3 ") == {
        "grid": 0x10,
        "assess": 3,
    }
    assert parse_token("grid=0/10.grid=0/20.grid=0/5") == {"grid": 0x20}  # the newest wins
    assert len(parse_token(".".join(f"s{i}=0/{i}" for i in range(100)))) == 16  # bounded
