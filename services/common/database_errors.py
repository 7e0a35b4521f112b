"""When the database cannot take a write, the writer is told why, typed; readers go on.

A database that is read-only (a standby, `default_transaction_read_only`), full, or gone (a
restart, a crash, a lost connection) makes a write (or, gone, any request) fail with a
driver error. Unmapped, that is masked as INTERNAL_SERVER_ERROR; mapped here, the caller
gets a code it can act on:

- DATABASE_READ_ONLY: SQLSTATE 25006 (read_only_sql_transaction);
- DISK_FULL: 53100 (disk_full), 53000 (insufficient_resources), 53200 (out_of_memory);
- DATABASE_UNAVAILABLE: a lost or refused connection (class 08, 57P01 admin_shutdown,
  57P02 crash_shutdown, 57P03 cannot_connect_now, or no SQLSTATE at all).

The message is ours (Chinese, English in `messageEn`): never the server's, which may quote
SQL or data. Used by the subgraphs' error masking (`services.common.masking`), the write
guard (`services.common.idempotency`) and HTTP routes (`told_database_failures`: evidence).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from graphql import GraphQLError
from sqlalchemy import exc
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

Endpoint = Callable[[Request], Awaitable[Response]]

log = logging.getLogger("partygrid.database")

MESSAGES = {
    "DATABASE_READ_ONLY": (
        "数据库当前只读（例如正在维护或为备用库），暂不能写入；查询不受影响，请稍后重试",
        "The database is read-only for now (maintenance or a standby); reading still works. "
        "Retry the write later.",
    ),
    "DISK_FULL": (
        "数据库存储空间已满，写入未完成；查询不受影响，请联系管理员释放空间后重试",
        "The database has no space left; the write was not made. Reading still works. Ask "
        "an administrator to free space, then retry.",
    ),
    "DATABASE_UNAVAILABLE": (
        "数据库暂时不可用，请稍后重试；写入请用同一 Idempotency-Key 重试，不会重复生效",
        "The database is unavailable for now; retry later. Retry a write with the same "
        "Idempotency-Key: it is never applied twice.",
    ),
}
# HTTP status of each, for routes that answer outside GraphQL.
STATUS = {"DATABASE_READ_ONLY": 503, "DISK_FULL": 507, "DATABASE_UNAVAILABLE": 503}
_BY_SQLSTATE = {
    "25006": "DATABASE_READ_ONLY",
    "53100": "DISK_FULL",
    "53000": "DISK_FULL",
    "53200": "DISK_FULL",
    "57P01": "DATABASE_UNAVAILABLE",
    "57P02": "DATABASE_UNAVAILABLE",
    "57P03": "DATABASE_UNAVAILABLE",
}


def database_code(error: BaseException | None) -> str | None:
    """The code of a database failure callers are told about (see the module docstring), or
    None for any other error (a bug, a constraint: masked or handled elsewhere)."""
    for _ in range(5):  # a resolver may have wrapped it (raise ... from)
        if error is None or isinstance(error, exc.DBAPIError):
            break
        error = error.__cause__ or error.__context__
    if not isinstance(error, exc.DBAPIError):
        return None
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate in _BY_SQLSTATE:
        code = _BY_SQLSTATE[sqlstate]
    elif (sqlstate or "").startswith("08") or (
        sqlstate is None and isinstance(error, exc.OperationalError | exc.InterfaceError)
    ):
        code = "DATABASE_UNAVAILABLE"  # the connection broke, or none could be made
    else:
        return None
    # The class and SQLSTATE only: the server's message may quote data.
    log.warning("a write failed: %s (%s, SQLSTATE %s)", code, type(error.orig).__name__, sqlstate)
    return code


def error_dict(code: str) -> dict[str, object]:
    """The GraphQL error of `code`, as JSON."""
    message, message_en = MESSAGES[code]
    return {"message": message, "extensions": {"code": code, "messageEn": message_en}}


def graphql_error(code: str, error: GraphQLError) -> GraphQLError:
    """`error` (a resolver's failure) told as `code`, at the same place."""
    message, message_en = MESSAGES[code]
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": code, "messageEn": message_en},
    )


def told_database_failures(endpoint: Endpoint) -> Endpoint:
    """An HTTP route's `endpoint`, answering a full, read-only or lost database typed (507
    or 503, `{"errors": [{"code", "message", "messageEn", "field"}]}`), never with the
    server's message."""

    async def told(request: Request) -> Response:
        try:
            return await endpoint(request)
        except exc.DBAPIError as failed:
            if (code := database_code(failed)) is None:
                raise
            message, message_en = MESSAGES[code]
            error = {"code": code, "message": message, "messageEn": message_en, "field": None}
            return JSONResponse({"errors": [error]}, status_code=STATUS[code])

    return told
