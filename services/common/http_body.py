"""Reading request bodies: under a cap, and in time.

`read_capped`: the gateway's doors and assess's evidence route all refuse a body that is too
large before holding more than the cap in memory.

`header`, `whole_body`, `replaying`: middleware that must see a body before the app (the
write guard's fingerprint, the read router's operation kind) reads it whole and hands the
app a receive that gives it again.

`BodyDeadline`: ASGI middleware in front of every app of the suite (the gateway and each
subgraph). A body that does not arrive in time — shorter than its Content-Length, or
trickling — is answered 408 and its connection closed, instead of holding the connection
(and a worker's attention) open for as long as the client likes. The time allowed is
`grace` seconds plus the declared length at `min_rate` bytes a second, so a large upload on
a slow link still gets through.
"""

from __future__ import annotations

import asyncio
import logging

import orjson
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("partygrid.http")

BODY_GRACE_SECONDS = 5.0
BODY_MIN_RATE = 100_000  # bytes per second


async def read_capped(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is larger than `limit` bytes (declared or sent)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


_TIMEOUT_BODY = orjson.dumps(
    {
        "errors": [
            {
                "message": "请求体未能按时送达",
                "extensions": {
                    "code": "REQUEST_TIMEOUT",
                    "messageEn": "The request body did not arrive in time.",
                },
            }
        ]
    }
)


class BodyDeadline:
    """See the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        grace: float = BODY_GRACE_SECONDS,
        min_rate: int = BODY_MIN_RATE,
    ) -> None:
        self.app = app
        self.grace = grace
        self.min_rate = min_rate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = 0
        for name, value in scope.get("headers") or ():
            if name == b"content-length" and value.isdigit():
                declared = int(value)
        loop = asyncio.get_running_loop()
        timed = _TimedBody(receive, send, loop.time() + self.grace + declared / self.min_rate)
        try:
            await self.app(scope, timed.receive, timed.send)
        except Exception:
            if not timed.answered:
                raise
            # The app failed on the body it never got; the client has its 408.
            log.debug("app failed after a body timeout", exc_info=True)


class _TimedBody:
    """One request's body under its deadline: past it, 408 (unless the app's answer has
    begun) and the app sees the client disconnect."""

    def __init__(self, receive: Receive, send: Send, deadline: float) -> None:
        self._receive = receive
        self._send = send
        self.deadline = deadline
        self.whole = False  # the body has arrived: later receives wait for a disconnect only
        self.started = False
        self.answered = False

    async def receive(self) -> Message:
        if self.whole or self.answered:
            return await self._receive()
        try:
            async with asyncio.timeout_at(self.deadline):
                message = await self._receive()
        except TimeoutError:
            log.warning("request body too slow: answered 408 and closed the connection")
            if not self.started:
                self.answered = True
                await self._answer_408()
            return {"type": "http.disconnect"}
        if message["type"] != "http.request" or not message.get("more_body", False):
            self.whole = True
        return message

    async def _answer_408(self) -> None:
        await self._send(
            {
                "type": "http.response.start",
                "status": 408,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(_TIMEOUT_BODY)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await self._send({"type": "http.response.body", "body": _TIMEOUT_BODY})

    async def send(self, message: Message) -> None:
        if self.answered:
            return  # 408 went out already: whatever the app says next is dropped
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


def header(scope: Scope, name: bytes) -> str | None:
    """A request header's value (the first), or None."""
    for key, value in scope.get("headers") or ():
        if key == name:
            return value.decode("latin-1")
    return None


async def whole_body(receive: Receive) -> tuple[bytes, Message | None]:
    """The request body (the body deadline in front bounds how long this takes), and a
    disconnect message if one came instead."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), None


def replaying(body: bytes, ended: Message | None, receive: Receive) -> Receive:
    """A receive that gives the app the body read already, then the real channel."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            if ended is not None:
                return ended
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
