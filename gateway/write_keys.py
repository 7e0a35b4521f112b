"""The `Idempotency-Key` a client sends with a write, handed on to each subgraph mutation.

`WriteKeys` (ASGI middleware in front of every gateway route, so `/graphql` and the planner
page's routes alike) checks the header and keeps it for the request; the transport asks
`next_key(graph)` for each mutation fetch it sends and gets the client's key made unique per
fetch (`<key>:<subgraph>:<n>`, n counting the request's mutation fetches, which run one
after another in plan order, so a retry of the same request derives the same keys). Each
subgraph then answers a retry from its own record (`services.common.idempotency`).
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from services.common.write_protocol import KEY_HEADER, error_body, valid_key

_KEY = KEY_HEADER.encode()


@dataclass
class _RequestKey:
    key: str
    fetches: int = 0


_current: contextvars.ContextVar[_RequestKey | None] = contextvars.ContextVar(
    "partygrid_write_key", default=None
)


def next_key(graph: str) -> str | None:
    """The key for the next mutation fetch of the request being served (None: it sent none)."""
    request = _current.get()
    if request is None:
        return None
    request.fetches += 1
    return f"{request.key}:{graph}:{request.fetches}"


class WriteKeys:
    """See the module docstring; a malformed key is refused (400, INVALID_IDEMPOTENCY_KEY)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = None
        if scope["type"] == "http" and scope["method"] == "POST":
            key = next((v for k, v in scope.get("headers") or () if k == _KEY), None)
        if key is None:
            await self.app(scope, receive, send)
            return
        text = key.decode("latin-1").strip()
        if not valid_key(text):
            body = error_body("INVALID_IDEMPOTENCY_KEY")
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
            ]
            await send({"type": "http.response.start", "status": 400, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        reset = _current.set(_RequestKey(text))
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(reset)
