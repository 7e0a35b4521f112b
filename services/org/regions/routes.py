"""HTTP of org's file imports: `POST /imports/regions` (issue 13's import contract).

The raw file is the body (CSV or XLSX; `x-partygrid-filename` names it), `check=true` checks
only. Answers 200 with the import report as JSON (`ImportReport.as_json`: refusals grouped by
rule, nothing written unless the whole file passes), 400 for a file that is no readable
table, 403 for a caller who is not a district user, 413 over the size cap. Like assess's
evidence routes, these answer only callers signed with the internal token (the gateway
passes the user's identity), and check role and scope themselves.
With an `Idempotency-Key`, a retry gets the first answer and writes nothing again
(services/common/import_once.py).
"""

from __future__ import annotations

import asyncio

from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.common.auth import ANONYMOUS, Identity, Role
from services.common.errors import DomainError
from services.common.http_body import read_capped
from services.common.import_once import once, record
from services.common.query_flags import flag
from services.common.settings import import_too_large, max_import_bytes
from services.org.models import idempotency_key
from services.org.regions.importer import UnreadableFileError, import_regions, read_rows


def _error(status: int, code: str, zh: str, en: str) -> JSONResponse:
    body = {"errors": [{"code": code, "message": zh, "messageEn": en, "field": None}]}
    return JSONResponse(body, status_code=status)


def _may_import(identity: Identity, _request: Request) -> bool:
    return identity.role is Role.DISTRICT


async def regions_upload(request: Request) -> Response:
    identity = request.scope.get("state", {}).get("identity", ANONYMOUS)
    if not _may_import(identity, request):
        return _error(
            403,
            "FORBIDDEN",
            "只有区委组织部用户可以导入区划",
            "Only district users may import regions",
        )
    data = await read_capped(request, max_import_bytes())
    if data is None:
        too_large = import_too_large()
        return _error(413, "INVALID", too_large.message, too_large.message_en)
    check_only = flag(request.query_params, "check")
    name = request.headers.get("x-partygrid-filename", "")
    try:
        # Reading a workbook is CPU work: in a thread, before any connection is taken.
        rows = await asyncio.to_thread(read_rows, data, name)
    except UnreadableFileError as bad:
        return _error(400, "INVALID", bad.message, bad.message_en)
    async with request.app.state.engine.connect() as conn, conn.begin() as transaction:
        try:
            report = await import_regions(
                conn,
                rows,
                check_only=check_only,
                may_write=identity.covers,  # a new district is the operator's (CLI) to add
            )
        except (DomainError, IntegrityError):
            # A place written by someone else between the check and the write.
            await transaction.rollback()
            return _error(
                409,
                "CONFLICT",
                "导入期间区划已被他人修改，请重新检查后导入",
                "The places changed while importing: check the file again, then import",
            )
        # Stored with the write it answers (a retry with the same Idempotency-Key gets it).
        answer = await record(conn, JSONResponse(report.as_json()))
        if not report.written:
            await transaction.rollback()
    return answer


IMPORT_ROUTES = [
    Route(
        "/imports/regions",
        once(regions_upload, idempotency_key, max_import_bytes, _may_import),
        methods=["POST"],
    )
]
