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
# Above the cap of a route that reads its body capped itself, so that route's own typed
# answer is what clients see; this cap is the floor beneath it.
HEADROOM = 64 * 1024
_TOO_LARGE = '{"errors":[{"message":"请求体过大 / Request body too large."}]}'.encode()


def gateway_caps(
    max_body_bytes: int, max_upload_bytes: int, max_import_bytes: int
) -> dict[str, object]:
    """The gateway's caps (keyword arguments of BodyCap): GraphQL and the planner's edits
    up to the GraphQL cap, evidence files and imported files up to theirs, every other route
    a small form."""
    return {
        "caps": [
            ("/graphql", max_body_bytes + HEADROOM),
            ("/files/", max_upload_bytes + HEADROOM),
            ("/imports/", max_import_bytes + HEADROOM),
            ("/maps/planner/", max_body_bytes),
        ],
        "default": FORM_BYTES,
    }


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
        received = 0
        answered = False
        refused = False

        async def capped_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not answered:
                        await _refuse(send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal answered
            if refused and not answered:
                return  # the 413 went out already; the app's late answer is dropped
            if message["type"] == "http.response.start":
                answered = True
            await send(message)

        await self.app(scope, capped_receive, guarded_send)


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
