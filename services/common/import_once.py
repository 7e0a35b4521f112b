"""Import routes that may be retried: `Idempotency-Key` on `POST /imports/{kind}`.

`once(endpoint, table, limit)` wraps an import route at its definition (org's regions,
organizations and members; grid's boundaries, zones and buildings). A request carrying the
header claims (caller subject, key) in the service's `idempotency_key` table (the one the
GraphQL mutations use, `services.common.idempotency`) with a fingerprint of what it asks:
the kind (path), the query, the file's name and a hash of the file, under the caller. Then:

- a retry with the same key and the same request gets the first answer back, same status and
  body, and writes nothing again;
- the same key with another file or other options is `IDEMPOTENCY_KEY_REUSED` (422);
- a retry while the first still runs waits for it a while, then answers `IN_PROGRESS` (409);
- a malformed key is `INVALID_IDEMPOTENCY_KEY` (400);
- a check (`check` read by `services.common.query_flags`, as the route reads it) writes
  nothing: it runs as is, and no key is stored;
- a caller the route's own role check (`allowed`) refuses is answered by the route (its 403)
  before any claim or replay: a stored answer is never handed to someone who may no longer
  import that kind.

The write and its stored answer commit together: the route builds its answer inside its write
transaction and hands it to `record(conn, response)`, which stores it there, so a crash can
leave neither a write without its answer (a retry would write again) nor an answer without
its write. An answer that wrote nothing (a refused file, a 403) is stored after the route
returns; a 5xx answer or an exception gives the key up, so a retry runs anew (nothing was
written: the route's transaction rolled back).

Each claim has a random token (`services.common.idempotency.Claimed`), renewed every
`_RENEW_SECONDS` while the route runs, so a running import never looks expired. If the claim
was taken over all the same (renewals failed for a whole lease), `record` raises
`ClaimLostError`: the write rolls back rather than store its answer in the other's claim, and
the request answers IN_PROGRESS (a retry gets the other's answer).

The stored answer keeps no personal data: `refusedRowsFile` (refused rows as they were sent:
names, phones, birth dates; features' attributes) and `unmatchedHomes` (addresses) are
withheld from it (`null` / `[]`, with `refusedRowsFileWithheld` / `unmatchedHomesWithheld`
true), and so are the cells quoted as skipped and refused groups' `example` (`""`,
`examplesWithheld` true). Only the first answer carries them; after a retry, check the file
again to get them.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import hashlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from services.common.auth import ANONYMOUS, Identity
from services.common.idempotency import (
    GONE,
    KEY_HEADER,
    MESSAGES,
    Claimed,
    ClaimLostError,
    answer_record,
    claim_key,
    holding,
    release_key,
    store_answer,
    valid_key,
)
from services.common.query_flags import flag

Endpoint = Callable[[Request], Awaitable[Response]]
Allowed = Callable[[Identity, Request], bool]
# A claim whose process died is given up after this; a running import renews its claim every
# `_RENEW_SECONDS`, so however long it runs, a retry never takes it over.
IMPORT_LEASE = dt.timedelta(minutes=15)
_RENEW_SECONDS = 60.0
# Personal data the stored answer withholds (see the module docstring): key -> empty value.
WITHHELD: dict[str, list[Any] | None] = {"refusedRowsFile": None, "unmatchedHomes": []}
_POLL_SECONDS = 0.2
_WAIT_SECONDS = 10.0  # a retry waits this long for the first one, then answers IN_PROGRESS
_STATUS = {"IDEMPOTENCY_KEY_REUSED": 422, "IN_PROGRESS": 409, "INVALID_IDEMPOTENCY_KEY": 400}


@dataclass(frozen=True)
class _Claim:
    table: sa.Table
    key: tuple[str, str]  # (caller subject, Idempotency-Key)
    token: str  # this request's, proving the claim is still its own


_current: contextvars.ContextVar[_Claim | None] = contextvars.ContextVar(
    "partygrid_import_claim", default=None
)


def _refusal(code: str) -> JSONResponse:
    message, message_en = MESSAGES[code]
    error = {"code": code, "message": message, "messageEn": message_en, "field": None}
    return JSONResponse({"errors": [error]}, status_code=_STATUS[code])


def withheld(body: bytes, pending: Iterable[str] = ()) -> bytes:
    """`body` (a JSON answer) without its personal data: each `WITHHELD` key that holds any
    (or is `pending`: the route adds it after the write) is emptied, flagged `<key>Withheld`."""
    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    if not isinstance(answer, dict):
        return body
    kept = False
    for name, empty in WITHHELD.items():
        if answer.get(name) or name in pending:
            answer[name] = empty
            answer[f"{name}Withheld"] = True
            kept = True
    for group in (*(answer.get("skipped") or ()), *(answer.get("refused") or ())):
        # A group's example is a cell as sent (an address matched to no building, a date).
        if isinstance(group, dict) and group.get("example"):
            group["example"] = ""
            answer["examplesWithheld"] = kept = True
    return orjson.dumps(answer) if kept else body


def _record_of(response: Response, pending: Iterable[str] = ()) -> bytes:
    body = withheld(bytes(response.body), pending)
    return answer_record(response.status_code, response.media_type or "", body)


def _replay(record: bytes) -> Response:
    stored = orjson.loads(record)
    return Response(stored["body"].encode(), stored["status"], media_type=stored["type"])


async def _body(request: Request, limit: int) -> bytes:
    """The whole body, kept on the request for the route to read again. Past `limit` (at
    least the route's own cap) it stops: the route then refuses it with its own 413."""
    chunks, size = [], 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    data = b"".join(chunks)
    request._body = data  # Starlette's cache: the route's request.stream() yields it
    return data


def _fingerprint(request: Request, subject: str, data: bytes) -> str:
    canonical = orjson.dumps(
        [
            subject,
            request.url.path,  # the kind
            sorted(request.query_params.multi_items()),
            request.headers.get("x-partygrid-filename", ""),
            hashlib.sha256(data).hexdigest(),
        ]
    )
    return hashlib.sha256(canonical).hexdigest()


def once(
    endpoint: Endpoint, table: sa.Table, limit: int | Callable[[], int], allowed: Allowed
) -> Endpoint:
    """`endpoint` answering each (caller, Idempotency-Key) once; see the module docstring.
    `table` is the service's `idempotency_key`; `limit` (or what it returns, per request: a
    setting) at least the route's upload cap; `allowed` the route's own role check (the
    route refuses whom it refuses: they are handed to it, unclaimed)."""

    async def wrapped(request: Request) -> Response:
        cap = limit() if callable(limit) else limit
        key = request.headers.get(KEY_HEADER)
        identity = request.scope.get("state", {}).get("identity", ANONYMOUS)
        if key is None or flag(request.query_params, "check") or not allowed(identity, request):
            return await endpoint(request)
        key = key.strip()
        if not valid_key(key):
            return _refusal("INVALID_IDEMPOTENCY_KEY")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            return await endpoint(request)  # refused unread (413): nothing to claim
        data = await _body(request, cap)
        if len(data) > cap:
            return await endpoint(request)
        engine: AsyncEngine = request.app.state.engine
        held = await _claim(
            engine, table, (identity.subject, key), _fingerprint(request, identity.subject, data)
        )
        if isinstance(held, Response):
            return held
        claim = _Claim(table, (identity.subject, key), held.token)
        current = _current.set(claim)
        try:
            async with holding(engine, table, claim.key, claim.token, IMPORT_LEASE, _RENEW_SECONDS):
                response = await endpoint(request)
        except ClaimLostError:
            # Taken over while running: this write rolled back; the other request answers.
            return _refusal("IN_PROGRESS")
        except BaseException:
            await asyncio.shield(release_key(engine, table, claim.key, claim.token))
            raise
        finally:
            _current.reset(current)
        if response.status_code >= 500 or not hasattr(response, "body"):
            await asyncio.shield(release_key(engine, table, claim.key, claim.token))
        else:
            await asyncio.shield(_store_after(engine, claim, response))
        return response

    return wrapped


async def _claim(
    engine: AsyncEngine, table: sa.Table, key: tuple[str, str], fingerprint: str
) -> Claimed | Response:
    """The claim when this request is the first with its key; else the answer to give."""
    loop = asyncio.get_running_loop()
    wait_until = loop.time() + _WAIT_SECONDS
    while True:
        found = await claim_key(engine, table, key, fingerprint, IMPORT_LEASE)
        if isinstance(found, Claimed):
            return found
        if found is GONE:
            continue
        if found.fingerprint != fingerprint:
            return _refusal("IDEMPOTENCY_KEY_REUSED")
        if found.response is not None:
            return _replay(found.response)
        if loop.time() + _POLL_SECONDS > wait_until:
            return _refusal("IN_PROGRESS")
        await asyncio.sleep(_POLL_SECONDS)  # the first one still runs: wait for it


async def _store_after(engine: AsyncEngine, claim: _Claim, response: Response) -> None:
    """An answer the route did not record with a write (it wrote nothing): stored now."""
    async with engine.begin() as conn:
        # False: answered with its write already (record), or taken over — not ours to store.
        await store_answer(conn, claim.table, claim.key, claim.token, _record_of(response))


async def record(
    conn: AsyncConnection, response: Response, *, pending: Iterable[str] = ()
) -> Response:
    """Store `response` (less its personal data, `withheld`; `pending`: withheld keys the
    route adds only after the write commits) as the answer to the request being served, in
    `conn`'s transaction — the import's write — so both commit or neither does. Without a key
    (or for a check), a no-op. Returns `response`. Raises `ClaimLostError` when the claim is
    no longer this request's: the write must roll back."""
    claim = _current.get()
    if claim is not None and not await store_answer(
        conn, claim.table, claim.key, claim.token, _record_of(response, pending)
    ):
        raise ClaimLostError("idempotency claim lost")  # no key in it: a user chose it
    return response
