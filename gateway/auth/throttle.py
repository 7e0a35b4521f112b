"""Throttling sign-in attempts per account and per client address, with backoff.

Every attempt counts as a failure before the password is checked (so a burst of parallel
guesses counts in full), and a success takes its charge back. Past a number of free
failures, a key (an account, a client address) waits `base * 2**(extra failures)` seconds,
at most `cap`, after its last failure; until then every attempt on it is refused before any
hashing, with the seconds left. The counts live in the gateway's memory (one process) and
are forgotten after `forget` seconds without a failure.

Both doors, the GraphQL `login` mutation and the `/login` form (which runs that mutation),
go through `LoginThrottle.attempt` in the auth subgraph; so does `changePassword`.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from graphql import GraphQLError


class RateLimitedError(GraphQLError):
    """Too many failed attempts: try again in `retry_after` seconds (code RATE_LIMITED)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"尝试次数过多，请 {retry_after} 秒后再试",
            extensions={
                "code": "RATE_LIMITED",
                "messageEn": f"Too many attempts; try again in {retry_after} s.",
                "retryAfter": retry_after,
            },
        )
        self.retry_after = retry_after


@dataclass
class _Record:
    failures: int
    last: float


class _Counter:
    """Failures per key, with the backoff that follows the free ones."""

    MAX_KEYS = 100_000  # random usernames must not grow the table without bound

    def __init__(self, free: int, base: float, cap: float, forget: float) -> None:
        self.free, self.base, self.cap, self.forget = free, base, cap, forget
        self._records: dict[str, _Record] = {}

    def wait(self, key: str, now: float) -> float:
        record = self._records.get(key)
        if record is None or record.failures < self.free:
            return 0.0
        delay = min(self.cap, self.base * 2 ** min(record.failures - self.free, 32))
        return max(0.0, record.last + delay - now)

    def charge(self, key: str, now: float) -> None:
        record = self._records.get(key)
        if record is None or now - record.last > self.forget:
            if len(self._records) >= self.MAX_KEYS:
                self._prune(now)
            self._records[key] = _Record(1, now)
        else:
            record.failures += 1
            record.last = now

    def refund(self, key: str, *, all_of_it: bool) -> None:
        record = self._records.get(key)
        if record is None:
            return
        record.failures = 0 if all_of_it else max(0, record.failures - 1)
        if record.failures == 0:
            del self._records[key]

    def _prune(self, now: float) -> None:
        stale = [k for k, r in self._records.items() if now - r.last > self.forget]
        for key in stale or list(self._records)[: self.MAX_KEYS // 10]:
            del self._records[key]


class LoginThrottle:
    def __init__(
        self,
        *,
        account_free: int = 5,
        client_free: int = 20,
        base: float = 1.0,
        cap: float = 900.0,
        forget: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.accounts = _Counter(account_free, base, cap, forget)
        self.clients = _Counter(client_free, base, cap, forget)
        self.clock = clock

    def retry_after(self, account: str, client: str) -> int:
        """Whole seconds until an attempt on `account` from `client` may be made (0: now)."""
        now = self.clock()
        wait = max(self.accounts.wait(account.lower(), now), self.clients.wait(client, now))
        return math.ceil(wait)

    @contextlib.contextmanager
    def attempt(self, account: str, client: str) -> Iterator[Callable[[], None]]:
        """Refuse (RateLimitedError) or charge one failure to both keys; call the yielded
        function once the credentials proved right, to take the charge back."""
        wait = self.retry_after(account, client)
        if wait > 0:
            raise RateLimitedError(wait)
        now = self.clock()
        key = account.lower()
        self.accounts.charge(key, now)
        self.clients.charge(client, now)

        def succeeded() -> None:
            self.accounts.refund(key, all_of_it=True)
            self.clients.refund(client, all_of_it=False)

        yield succeeded
