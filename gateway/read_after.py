"""Read-your-writes across read replicas, without state in the gateway.

A subgraph with a replica answers a mutation with `partygrid-lsn` (its primary's WAL position
after the commit, services/common/replica.py). The transport notes it per subgraph for the
request being served (`noted`); this middleware returns the newest positions to the caller as
header `PartyGrid-Read-After: grid=0/1A2B3C4.org=…` (parts joined by `.`, which a cookie value
may hold, where a comma may not) and as a short-lived cookie (HttpOnly,
SameSite=Lax: the console and planner pages carry it by themselves). The caller's token —
header or cookie — is read on every request and sent to each subgraph as
`partygrid-read-after` (`forwarded`): a replica that has not replayed that far does not answer
that caller's reads. Any gateway worker can serve any request: the token travels with the
caller.

A token is a hint, never trusted for anything else: a malformed one is ignored, and a
position past the primary's own (no write reached it: forged) is ignored by the subgraph
(services/common/replica.py `ReplicaMonitor.forged`), so it cannot push reads to the primary.
"""

from __future__ import annotations

import contextvars
import re

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.read_protocol import READ_AFTER_HEADER, format_lsn, parse_lsn

HEADER = "partygrid-read-after"  # to and from the caller (the same name as to subgraphs)
COOKIE = "partygrid_read_after"
MAX_AGE = 60  # seconds: a replica is far less behind than this, or it takes no reads
_PART = re.compile(r"^([a-z][a-z0-9_]{0,30})=([0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8})$")
_MAX_PARTS = 16

assert HEADER == READ_AFTER_HEADER  # one name, so a subgraph behind no gateway reads it too

# The caller's positions (subgraph → LSN) and the ones this request's writes reached.
_CALLER: contextvars.ContextVar[dict[str, int] | None] = contextvars.ContextVar(
    "read_after_caller", default=None
)
_WRITTEN: contextvars.ContextVar[dict[str, int] | None] = contextvars.ContextVar(
    "read_after_written", default=None
)


def parse_token(value: str | None) -> dict[str, int]:
    """`grid=0/1A2B3C4.org=0/16B3748` → {subgraph: LSN} (a comma separates too); malformed
    parts are left out."""
    found: dict[str, int] = {}
    for part in re.split(r"[.,]", value or "")[:_MAX_PARTS]:
        match = _PART.match(part.strip())
        if match and (lsn := parse_lsn(match.group(2))) is not None:
            found[match.group(1)] = max(lsn, found.get(match.group(1), 0))
    return found


def format_token(positions: dict[str, int]) -> str:
    return ".".join(f"{name}={format_lsn(lsn)}" for name, lsn in sorted(positions.items()))


def forwarded_position() -> dict[str, str]:
    """The caller's newest position as the header to a subgraph (none: no token): the
    newest whichever subgraph wrote, since every service lives in one cluster (one WAL) and a
    read of one subgraph may rest on another's data (grid's coverage reads org's residents;
    assess's grading reads org and grid), which it then asks of that subgraph with this same
    position (services/common/read_protocol.py)."""
    positions = _CALLER.get()
    if not positions:
        return {}
    return {READ_AFTER_HEADER: format_lsn(max(positions.values()))}


def noted(graph: str, lsn: str | None) -> None:
    """A subgraph's answer to a write named its primary's position: keep the newest."""
    written = _WRITTEN.get()
    value = parse_lsn(lsn)
    if written is None or value is None:
        return
    written[graph] = max(value, written.get(graph, 0))
    caller = _CALLER.get()
    if caller is not None:  # the same request's later reads wait for its own write too
        caller[graph] = max(value, caller.get(graph, 0))


def _caller_token(scope: Scope) -> dict[str, int]:
    connection = HTTPConnection(scope)  # Starlette's own reading of the cookie header
    positions = parse_token(connection.cookies.get(COOKIE))
    for graph, lsn in parse_token(connection.headers.get(HEADER)).items():
        positions[graph] = max(lsn, positions.get(graph, 0))
    return positions


class ReadAfter:
    """ASGI middleware: reads the caller's token, returns the new one after writes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        caller = _caller_token(scope)
        if not caller and scope.get("method") in ("GET", "HEAD"):
            # Most requests (pages, tiles, files): nothing to forward, and a read writes
            # nothing to answer a position for.
            await self.app(scope, receive, send)
            return
        written: dict[str, int] = {}
        tokens = (_CALLER.set(dict(caller)), _WRITTEN.set(written))

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and written:
                merged = dict(caller)
                for graph, lsn in written.items():
                    merged[graph] = max(lsn, merged.get(graph, 0))
                token = format_token(merged)
                headers = MutableHeaders(scope=message)
                headers.append(HEADER, token)
                # Secure over https, as the session's cookies (gateway/auth/web.py).
                secure = "; Secure" if scope.get("scheme") == "https" else ""
                headers.append(
                    "set-cookie",
                    f"{COOKIE}={token}; Max-Age={MAX_AGE}; Path=/; HttpOnly; SameSite=Lax{secure}",
                )
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            _WRITTEN.reset(tokens[1])
            _CALLER.reset(tokens[0])
