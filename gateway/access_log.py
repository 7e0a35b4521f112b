"""The structured access log: one JSON line per GraphQL request.

Each line holds who asked (the caller's subject and role — "anonymous" without one; never a
token) and from where (the client's address), the operation (name and type), how long the
gateway took, how it ended
(`status`: "ok", "partial" when data came with errors, "failed" when no data came,
"refused" when the request never executed), the error codes, and every subgraph fetch with
its time and outcome. Fetches are collected through a context variable: the executor's tasks
inherit the request's context, so the transport can record them without being told whose
request it serves.
"""

from __future__ import annotations

import contextvars
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

from services.common.auth import Identity

_FETCHES: contextvars.ContextVar[list[dict[str, Any]] | None] = contextvars.ContextVar(
    "gateway_fetches", default=None
)


def record_fetch(graph: str, seconds: float, outcome: str) -> None:
    """Note one subgraph fetch of the current request (no-op outside a logged request)."""
    fetches = _FETCHES.get()
    if fetches is not None:
        fetches.append({"subgraph": graph, "ms": round(seconds * 1000, 3), "outcome": outcome})


@dataclass
class RequestLog:
    """What one request did; `AccessLog.finish` writes it."""

    started: float = field(default_factory=time.perf_counter)
    fetches: list[dict[str, Any]] = field(default_factory=list)
    token: contextvars.Token | None = None
    operation_name: str | None = None
    operation_type: str | None = None
    subject: str | None = None
    role: str = "anonymous"
    client: str | None = None


def status_of(body: dict[str, Any], *, executed: bool) -> str:
    """How a request ended, from its response body."""
    if not executed:
        return "refused"
    if not body.get("errors"):
        return "ok"
    return "failed" if body.get("data") is None else "partial"


def _codes(body: dict[str, Any]) -> list[str]:
    codes = []
    for error in body.get("errors") or ():
        extensions = error.get("extensions") if isinstance(error, dict) else None
        code = extensions.get("code") if isinstance(extensions, dict) else None
        if isinstance(code, str) and code not in codes:
            codes.append(code)
    return codes


class AccessLog:
    """Writes request records as JSON lines to a stream (or nowhere)."""

    def __init__(self, stream: IO[bytes] | None) -> None:
        self.stream = stream

    @classmethod
    def open(cls, where: str) -> AccessLog:
        """Where to write: "stderr", "off", or a file path (appended to, created if missing)."""
        if where == "off":
            return cls(None)
        if where == "stderr":
            return cls(sys.stderr.buffer)
        path = Path(where)
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls(path.open("ab", buffering=0))

    def start(self, caller: Identity, client: str | None) -> RequestLog:
        """Begin a request of `caller` from address `client`: fetches made from here on in
        this context are its own."""
        request = RequestLog(
            subject=caller.subject or None,
            role=caller.role.value if caller.role else "anonymous",
            client=client,
        )
        request.token = _FETCHES.set(request.fetches)
        return request

    def finish(self, request: RequestLog, body: dict[str, Any], *, executed: bool) -> None:
        """Write the request's line and stop collecting its fetches."""
        if request.token is not None:
            _FETCHES.reset(request.token)
        if self.stream is None:
            return
        line = {
            "ts": round(time.time(), 3),
            "event": "graphql",
            "subject": request.subject,
            "role": request.role,
            "client": request.client,
            "operation": request.operation_name,
            "type": request.operation_type,
            "ms": round((time.perf_counter() - request.started) * 1000, 3),
            "status": status_of(body, executed=executed),
            "errors": len(body.get("errors") or ()),
            "codes": _codes(body),
            "fetches": request.fetches,
        }
        # One write of a whole line: concurrent requests never interleave within it.
        self.stream.write(orjson.dumps(line) + b"\n")
        self.stream.flush()
