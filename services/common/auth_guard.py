"""The door of a subgraph's `/graphql`: no valid internal token, no GraphQL.

A refused call gets HTTP 401 and a GraphQL error response whose `extensions.code` is stable:
INTERNAL_TOKEN_MISSING (no token: a direct call), INTERNAL_TOKEN_INVALID (expired, forged,
malformed), UNAUTHENTICATED (a valid token for a caller who has not logged in, where this
subgraph serves users only). The message is Chinese; `extensions.messageEn` is English.
"""

from __future__ import annotations

import logging

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from services.common.auth import reset_current, set_current
from services.common.auth_tokens import HEADER, InternalTokens, InvalidInternalTokenError

log = logging.getLogger("partygrid.auth")

REFUSALS = {
    "INTERNAL_TOKEN_MISSING": (
        "缺少内部令牌：请经网关访问",
        "No internal token: call through the gateway.",
    ),
    "INTERNAL_TOKEN_INVALID": (
        "内部令牌无效或已过期",
        "The internal token is invalid or expired.",
    ),
    "UNAUTHENTICATED": ("请先登录", "Log in first."),
}
_HEADER_BYTES = HEADER.encode("latin-1")


def refusal_body(code: str) -> bytes:
    message, message_en = REFUSALS[code]
    return orjson.dumps(
        {"errors": [{"message": message, "extensions": {"code": code, "messageEn": message_en}}]}
    )


class InternalTokenGuard:
    """ASGI middleware around a GraphQL app: verifies the internal token, then serves the
    request with its identity in `scope["state"]["identity"]` and in `current_identity()`.

    `tokens` None (no key configured) refuses everything: a subgraph fails closed.
    `allow_anonymous`: a valid token for a caller who has not logged in is served (the
    gateway's own auth subgraph, where login happens); elsewhere it is refused.
    """

    def __init__(
        self, app: ASGIApp, tokens: InternalTokens | None, *, allow_anonymous: bool = False
    ) -> None:
        self.app = app
        self.tokens = tokens
        self.allow_anonymous = allow_anonymous

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _header(scope)
        if token is None:
            await _refuse(send, "INTERNAL_TOKEN_MISSING")
            return
        try:
            if self.tokens is None:
                raise InvalidInternalTokenError("no internal token key configured")
            identity = self.tokens.verify(token)
        except InvalidInternalTokenError as bad:
            log.warning("refused an internal token: %s", bad.reason)  # never the token itself
            await _refuse(send, "INTERNAL_TOKEN_INVALID")
            return
        if identity.anonymous and not self.allow_anonymous:
            await _refuse(send, "UNAUTHENTICATED")
            return
        scope.setdefault("state", {})["identity"] = identity
        reset = set_current(identity)
        try:
            await self.app(scope, receive, send)
        finally:
            reset_current(reset)


def _header(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == _HEADER_BYTES:
            return value.decode("latin-1").strip() or None
    return None


async def _refuse(send: Send, code: str) -> None:
    body = refusal_body(code)
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"www-authenticate", b'Bearer realm="partygrid-subgraph"'),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
