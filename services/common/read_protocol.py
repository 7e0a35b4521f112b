"""What the gateway and the subgraphs agree on about reads from replicas: the headers and the
WAL positions (LSNs) they carry. Apart from `replica` (the subgraphs' side, with its database
engines), so the gateway imports these without SQLAlchemy."""

from __future__ import annotations

import re

LSN_HEADER = "partygrid-lsn"  # subgraph → gateway: the primary's WAL position after a write
READ_AFTER_HEADER = "partygrid-read-after"  # gateway → subgraph: replay this far first
_LSN = re.compile(r"^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$")


def parse_lsn(value: str | None) -> int | None:
    """`0/1A2B3C4` as a number (None: absent or not an LSN)."""
    if value is None or not _LSN.match(value.strip()):
        return None
    high, low = value.strip().split("/")
    return (int(high, 16) << 32) + int(low, 16)


def format_lsn(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"
