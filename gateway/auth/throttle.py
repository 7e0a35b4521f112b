"""Throttling sign-in attempts per account and per client address, with backoff.

Every attempt counts as a failure before the password is checked (so a burst of parallel
guesses counts in full), and a success takes its charge back. Past a number of free
failures, a key (an account, a client address) waits `base * 2**(extra failures)` seconds,
at most `cap`, after its last failure; until then every attempt on it is refused before any
hashing, with the seconds left. Failures are forgotten `forget` seconds after the last one.

The counts live in the database (`auth.login_failure`), not in a process: the gateway may run
as several worker processes, and an attacker spreading guesses over them must meet one count.
An attempt's check and charge are one short transaction of its own (committed before the
password is hashed, whatever the sign-in's transaction does): the rows of both keys are made
or locked by one INSERT … ON CONFLICT DO UPDATE … RETURNING, in key order (so two attempts
never deadlock), checked, and charged; a parallel attempt on the same key waits for that
commit and sees the charge. The clock is the database's, which every worker shares. Keys are
keyed hashes (HMAC-SHA-256 under a key derived from the access-token key, `throttle_secret`) of the account's name and the client's
address: the table, and the backups that hold it, keep neither typed names (sometimes a
password typed in the wrong box) nor addresses.

Both doors, the GraphQL `login` mutation and the `/login` form (which runs that mutation),
go through `LoginThrottle.attempt` in the auth subgraph; so does `changePassword`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from graphql import GraphQLError
from sqlalchemy import case, delete, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.auth.models import login_failure

# Seconds between two deletions of forgotten rows by one process: the table stays about as
# large as an hour of failures, and a sign-in seldom pays for the DELETE.
FORGET_EVERY = 60.0


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


def throttle_secret(access_key: bytes) -> bytes:
    """The key of the throttle's hashes, derived from the access-token key (HMAC with a
    label), so that one secret does not serve two purposes: a hash in the table tells nothing
    about the signing key. Without an access key nobody can sign in: b"" (nothing counted).
    A new access key (rotated, or after a restore onto a new machine) starts the counts
    afresh: failures are forgotten within an hour anyway."""
    if not access_key:
        return b""
    return hmac.new(access_key, b"partygrid login-throttle", hashlib.sha256).digest()


class LoginThrottle:
    def __init__(
        self,
        *,
        account_free: int = 5,
        client_free: int = 20,
        base: float = 1.0,
        cap: float = 900.0,
        forget: float = 3600.0,
        secret: bytes = b"",
    ) -> None:
        self.account_free, self.client_free = account_free, client_free
        self.base, self.cap, self.forget = base, cap, forget
        self._secret = secret
        self._forgotten_at = -math.inf  # when this process last deleted forgotten rows

    def key(self, kind: str, value: str) -> bytes:
        """The row of an "account" (its lower-cased name) or a "client" (its address)."""
        return hmac.new(self._secret, f"{kind}:{value}".encode(), hashlib.sha256).digest()

    def _wait(self, free: int, failures: int, ago: float) -> float:
        """Seconds a key with `failures`, the last `ago` seconds back, must still wait."""
        if failures < free or ago > self.forget:
            return 0.0
        delay = min(self.cap, self.base * 2 ** min(failures - free, 32))
        return max(0.0, delay - ago)

    @contextlib.asynccontextmanager
    async def attempt(
        self, engine: AsyncEngine, account: str, client: str
    ) -> AsyncIterator[Callable[[], Awaitable[None]]]:
        """Refuse (RateLimitedError) or charge one failure to both keys, committed at once;
        await the yielded function once the credentials proved right, to take the charge
        back."""
        account_key, client_key = self.key("account", account.lower()), self.key("client", client)
        free = {account_key: self.account_free, client_key: self.client_free}
        forget = literal(dt.timedelta(seconds=self.forget))
        async with engine.begin() as conn:
            # Make the missing rows and lock both (a no-op update locks an existing one).
            found = await conn.execute(
                insert(login_failure)
                .values([{"key": k, "failures": 0, "last": func.now()} for k in sorted(free)])
                .on_conflict_do_update(
                    index_elements=[login_failure.c.key],
                    set_={"failures": login_failure.c.failures},
                )
                .returning(
                    login_failure.c.key,
                    login_failure.c.failures,
                    func.extract("epoch", func.now() - login_failure.c.last),
                )
            )
            wait = max(self._wait(free[key], n, float(ago)) for key, n, ago in found)
            if wait > 0:
                raise RateLimitedError(math.ceil(wait))  # rolled back: nothing charged
            await conn.execute(
                update(login_failure)
                .where(login_failure.c.key.in_(sorted(free)))
                .values(
                    failures=case(
                        (login_failure.c.last < func.now() - forget, 1),
                        else_=login_failure.c.failures + 1,
                    ),
                    last=func.now(),
                )
            )
        await self._forget_old(engine, forget)

        async def succeeded() -> None:
            async with engine.begin() as conn:
                # Lock both rows in key order first, as `attempt` does: an UPDATE alone locks
                # them in scan order, and two sign-ins of one account from one address
                # (one charging, one refunding) would deadlock.
                await conn.execute(
                    select(login_failure.c.key)
                    .where(login_failure.c.key.in_(sorted(free)))
                    .order_by(login_failure.c.key)
                    .with_for_update()
                )
                await conn.execute(
                    update(login_failure)
                    .where(login_failure.c.key.in_(sorted(free)))
                    .values(
                        failures=case(
                            (login_failure.c.key == account_key, 0),
                            else_=login_failure.c.failures - 1,
                        )
                    )
                )
                await conn.execute(
                    delete(login_failure).where(
                        login_failure.c.key.in_(sorted(free)), login_failure.c.failures <= 0
                    )
                )

        yield succeeded

    async def _forget_old(self, engine: AsyncEngine, forget: object) -> None:
        now = time.monotonic()
        if now - self._forgotten_at < FORGET_EVERY:
            return
        self._forgotten_at = now
        async with engine.begin() as conn:
            # Rows a sign-in holds are skipped (forgotten next time): waiting for them, in
            # scan order, could deadlock with it.
            old = (
                select(login_failure.c.key)
                .where(login_failure.c.last < func.now() - forget)
                .with_for_update(skip_locked=True)
            )
            await conn.execute(delete(login_failure).where(login_failure.c.key.in_(old)))
