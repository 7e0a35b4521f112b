"""Reads on a replica: which requests go there, how far behind it is, and read-your-writes.

A subgraph with `PARTYGRID_<SERVICE>_READ_DATABASE_URL` has a second engine on a streaming
replica (infra/replica.py). `ReadRouter` (ASGI, around `/graphql`) sends a QUERY whose root
fields are all in the service's `REPLICA_FIELDS` (heavy read-only work: coverage, exports,
findings, reports) to it; every mutation and every other read stays on the primary.

Read-your-writes, without shared state (several workers, several gateway processes): after a
mutation the router answers header `partygrid-lsn`, the primary's WAL position after the
commit; the gateway returns it to the caller and sends it back with the caller's next
requests as `partygrid-read-after`. A read routed to the replica first checks the replica
has replayed that far, waits up to `read_after_wait_ms` for it, and otherwise runs on the
primary.

Reads one service makes of another (services/common/subgraph_client.py) follow the request
being served (`read_protocol.SERVING`): while serving a mutation they ask the callee's primary
(`partygrid-read-primary`: a write's checks must see every commit), otherwise they carry the
caller's position. A position past the primary's own was never written: ignored.

`ReplicaMonitor` measures the lag (bytes behind, seconds since the last replayed commit while
behind) in the background, on a pool of its own with bounded queries; over
`read_max_lag_seconds`, unreachable, behind with no WAL coming, ahead of the primary or from
another cluster or timeline (the primary was restored), the replica takes no reads until it
is well again. A replica failing under a read (`on_replica`) is marked down at once and the
primary answers the read. /healthz shows it, and the gateway's /readyz gathers it.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

import orjson
import psycopg
from graphql import FieldNode, GraphQLError, OperationType, get_operation_ast, parse
from sqlalchemy import event, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.http_body import header, replaying, whole_body
from services.common.read_protocol import (  # noqa: F401 -- re-exported
    LSN_HEADER,
    READ_AFTER_HEADER,
    READ_PRIMARY_HEADER,
    SERVING,
    Serving,
    format_lsn,
    parse_lsn,
)

log = logging.getLogger(__name__)

_STATE_SECONDS = 1.0  # the lag is measured at most this often per process
_REPLAY_SECONDS = 0.02  # a replica's replay position is asked at most this often
_POLL_SECONDS = 0.005
_STALE_SECONDS = 5.0  # a measure older than this is waited for, not used
_INSERT_LSN = text("SELECT pg_current_wal_insert_lsn()::text")

# Whether this request reads from the replica (for caches keyed per engine, e.g. org's facts).
ON_REPLICA: contextvars.ContextVar[bool] = contextvars.ContextVar("on_replica", default=False)


def operation_kind(body: bytes, replica_fields: frozenset[str]) -> str:
    """ "write" (a mutation), "replica" (a query whose root fields are all in
    `replica_fields`) or "primary" (anything else, an unreadable request included)."""
    try:
        request = orjson.loads(body)
        query, name = request["query"], request.get("operationName")
        if not isinstance(query, str) or not (name is None or isinstance(name, str)):
            return "primary"
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return "primary"
    return _kind_of(query, name, replica_fields)


@functools.lru_cache(maxsize=512)
def _kind_of(query: str, name: str | None, replica_fields: frozenset[str]) -> str:
    """Per document (the gateway sends the same few again and again: parsed once)."""
    try:
        operation = get_operation_ast(parse(query), name)
    except GraphQLError:
        return "primary"
    if operation is None:
        return "primary"
    if operation.operation == OperationType.MUTATION:
        return "write"
    if operation.operation != OperationType.QUERY:
        return "primary"
    names = [
        s.name.value if isinstance(s, FieldNode) else None
        for s in operation.selection_set.selections
    ]  # a fragment at the root: not looked into, the primary answers
    fields = {n for n in names if n != "__typename"}
    if fields and None not in fields and fields <= replica_fields:
        return "replica"
    return "primary"


@dataclass
class ReplicaState:
    state: str  # ok | lagging | down
    lag_bytes: int | None = None
    replay_seconds: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "lagBytes": self.lag_bytes,
            "replaySeconds": self.replay_seconds,
        }


# The primary's side: its position, and which cluster and timeline it is.
_PRIMARY_SQL = text(
    "SELECT pg_current_wal_lsn()::text, (SELECT system_identifier FROM pg_control_system()),"
    " (SELECT timeline_id FROM pg_control_checkpoint())"
)
# The replica's: how far it replayed, its last replayed commit, whether a WAL receiver runs
# (its status is shown to monitoring roles only: NULL for a service role), its cluster.
_REPLICA_SQL = text(
    "SELECT pg_last_wal_replay_lsn()::text,"
    " extract(epoch from now() - pg_last_xact_replay_timestamp()),"
    " (SELECT count(*) FROM pg_stat_wal_receiver),"
    " (SELECT status FROM pg_stat_wal_receiver),"
    " (SELECT system_identifier FROM pg_control_system()),"
    " (SELECT timeline_id FROM pg_control_checkpoint())"
)


@dataclass
class ReplicaMonitor:
    """How far the replica is behind the primary, measured at most once a second: bytes of
    WAL not yet replayed, and seconds behind (0 while caught up; else the age of the last
    commit it replayed, bounded by how long ago it was last seen caught up).

    Down (no reads there): unreachable, not a replica, a copy of another cluster or another
    timeline (the primary was restored: the replica holds a future that was undone), AHEAD of
    the primary (the same), or behind while not streaming (it will never catch up by itself).
    Every query is bounded (`timeout`): a hung replica is down, never a hung request."""

    primary: AsyncEngine
    replica: AsyncEngine
    max_lag_seconds: float = 30.0
    timeout: float = 5.0  # seconds; generous: a busy machine is not a replica down
    _state: ReplicaState | None = None
    _at: float = 0.0
    _replayed: int = 0
    _replayed_at: float = 0.0
    _primary_at: int = 0  # the primary's position last seen (forged read-after positions)
    _caught_up_at: float | None = None  # when this process last saw it caught up (monotonic)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _replay_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _primary_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _primary_asked: float = 0.0
    _refresh: asyncio.Task | None = None

    async def measure(self) -> ReplicaState:
        """The primary's position first, then the replica's: a replica that is caught up is
        then never seen behind."""
        try:
            async with asyncio.timeout(self.timeout), self.primary.connect() as conn:
                primary = (await conn.execute(_PRIMARY_SQL)).one()
        except Exception:  # the primary down: nothing to compare, say nothing about lag
            return ReplicaState("ok")
        try:
            async with asyncio.timeout(self.timeout), self.replica.connect() as conn:
                row = (await conn.execute(_REPLICA_SQL)).one()
        except Exception:  # unreachable, hung, or not a replica any more: no reads there
            return ReplicaState("down")
        primary_at, replayed = parse_lsn(primary[0]), parse_lsn(row[0])
        if primary_at is None or replayed is None:
            return ReplicaState("down")
        self._primary_at = max(self._primary_at, primary_at)
        if (row[4], row[5]) != (primary[1], primary[2]):  # another cluster, or timeline
            return ReplicaState("down")
        lag = primary_at - replayed
        if lag < 0:  # past where the primary was a moment ago: past where it is now?
            now_at = await self._primary_position()
            if now_at is None or replayed > now_at:  # the primary was restored to before it
                return ReplicaState("down", lag, None)
            lag = 0  # WAL written since the primary was asked: caught up
        if lag == 0:  # while caught up the last replayed commit only grows older: no lag
            self._caught_up_at = time.monotonic()
            return ReplicaState("ok", 0, 0.0)
        if row[2] == 0 or row[3] not in (None, "streaming"):  # behind, and nothing coming
            return ReplicaState("down", lag, None)
        return self._behind(lag, row[1])

    def _behind(self, lag: int, replay_age: object) -> ReplicaState:
        """A streaming replica `lag` bytes behind, its last replayed commit `replay_age`
        seconds old (None: none replayed since it started)."""
        # Behind: since the last commit it replayed, and no longer than since this process
        # last saw it caught up (after a quiet hour the last replayed commit is an hour old,
        # yet a replica that was caught up a second ago is a second behind at most). Neither
        # known (no commit replayed since it started): lagging, for all we know.
        known = [float(replay_age)] if isinstance(replay_age, (int, float, Decimal)) else []
        if self._caught_up_at is not None:
            known.append(time.monotonic() - self._caught_up_at)
        if not known:
            return ReplicaState("lagging", lag, None)
        seconds = min(known)
        state = "lagging" if seconds > self.max_lag_seconds else "ok"
        return ReplicaState(state, lag, round(seconds, 3))

    async def _primary_position(self) -> int | None:
        try:
            async with asyncio.timeout(self.timeout), self.primary.connect() as conn:
                value = (await conn.execute(_INSERT_LSN)).scalar()
        except Exception:  # cannot tell
            return None
        return parse_lsn(value)

    async def _measured(self) -> ReplicaState:
        async with self._lock:
            if self._state is None or time.monotonic() - self._at > _STATE_SECONDS:
                self._state = await self.measure()
                self._at = time.monotonic()
        return self._state

    async def state(self) -> ReplicaState:
        """The last measure, renewed in the background once older than a second (requests
        do not wait for it); waited for when there is none, or it is too old to trust."""
        age = time.monotonic() - self._at
        if self._state is None or age > _STALE_SECONDS:
            return await self._measured()
        if age > _STATE_SECONDS and (self._refresh is None or self._refresh.done()):
            self._refresh = asyncio.ensure_future(self._measured())
        return self._state

    def mark_down(self) -> None:
        """A read on the replica failed (connection lost, recovery conflict): no reads there
        until the next measure says otherwise."""
        self._state = ReplicaState("down")
        self._at = time.monotonic()

    async def forged(self, target: int) -> bool:
        """Whether `target` is past the primary's own position: no write made it (a forged
        or garbled token), so it is ignored rather than sending the read to the primary
        after a wait. Asked of the primary when past the last position seen, one query at a
        time per process and at most every 20 ms; when it cannot be asked, it is honoured."""
        if target <= self._primary_at:
            return False
        async with self._primary_lock:
            if target > self._primary_at and time.monotonic() - self._primary_asked > (
                _REPLAY_SECONDS
            ):
                self._primary_asked = time.monotonic()
                now_at = await self._primary_position()
                if now_at is None:  # cannot tell: honoured (the primary answers)
                    return False
                self._primary_at = max(self._primary_at, now_at)
        return target > self._primary_at

    async def replayed(self, max_age: float = _REPLAY_SECONDS) -> int:
        """The replica's replay position, asked again when older than `max_age`: one query
        at a time per process, whoever waits (many waiting readers, or a caller sending a
        position no replica reaches, cost the replica no more queries than one)."""
        if time.monotonic() - self._replayed_at <= max_age:
            return self._replayed
        async with self._replay_lock:
            if time.monotonic() - self._replayed_at > max_age:
                async with asyncio.timeout(self.timeout), self.replica.connect() as conn:
                    value = (
                        await conn.execute(text("SELECT pg_last_wal_replay_lsn()::text"))
                    ).scalar()
                self._replayed = parse_lsn(value) or 0
                self._replayed_at = time.monotonic()
        return self._replayed

    async def caught_up(self, target: int, wait_seconds: float) -> bool:
        """Whether the replica has replayed `target`, waiting up to `wait_seconds`."""
        deadline = time.monotonic() + wait_seconds
        try:
            if await self.replayed() >= target:
                return True
            while time.monotonic() < deadline:
                await asyncio.sleep(_POLL_SECONDS)
                if await self.replayed(_POLL_SECONDS) >= target:
                    return True
        except Exception:  # the replica went away while we waited: the primary answers
            return False
        return False


@dataclass(frozen=True)
class ReadRouting:
    """A subgraph's replica: its engine, the lag monitor, the fields it serves."""

    engine: AsyncEngine
    monitor: ReplicaMonitor
    fields: frozenset[str]
    wait_seconds: float = 0.1

    def __post_init__(self) -> None:
        watch_failures(self.engine)

    async def usable(self, read_after: int | None) -> bool:
        """Whether a replica-worthy read may run there now (lag, and the caller's token)."""
        if (await self.monitor.state()).state != "ok":
            return False
        if read_after is None or await self.monitor.forged(read_after):
            return True
        return await self.monitor.caught_up(read_after, self.wait_seconds)


def serving_of(scope: Scope, *, write: bool) -> Serving:
    """The request's `Serving`: a write, or a read asked to run on the primary by a subgraph
    serving a write (`partygrid-read-primary`, trusted behind the internal-token guard), or a
    read with the caller's read-after position."""
    primary = header(scope, READ_PRIMARY_HEADER.encode()) == "1"
    return Serving(write or primary, parse_lsn(header(scope, READ_AFTER_HEADER.encode())))


# The replica failures seen by the request being served on a replica (see `on_replica`).
_FAILURES: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "replica_failures", default=None
)
# A connection lost or refused (08xxx), the server shutting down (57P0x), or a query cancelled
# by a conflict with recovery (40001 on a standby): the read is safe to run again elsewhere.
_FAILED_STATES = ("08", "57P01", "57P02", "57P03", "40001")


def watch_failures(engine: AsyncEngine) -> None:
    """Note each failure of `engine` (a replica's) for the request that met it, however the
    code above handles the exception (a resolver's error becomes a GraphQL error)."""

    def noted(context: ExceptionContext) -> None:
        failures = _FAILURES.get()
        if failures is None or context.is_pre_ping:  # a stale pooled connection: replaced
            return
        error = context.original_exception
        state = getattr(error, "sqlstate", None) or ""
        lost = isinstance(error, psycopg.OperationalError) and not state
        if context.is_disconnect or lost or state.startswith(_FAILED_STATES):
            failures.append(state or type(error).__name__)

    event.listen(engine.sync_engine, "handle_error", noted)


async def on_replica(
    app: ASGIApp,
    routing: ReadRouting,
    scope: Scope,
    receive: Callable[[], Receive],
    send: Send,
) -> None:
    """Run a read on the replica (`receive` gives the request's channel afresh: a body read
    already is given again); when the replica fails under it (connection lost, server
    shutting down, a recovery conflict), the replica is marked down at once and the read runs
    again on the primary (a read: safe to run twice), its first answer never sent."""
    held: list[Message] = []

    async def hold(message: Message) -> None:
        held.append(message)

    failures: list[str] = []
    tokens = (ON_REPLICA.set(True), _FAILURES.set(failures))
    scope.setdefault("state", {})["read_engine"] = routing.engine
    try:
        await app(scope, receive(), hold)
    except Exception:
        if not failures:
            raise
    finally:
        _FAILURES.reset(tokens[1])
        ON_REPLICA.reset(tokens[0])
        scope["state"].pop("read_engine", None)
    if failures:
        log.warning(
            "replica failed under a read (%s): marked down, read on the primary", failures[0]
        )
        routing.monitor.mark_down()
        await app(scope, receive(), send)
        return
    for message in held:
        await send(message)


async def current_lsn(engine: AsyncEngine) -> str | None:
    """The primary's WAL position after a write: the insert position, which covers every
    record inserted so far (the write position may still be short of a commit just made
    under synchronous_commit=off)."""
    try:
        async with engine.connect() as conn:
            return (await conn.execute(_INSERT_LSN)).scalar()
    except Exception:  # the write is done; without a token its author may read stale once
        return None


class ReadRouter:
    """ASGI middleware around a subgraph's `/graphql`: sets `scope["state"]["read_engine"]`
    for a read the replica may answer, and answers `partygrid-lsn` after a mutation.
    `routing` gives the app's `ReadRouting` (None: no replica, nothing is done)."""

    def __init__(
        self,
        app: ASGIApp,
        routing: Callable[[], ReadRouting | None],
        primary: Callable[[], AsyncEngine],
    ) -> None:
        self.app = app
        self.routing = routing
        self.primary = primary

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        routing = self.routing()
        body, ended = await whole_body(receive)
        kind = operation_kind(body, routing.fields if routing else frozenset())
        serving = serving_of(scope, write=kind == "write")
        # What this request's own reads of other subgraphs ask for (read_protocol.SERVING).
        token = SERVING.set(serving)
        try:
            if routing is None:
                await self.app(scope, replaying(body, ended, receive), send)
            elif kind == "write":
                await self.app(scope, replaying(body, ended, receive), self._with_lsn(send))
            elif kind == "replica" and not serving.write:
                await self._read(
                    routing,
                    serving.read_after,
                    scope,
                    lambda: replaying(body, ended, receive),
                    send,
                )
            else:
                await self.app(scope, replaying(body, ended, receive), send)
        finally:
            SERVING.reset(token)

    async def _read(
        self,
        routing: ReadRouting,
        read_after: int | None,
        scope: Scope,
        receive: Callable[[], Receive],
        send: Send,
    ) -> None:
        if not await routing.usable(read_after):
            await self.app(scope, receive(), send)
            return
        await on_replica(self.app, routing, scope, receive, send)

    def _with_lsn(self, send: Send) -> Send:
        return with_lsn(send, self.primary)


def with_lsn(send: Send, primary: Callable[[], AsyncEngine]) -> Send:
    """`send` adding header `partygrid-lsn` (the primary's WAL position) to the answer of a
    write: sent once the write's transactions have committed (the answer is whole)."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            lsn = await current_lsn(primary())
            if lsn is not None:
                headers = [*message.get("headers", []), (LSN_HEADER.encode(), lsn.encode())]
                message = {**message, "headers": headers}
        await send(message)

    return sending


T = TypeVar("T")


class PerEngine(Generic[T]):
    """One `T` for reads on the primary and one for reads on the replica (ON_REPLICA): a
    cache keyed by what it saw must not mix an older replica's view with the primary's."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._primary = make()
        self._replica = make()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._replica if ON_REPLICA.get() else self._primary, name)


def per_engine(make: Callable[[], T]) -> T:
    """`make()` per engine, used like one `T` (see `PerEngine`)."""
    return PerEngine(make)  # type: ignore[return-value]


class RoutedEngine:
    """The engine extra routes find on `app.state.engine`: the replica's while the request
    reads on it (ON_REPLICA, set for REPLICA_ROUTES), the primary's otherwise."""

    def __init__(self, primary: AsyncEngine, routing: ReadRouting | None) -> None:
        self._primary = primary
        self._routing = routing

    def __getattr__(self, name: str) -> Any:
        chosen = self._routing.engine if self._routing and ON_REPLICA.get() else self._primary
        return getattr(chosen, name)
