"""Writes that may be retried, and deadlines the gateway and a subgraph agree on.

`WriteGuard` is ASGI middleware around a subgraph's `/graphql` (inside the internal-token
guard, so the caller is known), installed for every subgraph by `services.common.app`:

- `partygrid-deadline-ms` (sent by the gateway: what is left of its own deadline): the
  request is cut off a little before it, so the subgraph stops work the gateway no longer
  waits for and answers first. A cut-off mutation answers OUTCOME_UNKNOWN (its transaction
  is rolled back with the cancelled task; retrying with the same key settles it), a read
  DEADLINE_EXCEEDED.
- `Idempotency-Key` on a mutation: (caller subject, key) is claimed in the service's own
  `idempotency_key` table with a fingerprint of the request. A retry with the same key and
  the same request gets the first response back instead of writing twice; the same key with
  another request is IDEMPOTENCY_KEY_REUSED; a retry while the first still runs waits for it
  (up to its deadline) and then answers IN_PROGRESS. An answered key is kept for `KEEP`; a
  claim whose process died is given up after `LEASE` (a running one renews its lease, so it
  never looks given up), and so is at once an unanswered, unapplied claim made before the
  database last started (its request died with the database's crash). Each claim carries a
  random token: only the request that holds it may store its answer or give it up, so a
  request whose claim was taken over cannot answer for (or release) the one that took it.
- Acknowledged or not, a write is applied once: the mutation's own transaction marks its
  claim applied (`applied_at`, written at its commit by `_mark_applied`, a commit hook on the
  service's engine, while `_applying` names the claim), so the write and its mark commit
  together. The answer is stored just after, in a second transaction; if the process or the
  database dies between the two, the claim stays applied and unanswered: it is never given
  up by its lease nor released, and a retry with the key, once the claim's lease has lapsed
  (or at once when its request died with the database; while the request still runs, a
  retry waits for its answer, then answers IN_PROGRESS), answers ALREADY_APPLIED ("the
  write was applied; read the current state") instead of running the mutation a second time.
  A request may hold several root mutation fields (the gateway sends a subgraph's
  consecutive mutation fields in one request under one key), each committing its own
  transaction: the mark records each committed field's response key (`applied_fields`, named
  by `NameRootFields` while the field resolves), and ALREADY_APPLIED names them
  (`extensions.appliedFields`; the other fields were not run). Recording rather than refusing
  a second commit keeps such requests working as before; only their loss is told precisely.
  The mark is also a fence: it is written only while the claim is still the request's own,
  else the write rolls back (ClaimLostError), so a claim given up too early (a request still
  running past its lease) can never lead to a second write.
- A write refused for the database's state (DATABASE_UNAVAILABLE, DATABASE_READ_ONLY,
  DISK_FULL: `services.common.database_errors`) keeps no answer: its claim is given up, and
  a retry with the same key, once the database can write, runs it.

Errors are GraphQL errors with a Chinese message and `extensions.code` / `messageEn`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime as dt
import hashlib
import inspect
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from graphql import GraphQLError, GraphQLResolveInfo, OperationType, get_operation_ast, parse
from sqlalchemy import event, exc
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from services.common.auth import ANONYMOUS
from services.common.database_errors import MESSAGES as DATABASE_CODES
from services.common.database_errors import database_code, error_dict
from services.common.http_body import header, replaying, whole_body

# The shared part lives in `write_protocol` (no database); re-exported for the subgraphs.
from services.common.write_protocol import (  # noqa: F401 -- re-exported
    DEADLINE_HEADER,
    KEY_HEADER,
    MAX_KEY_LENGTH,
    MESSAGES,
    error_body,
    valid_key,
)

log = logging.getLogger("partygrid.idempotency")

KEEP = dt.timedelta(hours=24)  # an answered key replays its answer this long
# A claim nobody finished (its process died) is given up after its lease. A running request
# renews it every RENEW_SECONDS on the service's pool, each try bounded by RENEW_SECONDS (a
# try stuck waiting for a busy pool gives way to the next): a live claim lapses only when six
# tries in a row fail, a pool starved as long as its own checkout timeout (30 s), when the
# mutations fail too. A subgraph's crash leaves its running writes IN_PROGRESS this long; a
# claim that died with the database is settled at once (made before the postmaster started).
LEASE = dt.timedelta(seconds=30)
RENEW_SECONDS = 5.0
_POLL_SECONDS = 0.1
_MAX_WAIT_SECONDS = 10.0  # a retry without a deadline waits this long for the first one
TABLE = "idempotency_key"
GONE = object()  # the claim was given up between our insert and read: claim again


def define_table(metadata: sa.MetaData) -> sa.Table:
    """The `idempotency_key` table on a service's metadata (its migration creates it)."""
    return sa.Table(
        TABLE,
        metadata,
        sa.Column("subject", sa.Text, primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("response", sa.LargeBinary),  # NULL while the first request runs
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claim", sa.Text),  # the running request's random token
        # Set by the write's own transaction: its write committed (answered or not).
        sa.Column("applied_at", sa.DateTime(timezone=True)),
        # The response keys of the root fields whose transactions committed, in order.
        sa.Column("applied_fields", ARRAY(sa.Text)),
        sa.Index("ix_idempotency_key_expires_at", "expires_at"),
    )


def create_table(op: Any, schema: str) -> None:
    """The migration step creating `idempotency_key` in `schema` (one per service history)."""
    op.create_table(
        TABLE,
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("response", sa.LargeBinary),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subject", "key"),
        schema=schema,
    )
    op.create_index("ix_idempotency_key_expires_at", TABLE, ["expires_at"], schema=schema)


def add_claim_column(op: Any, schema: str) -> None:
    """The migration step adding the claim token to `idempotency_key` in `schema`."""
    op.add_column(TABLE, sa.Column("claim", sa.Text), schema=schema)


def add_applied_column(op: Any, schema: str) -> None:
    """The migration step adding `applied_at` to `idempotency_key` in `schema`."""
    op.add_column(TABLE, sa.Column("applied_at", sa.DateTime(timezone=True)), schema=schema)


def add_applied_fields_column(op: Any, schema: str) -> None:
    """The migration step adding `applied_fields` to `idempotency_key` in `schema`."""
    op.add_column(TABLE, sa.Column("applied_fields", ARRAY(sa.Text)), schema=schema)


@dataclass(frozen=True)
class _Applying:
    table: sa.Table
    claim: tuple[str, str]
    token: str


# The claim of the mutation running in this task (None outside a keyed mutation).
_applying: contextvars.ContextVar[_Applying | None] = contextvars.ContextVar(
    "partygrid_applying_claim", default=None
)


# The response key of the root mutation field resolving in this task (`NameRootFields`).
_root_field: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "partygrid_root_field", default=None
)


class NameRootFields(SchemaExtension):
    """Names the root field resolving during a keyed mutation, so that `_mark_applied`
    records which fields' writes committed. The gateway sends several mutation fields of one
    subgraph in one request (run one after the other, each committing its own transaction):
    a request that dies between two leaves some applied and the rest not, and a retry must
    say which. Other fields, and requests without a claim, pass untouched."""

    def resolve(
        self, _next: Callable, root: Any, info: GraphQLResolveInfo, *args: Any, **kwargs: Any
    ) -> Any:
        if info.path.prev is not None or _applying.get() is None:
            return _next(root, info, *args, **kwargs)
        name = str(info.path.key)
        named = _root_field.set(name)
        try:
            result = _next(root, info, *args, **kwargs)
        finally:
            _root_field.reset(named)
        return _resolving_as(name, result) if inspect.isawaitable(result) else result


async def _resolving_as(name: str, result: Awaitable[Any]) -> Any:
    named = _root_field.set(name)
    try:
        return await result
    finally:
        _root_field.reset(named)


def _mark_applied(conn: Connection) -> None:
    """At a commit inside a keyed mutation: when the transaction wrote anything (it has a
    transaction id), mark its claim applied in that same transaction, with the root field
    it ran for. A claim no longer held (taken over after its lease ran out) raises
    ClaimLostError: the commit fails and the write rolls back, rather than be applied twice
    under one key. The lease runs on (renewed while the request runs): a retry answers
    ALREADY_APPLIED only once it has lapsed, or the request died with the database."""
    applying = _applying.get()
    if applying is None:
        return
    wrote = conn.exec_driver_sql("SELECT pg_current_xact_id_if_assigned() IS NOT NULL")
    if not wrote.scalar():
        return  # a read-only transaction applies nothing
    table = applying.table
    values: dict[str, Any] = {"applied_at": sa.func.coalesce(table.c.applied_at, sa.func.now())}
    if (field := _root_field.get()) is not None:
        values["applied_fields"] = sa.case(
            (sa.literal(field, sa.Text) == sa.any_(table.c.applied_fields), table.c.applied_fields),
            else_=sa.func.array_append(table.c.applied_fields, sa.literal(field, sa.Text)),
        )
    marked = conn.execute(
        sa.update(table).where(_held(table, applying.claim, applying.token)).values(**values)
    )
    if not marked.rowcount:
        raise ClaimLostError("idempotency claim lost")  # no key in it: a user chose it


def _watch_commits(engine: AsyncEngine) -> None:
    """Install `_mark_applied` on `engine` (once)."""
    if not event.contains(engine.sync_engine, "commit", _mark_applied):
        event.listen(engine.sync_engine, "commit", _mark_applied)


def _refused_for_database(body: bytes | bytearray) -> bool:
    """Whether an answer is a refusal for the database's state (kept for no retry)."""
    if not any(code.encode() in body for code in DATABASE_CODES):
        return False  # the common case, without parsing
    try:
        errors = orjson.loads(body).get("errors") or []
    except (orjson.JSONDecodeError, AttributeError):
        return False
    return any((e.get("extensions") or {}).get("code") in DATABASE_CODES for e in errors)


def deadline_seconds(scope: Scope) -> float | None:
    """How long this request may run: the gateway's remaining deadline less a margin for
    the answer's way back (None: no deadline was sent)."""
    raw = header(scope, DEADLINE_HEADER.encode())
    if raw is None or not raw.strip().isdigit():
        return None
    seconds = int(raw) / 1000
    return max(seconds - min(1.0, seconds * 0.2), 0.0)


def _mutation_fingerprint(body: bytes) -> str | None:
    """A fingerprint of the request when it is a mutation (None: a read or unparseable)."""
    try:
        request = orjson.loads(body)
        query = request.get("query")
        operation = get_operation_ast(parse(query), request.get("operationName"))
    except (orjson.JSONDecodeError, AttributeError, TypeError, GraphQLError):
        return None
    if operation is None or operation.operation != OperationType.MUTATION:
        return None
    canonical = orjson.dumps(
        [query, request.get("operationName"), request.get("variables") or {}],
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(canonical).hexdigest()


class _Captured:
    """A response held back until it is whole, so a cut-off request can answer instead."""

    def __init__(self) -> None:
        self.status = 200
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = bytearray()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers") or [])
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")


async def _respond(send: Send, body: bytes, status: int = 200, headers: Any = None) -> None:
    if headers is None:
        headers = [(b"content-type", b"application/json")]
    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class WriteGuard:
    """See the module docstring. `engine` gives the service's engine (made in the lifespan);
    `table` None: this subgraph keeps no keys (it serves deadlines only)."""

    def __init__(
        self, app: ASGIApp, engine: Callable[[], AsyncEngine], table: sa.Table | None
    ) -> None:
        self.app = app
        self.engine = engine
        self.table = table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = header(scope, KEY_HEADER.encode())
        deadline = deadline_seconds(scope)
        if scope["type"] != "http" or scope["method"] != "POST" or (key, deadline) == (None, None):
            await self.app(scope, receive, send)
            return
        body, more = await whole_body(receive)
        replay = replaying(body, more, receive)
        # Parsing costs: only a keyed request needs to know here whether it is a mutation.
        fingerprint = _mutation_fingerprint(body) if key is not None else None
        if key is not None and fingerprint is not None and self.table is not None:
            if not valid_key(key):
                await _respond(send, error_body("INVALID_IDEMPOTENCY_KEY"), 400)
                return
            identity = scope.get("state", {}).get("identity", ANONYMOUS)
            await self._once(scope, replay, send, (identity.subject, key), fingerprint, deadline)
            return
        captured, _ = await self._run(
            scope, replay, deadline, lambda: _mutation_fingerprint(body) is not None
        )
        await _respond(send, bytes(captured.body), captured.status, captured.headers)

    async def _run(
        self, scope: Scope, receive: Receive, deadline: float | None, write: Callable[[], bool]
    ) -> tuple[_Captured, bool]:
        """The app's whole response, or OUTCOME_UNKNOWN / DEADLINE_EXCEEDED past `deadline`
        (the app is cancelled: its open transaction rolls back); and whether it was cut off."""
        captured = _Captured()
        try:
            async with asyncio.timeout(deadline):
                await self.app(scope, receive, captured.send)
        except TimeoutError:
            wrote = write()  # parsed only now: most requests finish in time
            log.warning("cut off a %s at its deadline (%.1f s)", "write" if wrote else "read",
                        deadline or 0)  # fmt: skip
            cut = _Captured()
            cut.body += error_body("OUTCOME_UNKNOWN" if wrote else "DEADLINE_EXCEEDED")
            cut.headers = [(b"content-type", b"application/json")]
            return cut, True
        return captured, False

    async def _once(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        claim: tuple[str, str],
        fingerprint: str,
        deadline: float | None,
    ) -> None:
        """Run the write once per (subject, key); answer retries from the record."""
        assert self.table is not None
        try:
            found = await self._settle(claim, fingerprint, deadline)
        except exc.DBAPIError as failed:
            # Read-only, full or gone: nothing ran; the writer is told why, typed.
            if (code := database_code(failed)) is None:
                raise
            await _respond(send, orjson.dumps({"data": None, "errors": [error_dict(code)]}))
            return
        if not isinstance(found, Claimed):
            await _respond(send, *found)
            return
        token = found.token
        _watch_commits(self.engine())
        try:
            async with holding(self.engine(), self.table, claim, token, LEASE, RENEW_SECONDS):
                # Set inside `holding`: its renewing task must not mark the claim applied.
                applying = _applying.set(_Applying(self.table, claim, token))
                try:
                    captured, cut = await self._run(scope, receive, deadline, lambda: True)
                finally:
                    _applying.reset(applying)
        except BaseException:
            await asyncio.shield(self._release(claim, token))
            raise
        if cut or _refused_for_database(captured.body):
            # Cut off here, or refused by the database: the write was rolled back, so a retry
            # runs it anew (a write that had committed before marked its claim applied: the
            # release leaves that claim alone and a retry answers ALREADY_APPLIED).
            await asyncio.shield(self._release(claim, token))
        else:
            try:
                await asyncio.shield(self._store(claim, token, captured))
            except exc.DBAPIError:
                # The write is done (and its claim marked applied): answer it all the same;
                # a retry answers ALREADY_APPLIED.
                log.exception("a mutation's answer could not be stored")
        await _respond(send, bytes(captured.body), captured.status, captured.headers)

    async def _settle(
        self, claim: tuple[str, str], fingerprint: str, deadline: float | None
    ) -> Claimed | tuple[bytes, int, Any]:
        """Our claim to run the write, or the answer to give instead: (body, status,
        headers) of the first request's answer or of a refusal."""
        loop = asyncio.get_running_loop()
        wait_until = loop.time() + (deadline if deadline is not None else _MAX_WAIT_SECONDS)
        while True:
            found = await self._claim(claim, fingerprint)
            if isinstance(found, Claimed):
                return found  # ours to run
            if found is GONE:
                continue
            if found.fingerprint != fingerprint:
                return error_body("IDEMPOTENCY_KEY_REUSED"), 200, None
            if found.response is not None:
                stored = orjson.loads(found.response)
                headers = [(b"content-type", stored["type"].encode())]
                return stored["body"].encode(), stored["status"], headers
            if found.applied_at is not None and found.lapsed:
                # Applied, never answered, and its request is gone (its lease lapsed, or it
                # died with the database): never run again; say what was applied.
                return already_applied(found.applied_fields), 200, None
            if loop.time() + _POLL_SECONDS > wait_until:
                return error_body("IN_PROGRESS"), 200, None
            await asyncio.sleep(_POLL_SECONDS)  # the first one still runs: wait for it

    async def _claim(self, claim: tuple[str, str], fingerprint: str) -> Any:
        assert self.table is not None
        return await claim_key(self.engine(), self.table, claim, fingerprint)

    async def _store(self, claim: tuple[str, str], token: str, captured: _Captured) -> None:
        assert self.table is not None
        content_type = dict(captured.headers).get(b"content-type", b"application/json")
        record = answer_record(captured.status, content_type.decode("latin-1"), captured.body)
        async with self.engine().begin() as conn:
            if not await store_answer(conn, self.table, claim, token, record):
                # The mutation committed on its own; its claim had been taken over (renewals
                # failed for a whole lease): nothing to roll back here, but say so.
                log.warning("a mutation's answer could not be stored: its claim was lost")

    async def _release(self, claim: tuple[str, str], token: str) -> None:
        assert self.table is not None
        await release_key(self.engine(), self.table, claim, token)


# --- the key table, shared with the import routes (services/common/import_once.py) ----------


@dataclass(frozen=True)
class Claimed:
    """This request holds the claim; `token` proves it to `store_answer` and `release_key`."""

    token: str


class ClaimLostError(RuntimeError):
    """The request's claim was taken over (its lease ran out): its answer is not stored and
    its write must roll back, or the key would have two writes."""


async def claim_key(
    engine: AsyncEngine,
    table: sa.Table,
    claim: tuple[str, str],
    fingerprint: str,
    lease: dt.timedelta = LEASE,
) -> Any:
    """`Claimed` when this request claimed (subject, key) for `lease`; else the row holding
    it (`fingerprint`, `response`: None while the first request runs, `applied_at`: set once
    its write committed, `applied_fields`, `lapsed`: its request is gone, its lease having
    lapsed or the database having started since), or `GONE` when it was given up between
    our insert and read (claim again). Every time is the database's clock (`now()`, the
    transaction's start), the one `pg_postmaster_start_time()` is told on."""
    subject, key = claim
    token = secrets.token_urlsafe(18)
    now = sa.func.now()
    died_with_database = table.c.created_at < sa.func.pg_postmaster_start_time()
    async with engine.begin() as conn:
        gone = sa.or_(
            # Past its expiry (found by its index): an unapplied claim's lease, an answer's
            # KEEP; an applied claim never answered is kept KEEP after its write.
            sa.and_(
                table.c.expires_at < now,
                sa.or_(
                    table.c.applied_at.is_(None),
                    table.c.response.is_not(None),
                    table.c.applied_at < now - KEEP,
                ),
            ),
            # This key's unapplied claim whose request died with the database.
            sa.and_(
                table.c.subject == subject,
                table.c.key == key,
                table.c.response.is_(None),
                table.c.applied_at.is_(None),
                died_with_database,
            ),
        )
        await conn.execute(sa.delete(table).where(gone))
        inserted = await conn.execute(
            insert(table)
            .values(
                subject=subject,
                key=key,
                fingerprint=fingerprint,
                created_at=now,
                expires_at=now + lease,
                claim=token,
            )
            .on_conflict_do_nothing()
            .returning(table.c.key)
        )
        if inserted.first() is not None:
            return Claimed(token)
        held = await conn.execute(
            sa.select(
                table.c.fingerprint,
                table.c.response,
                table.c.applied_at,
                table.c.applied_fields,
                sa.or_(table.c.expires_at < now, died_with_database).label("lapsed"),
            ).where(table.c.subject == subject, table.c.key == key)
        )
        return held.first() or GONE


def already_applied(fields: list[str] | None) -> bytes:
    """ALREADY_APPLIED, naming the root fields whose writes committed (`appliedFields`) when
    known: the request's other fields were not run (a retry with a new key may send them)."""
    message, message_en = MESSAGES["ALREADY_APPLIED"]
    extensions: dict[str, Any] = {"code": "ALREADY_APPLIED", "messageEn": message_en}
    if fields:
        names = ", ".join(fields)
        message += f"（已生效：{names}；本请求的其余字段未执行）"
        extensions["messageEn"] = (
            f"{message_en} Applied: {names}; the request's other fields were not run."
        )
        extensions["appliedFields"] = list(fields)
    return orjson.dumps({"data": None, "errors": [{"message": message, "extensions": extensions}]})


def answer_record(status: int, content_type: str, body: bytes | bytearray) -> bytes:
    """What `response` holds: the first answer, replayed as it was."""
    return orjson.dumps(
        {"status": status, "type": content_type, "body": bytes(body).decode("utf-8", "replace")}
    )


def _held(table: sa.Table, claim: tuple[str, str], token: str) -> sa.ColumnElement[bool]:
    """The row of `claim` while still held, unanswered, by the request with `token`."""
    return sa.and_(
        table.c.subject == claim[0],
        table.c.key == claim[1],
        table.c.claim == token,
        table.c.response.is_(None),
    )


async def store_answer(
    conn: AsyncConnection, table: sa.Table, claim: tuple[str, str], token: str, record: bytes
) -> bool:
    """Store the answer of the claim held with `token`, in `conn`'s transaction (the write's
    own, where it has one); False when that claim is no longer this request's (taken over
    after its lease ran out, or answered already)."""
    stored = await conn.execute(
        sa.update(table)
        .where(_held(table, claim, token))
        .values(response=record, expires_at=sa.func.now() + KEEP)
    )
    return bool(stored.rowcount)


async def renew_claim(
    engine: AsyncEngine, table: sa.Table, claim: tuple[str, str], token: str, lease: dt.timedelta
) -> bool:
    """Extend the claim held with `token` to `lease` from now (applied or not: the lease
    tells a retry whether the request still runs); False when it is not held."""
    async with engine.begin() as conn:
        renewed = await conn.execute(
            sa.update(table)
            .where(_held(table, claim, token))
            .values(expires_at=sa.func.now() + lease)
        )
    return bool(renewed.rowcount)


@contextlib.asynccontextmanager
async def holding(
    engine: AsyncEngine,
    table: sa.Table,
    claim: tuple[str, str],
    token: str,
    lease: dt.timedelta,
    every: float,
) -> AsyncIterator[None]:
    """Renew the claim every `every` seconds while the body runs, so a request running past
    its lease never looks given up (only a dead process's claim expires)."""

    async def renew() -> None:
        while True:
            await asyncio.sleep(every)
            try:
                # Bounded: a try stuck waiting for a busy pool gives way to the next round.
                async with asyncio.timeout(every):
                    if not await renew_claim(engine, table, claim, token, lease):
                        return  # answered or taken over: storing the answer will tell
            except Exception:  # the next round tries again; the lease has room
                log.exception("could not renew an idempotency claim")

    task = asyncio.create_task(renew())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def release_key(
    engine: AsyncEngine, table: sa.Table, claim: tuple[str, str], token: str
) -> None:
    """Give up the claim held with `token` that has no answer (its write rolled back): a
    retry runs anew. Another request's claim on the same key is left alone, and so is an
    applied one (its write committed: a retry must not run it again)."""
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.delete(table).where(_held(table, claim, token), table.c.applied_at.is_(None))
            )
    except Exception:  # the lease gives the key up later
        log.exception("could not release idempotency key")
