"""At most a few expensive operations in flight per caller.

The work limit bounds one operation; without this, one caller could still keep the subgraphs
busy by sending many at once. An operation whose estimated work reaches `expensive_work`
takes one of the caller's slots before any subgraph is called and gives it back when it ends
(however it ends); a caller without a free slot is refused at once with
TOO_MANY_EXPENSIVE_OPERATIONS, HTTP 429 and Retry-After.

One gateway process counts on its event loop (plain counters need no lock). Several worker
processes (PARTYGRID_GATEWAY_WORKERS > 1) share the count through the database: slot `i` of a
caller is the PostgreSQL advisory lock `(hashtext(caller), i)`, taken with
`pg_try_advisory_lock` on one connection of the worker (`AdvisoryLocks`, the auth role's
database) and released when the operation ends. Session locks, not a table: a worker that
dies drops its connection and so its slots at once, with no lease to wait out, and nothing is
written. A worker remembers which slots it holds itself (a session lock is re-entrant: the
same connection would be granted its own slot twice). While the database cannot be reached
a worker counts alone again, as one process does (the limit is then per worker: the
expensive operation needs the database anyway, and refusing every one would be worse), and
tries again `RETRY_CONNECT` seconds later. Two callers whose names hash alike share slots
(one chance in 2**32 per pair: a spurious 429, never a higher limit).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any

from services.common.auth import Identity

if TYPE_CHECKING:
    import psycopg

TOO_MANY = "TOO_MANY_EXPENSIVE_OPERATIONS"
# Seconds: an expensive read of the demo district ends within about a second or two
# (bench/field_costs.py).
RETRY_AFTER = 2
RETRY_CONNECT = 5.0  # seconds a worker counts alone after the database failed it
# Seconds a take or give may wait for the database (a lock taken or not is answered in
# milliseconds): past that, the connection is dropped and the worker counts alone, rather
# than hold every expensive operation of the worker behind a frozen database.
ANSWER_SECONDS = 1.0
_LOCK_SPACE = "partygrid.in_flight:"  # hashed with the caller: the lock's first key
log = logging.getLogger("gateway.in_flight")


def caller_key(identity: Identity, client: str | None) -> str:
    """Whose slots a request takes: a user by subject, an anonymous caller by address."""
    if identity.anonymous:
        return f"anonymous:{client or '?'}"
    return f"{identity.role.value if identity.role else ''}:{identity.subject}"


class _NotYetError(ConnectionError):
    """The database failed less than RETRY_CONNECT seconds ago: not tried again yet."""


class AdvisoryLocks:
    """Session advisory locks of this process on one autocommit connection (made on first
    use, made again after a failure), one query at a time."""

    def __init__(
        self,
        conninfo: str,
        *,
        retry_connect: float = RETRY_CONNECT,
        answer_seconds: float = ANSWER_SECONDS,
    ) -> None:
        self._conninfo = conninfo
        self._retry_connect = retry_connect
        self._answer_seconds = answer_seconds
        self._conn: psycopg.AsyncConnection[Any] | None = None
        # Counts the connections made: a lock taken on an earlier one is gone with it.
        self.generation = 0
        self._failed_at = -RETRY_CONNECT - 1.0
        self._lock = asyncio.Lock()

    @classmethod
    def from_env(cls) -> AdvisoryLocks | None:
        """For a gateway run as several workers (PARTYGRID_GATEWAY_WORKERS > 1) with its users'
        database (PARTYGRID_AUTH_DATABASE_URL, set by the supervisor); else None: one process
        counts alone, exactly (so does each worker of a uvicorn started by hand with
        `--workers` but without the setting)."""
        url = os.environ.get("PARTYGRID_AUTH_DATABASE_URL")
        workers = os.environ.get("PARTYGRID_GATEWAY_WORKERS") or "1"
        if not url or not workers.isdigit() or int(workers) <= 1:
            return None
        from sqlalchemy.engine import make_url

        plain = make_url(url).set(drivername="postgresql")
        return cls(plain.render_as_string(hide_password=False))

    async def take(self, caller: str, slots: Iterable[int]) -> int | None:
        """The first of `slots` whose lock this process got, or None when others hold them
        all. Raises (psycopg.Error, OSError, TimeoutError) when the database cannot answer
        within `ANSWER_SECONDS`: the connection is then dropped (so is any lock it got)."""
        try:
            async with asyncio.timeout(self._answer_seconds), self._lock:
                conn = await self._connection()
                for slot in slots:
                    cursor = await conn.execute(
                        "SELECT pg_try_advisory_lock(hashtext(%s), %s)",
                        (_LOCK_SPACE + caller, slot),
                    )
                    row = await cursor.fetchone()
                    if row and row[0]:
                        return slot
        except _NotYetError:
            raise  # counting alone until RETRY_CONNECT has passed: not a new failure
        except Exception:
            await self._broken()
            raise
        return None

    async def give(self, caller: str, slot: int, generation: int) -> None:
        """Release a slot taken by `take` on connection `generation` (a lost connection has
        released it already)."""
        try:
            async with asyncio.timeout(self._answer_seconds), self._lock:
                if self._conn is None or self._conn.closed or generation != self.generation:
                    return
                await self._conn.execute(
                    "SELECT pg_advisory_unlock(hashtext(%s), %s)", (_LOCK_SPACE + caller, slot)
                )
        except Exception as error:
            log.warning("could not release an in-flight slot: %s", type(error).__name__)
            await self._broken()

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        if time.monotonic() - self._failed_at < self._retry_connect:
            raise _NotYetError("the database failed a moment ago")
        import psycopg

        try:
            self._conn = await psycopg.AsyncConnection.connect(
                self._conninfo, autocommit=True, connect_timeout=5
            )
        except Exception:
            self._failed_at = time.monotonic()
            raise
        self.generation += 1
        return self._conn

    async def _broken(self) -> None:
        # Closing the connection releases every lock it held: `generation` moves on with the
        # next one, so the slots recorded under this one are no longer taken as locked.
        self._failed_at = time.monotonic()
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()

    async def close(self) -> None:
        async with self._lock:
            await self._broken()


class ExpensiveOperations:
    """Counts each caller's expensive operations in flight (across workers with `locks`)."""

    def __init__(self, limit: int, locks: AdvisoryLocks | None = None) -> None:
        self.limit = limit
        self.locks = locks
        # Per caller, the slots this process holds: for a slot locked in the database, the
        # generation of the connection holding it (None: counted here alone). A slot stays
        # counted here until its operation ends, whatever becomes of its lock.
        self._held: dict[str, dict[int, int | None]] = {}
        self._releasing: set[asyncio.Future[None]] = set()
        self._taking = asyncio.Lock()
        self._warned = False

    def in_flight(self, caller: str) -> int:
        """The caller's operations running in this process."""
        return len(self._held.get(caller, {}))

    @contextlib.asynccontextmanager
    async def slot(self, caller: str) -> AsyncIterator[bool]:
        """Yields whether the caller got a slot; held until the block ends."""
        taking = asyncio.ensure_future(self._take(caller))
        try:
            # Shielded: a request cancelled while its lock is being taken must not leave a
            # lock taken and unrecorded (a slot lost until the connection closes).
            slot = await asyncio.shield(taking)
        except asyncio.CancelledError:
            taking.add_done_callback(lambda done: self._give_later(caller, done))
            raise
        if slot is None:
            yield False
            return
        try:
            yield True
        finally:
            giving = asyncio.ensure_future(self._give(caller, slot))
            self._releasing.add(giving)  # a task nobody awaits must be kept referenced
            giving.add_done_callback(self._releasing.discard)
            await asyncio.shield(giving)

    async def _take(self, caller: str) -> int | None:
        # One at a time: a take that waits on the database must see what the one before
        # recorded, or the connection would be granted a slot it holds already.
        async with self._taking:
            return await self._take_one(caller)

    async def _take_one(self, caller: str) -> int | None:
        held = self._held.setdefault(caller, {})
        free = [slot for slot in range(self.limit) if slot not in held]
        found: int | None = None
        locked: int | None = None
        if free and self.locks is not None:
            try:
                found = await self.locks.take(caller, free)
                locked = self.locks.generation if found is not None else None
                if found is None:
                    free = []  # other workers hold the rest
                self._warned = False
            except Exception as error:
                if not self._warned:  # once per outage: the limit holds per worker meanwhile
                    self._warned = True
                    log.warning(
                        "in-flight slots counted per worker: the database is unavailable (%s)",
                        type(error).__name__,
                    )
        if found is None and free:
            found = free[0]
        if found is None:
            if not held:
                del self._held[caller]  # no entry per caller kept forever
            return None
        held[found] = locked
        return found

    async def _give(self, caller: str, slot: int) -> None:
        held = self._held.get(caller, {})
        locked = held.pop(slot, None)
        if not held:
            self._held.pop(caller, None)
        if locked is not None and self.locks is not None:
            await self.locks.give(caller, slot, locked)

    def _give_later(self, caller: str, taking: asyncio.Future[int | None]) -> None:
        if taking.cancelled() or taking.exception() is not None:
            return
        slot = taking.result()
        if slot is not None:
            giving = asyncio.ensure_future(self._give(caller, slot))
            self._releasing.add(giving)
            giving.add_done_callback(self._releasing.discard)

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
