"""A cap on the body of every request the gateway serves: 413 beyond it.

Routes that read a body do so under their own cap too (`/graphql`, `/files/evidence` with
`read_capped`; `/imports/` while streaming it on); this middleware is the floor for every
route, present and future, so no route can be made to hold an unbounded body in memory. A body declared too large is refused
before it is read; one that grows past the cap while streaming (chunked) is cut off: the
app sees the client disconnect, and the client gets 413 unless an answer has begun.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Small forms (sign-in, sign-out) need a few hundred bytes.
FORM_BYTES = 16 * 1024
# The console's forms: a monthly report's commentary or a self-assessment of every
# indicator is a few kilobytes of text; evidence uploads have the file cap.
CONSOLE_FORM_BYTES = 256 * 1024
# The most evidence files one console form carries (gateway.console.page reads its forms so).
CONSOLE_FILES = 4
# Above the cap of a route that reads its body capped itself, so that route's own typed
# answer is what clients see; this cap is the floor beneath it.
HEADROOM = 64 * 1024
_TOO_LARGE = '{"errors":[{"message":"请求体过大 / Request body too large."}]}'.encode()


def gateway_caps(
    max_body_bytes: int, max_upload_bytes: int, max_import_bytes: int
) -> list[tuple[str, int]]:
    """The gateway's caps (BodyCap's `caps`): GraphQL and the planner's edits up to the
    GraphQL cap, evidence files and imported files up to theirs, the console's forms
    `CONSOLE_FORM_BYTES`; every other route gets `FORM_BYTES`, a small form."""
    return [
        ("/graphql", max_body_bytes + HEADROOM),
        ("/files/", max_upload_bytes + HEADROOM),
        ("/imports/", max_import_bytes + HEADROOM),
        ("/maps/planner/", max_body_bytes),
        # The console's GraphiQL sends GraphQL bodies; its record forms carry evidence files.
        ("/console/graphql", max_body_bytes + HEADROOM),
        # Up to MAX_FILES files, each up to the file cap (checked one by one by the page).
        ("/console/records/", CONSOLE_FILES * max_upload_bytes + HEADROOM),
        ("/console/", CONSOLE_FORM_BYTES),
    ]


class BodyCap:
    """`caps`: (path prefix, bytes) pairs, first match wins; `default` for other paths."""

    def __init__(self, app: ASGIApp, *, caps: Sequence[tuple[str, int]], default: int) -> None:
        self.app = app
        self.caps = tuple(caps)
        self.default = default

    def cap(self, path: str) -> int:
        return next((limit for prefix, limit in self.caps if path.startswith(prefix)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.cap(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit)
            return
        capped = _CappedBody(receive, send, limit)
        await self.app(scope, capped.receive, capped.send)


class _CappedBody:
    """One request's body, counted as it streams in: past `limit` the app sees the client
    disconnect and the client gets 413, unless the app's answer has begun."""

    def __init__(self, receive: Receive, send: Send, limit: int) -> None:
        self._receive = receive
        self._send = send
        self.limit = limit
        self.received = 0
        self.answered = False
        self.refused = False

    async def receive(self) -> Message:
        if self.refused:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                self.refused = True
                if not self.answered:
                    await _refuse(self._send, self.limit)
                return {"type": "http.disconnect"}
        return message

    async def send(self, message: Message) -> None:
        if self.refused and not self.answered:
            return  # the 413 went out already; the app's late answer is dropped
        if message["type"] == "http.response.start":
            self.answered = True
        await self._send(message)


async def _refuse(send: Send, limit: int) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(_TOO_LARGE)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": _TOO_LARGE})
