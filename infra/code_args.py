"""Region codes given on the command line, parsed by the one rule (services.common.auth_codes)
as argparse types: a code is taken exactly as typed or refused before anything runs."""

from __future__ import annotations

import argparse


def _code(value: str, lengths: tuple[int, ...]) -> str:
    # Imported when an option is given: the GraphQL stack is no cost of every command's start.
    from services.common.auth_codes import parse_region_code
    from services.common.errors import DomainError

    try:
        return parse_region_code(value, "code", lengths)
    except DomainError as bad:
        raise argparse.ArgumentTypeError(f"{bad.message_en} ({bad.message})") from None


def community_code(value: str) -> str:
    """A 12-digit community code."""
    return _code(value, (12,))


def region_code(value: str) -> str:
    """A 6-, 9- or 12-digit code of a district, street office or township, or community."""
    return _code(value, (6, 9, 12))
