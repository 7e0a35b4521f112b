"""At most a few expensive operations in flight per caller.

The work limit bounds one operation; without this, one caller could still keep the subgraphs
busy by sending many at once. An operation whose estimated work reaches `expensive_work`
takes one of the caller's slots before any subgraph is called and gives it back when it ends
(however it ends); a caller without a free slot is refused at once with
TOO_MANY_EXPENSIVE_OPERATIONS, HTTP 429 and Retry-After. The count is per gateway process
(every request of the process runs on one event loop, so plain counters need no lock).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from services.common.auth import Identity

TOO_MANY = "TOO_MANY_EXPENSIVE_OPERATIONS"
# Seconds: an expensive read of the demo district ends within about a second or two
# (bench/field_costs.py).
RETRY_AFTER = 2


def caller_key(identity: Identity, client: str | None) -> str:
    """Whose slots a request takes: a user by subject, an anonymous caller by address."""
    if identity.anonymous:
        return f"anonymous:{client or '?'}"
    return f"{identity.role.value if identity.role else ''}:{identity.subject}"


class ExpensiveOperations:
    """Counts each caller's expensive operations in flight."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._running: dict[str, int] = {}

    def in_flight(self, caller: str) -> int:
        return self._running.get(caller, 0)

    @contextlib.contextmanager
    def slot(self, caller: str) -> Iterator[bool]:
        """Yields whether the caller got a slot; held until the block ends."""
        running = self._running.get(caller, 0)
        if running >= self.limit:
            yield False
            return
        self._running[caller] = running + 1
        try:
            yield True
        finally:
            left = self._running[caller] - 1
            if left:
                self._running[caller] = left
            else:
                del self._running[caller]  # no entry per caller kept forever

    def refusal(self) -> dict[str, Any]:
        """The GraphQL error for a caller without a free slot."""
        return {
            "message": f"同时进行的高开销操作已达上限（{self.limit} 个），请 {RETRY_AFTER} 秒后重试",
            "extensions": {
                "code": TOO_MANY,
                "messageEn": f"You already have {self.limit} expensive operations running; "
                f"retry in {RETRY_AFTER} s.",
                "retryAfter": RETRY_AFTER,
            },
        }
