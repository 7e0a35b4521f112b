"""What the gateway and the subgraphs agree on about reads from replicas: the headers and the
WAL positions (LSNs) they carry. Apart from `replica` (the subgraphs' side, with its database
engines), so the gateway imports these without SQLAlchemy."""

from __future__ import annotations

import contextvars
import re
from dataclasses import dataclass

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


READ_PRIMARY_HEADER = "partygrid-read-primary"  # service → service: read on the primary


@dataclass(frozen=True)
class Serving:
    """What the request a subgraph is serving asks of the reads it makes of other subgraphs:
    `write` (a mutation, or a caller that itself serves one) reads on their primaries, for a
    write's checks and snapshots must see every commit; otherwise `read_after`, the caller's
    position (one cluster: a position from any service's write compares with every replica)."""

    write: bool
    read_after: int | None = None


# Set by the subgraph's read router (services/common/replica.py) for the request it serves.
SERVING: contextvars.ContextVar[Serving | None] = contextvars.ContextVar("serving", default=None)


def onward_headers() -> dict[str, str]:
    """The headers a service-to-service read carries for the request being served (none
    outside a request: CLI and startup work read as the callee routes them)."""
    serving = SERVING.get()
    if serving is None:
        return {}
    if serving.write:
        return {READ_PRIMARY_HEADER: "1"}
    if serving.read_after is not None:
        return {READ_AFTER_HEADER: format_lsn(serving.read_after)}
    return {}
