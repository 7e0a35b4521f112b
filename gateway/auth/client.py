"""The client address of the request being served, for throttling sign-in attempts.

The gateway serves the auth subgraph in-process, so the subgraph's own request comes from
the gateway; `ClientAddress` (ASGI middleware of the gateway) keeps the caller's address in
a context variable that the subgraph's resolvers, run in the same task, read.
"""

from __future__ import annotations

import contextvars
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

_CLIENT: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "partygrid_client", default=None
)


def client_address(scope_client: Any = None) -> str:
    """The address of the caller being served; else `scope_client`'s (a standalone auth
    subgraph sees its own caller, e.g. a stand-in gateway)."""
    known = _CLIENT.get()
    if known is not None:
        return known
    return scope_client[0] if scope_client else "unknown"


class ClientAddress:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _CLIENT.set(client_address(scope.get("client")))
        try:
            await self.app(scope, receive, send)
        finally:
            _CLIENT.reset(token)
