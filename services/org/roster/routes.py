"""HTTP of the rosters on the org subgraph (behind the internal-token guard, like /graphql):

- `POST /imports/organizations`, `POST /imports/members`: the raw .xlsx as the body; query
  `check=true` (write nothing), `partial=true` (import the valid rows, return the rest),
  `community=CODE` (fills blank community cells). Answers the issue-13 import contract as
  JSON: 200 when written or checked, 422 when refused (nothing written), 400 a file that is no
  roster, 403 role or scope, 409 a clash with stored data at write time, 413 too large, 503 grid could not be asked about homes.
  With an `Idempotency-Key`, a retry gets the first answer and writes nothing again
  (services/common/import_once.py: 422 IDEMPOTENCY_KEY_REUSED, 409 IN_PROGRESS); the stored
  answer withholds the refused rows' file and unmatched addresses (check again to get them).
  The refused rows' workbook is built after the write commits (seconds of CPU for a large
  file: no connection or row lock is held meanwhile).
- `GET /templates/organizations.xlsx`, `GET /templates/members.xlsx`: the empty templates.
- `GET /exports/organizations.xlsx?region=CODE`, `GET /exports/members.xlsx?region=CODE`: the
  templates filled for a region in the caller's scope (personal fields per the caller).
"""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import Awaitable, Callable

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.common.auth import ANONYMOUS, ORG_WRITERS, Identity, is_region_code
from services.common.auth_codes import parse_region_code
from services.common.errors import DomainError, UserErrorCode
from services.common.http_body import read_capped
from services.common.import_once import once, record
from services.common.query_flags import flag
from services.common.settings import import_too_large, max_import_bytes
from services.common.subgraph_client import SubgraphUnavailableError
from services.org.models import idempotency_key
from services.org.roster.columns import KINDS, TITLES
from services.org.roster.export import export_roster
from services.org.roster.importer import import_roster, refused_rows_file
from services.org.roster.rows import ImportOptions
from services.org.roster.workbook import MEDIA_TYPE, template

Endpoint = Callable[[Request], Awaitable[Response]]


def _identity(request: Request) -> Identity:
    return request.scope.get("state", {}).get("identity", ANONYMOUS)


def _error(status: int, code: str, zh: str, en: str, field: list[str] | None = None) -> Response:
    body = {"errors": [{"code": code, "message": zh, "messageEn": en, "field": field}]}
    return JSONResponse(body, status_code=status)


def _refusal(status: int, refused: DomainError) -> Response:
    return JSONResponse(
        {
            "errors": [
                {
                    "code": e.code.name,
                    "message": e.message,
                    "messageEn": e.message_en,
                    "field": e.field,
                }
                for e in (refused, *refused.more)
            ]
        },
        status_code=status,
    )


def _workbook(content: bytes, filename: str) -> Response:
    quoted = urllib.parse.quote(filename)
    return Response(
        content,
        media_type=MEDIA_TYPE,
        headers={
            "content-disposition": f"attachment; filename=\"roster.xlsx\"; filename*=UTF-8''{quoted}",
            "cache-control": "private, no-store",
        },
    )


def _may_import(identity: Identity, _request: Request) -> bool:
    """The role check of every roster import (scope is checked per row)."""
    return identity.role in ORG_WRITERS


def _importer(kind: str) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        identity = _identity(request)
        if not _may_import(identity, request):
            return _error(403, "FORBIDDEN", "当前角色无权导入", "Your role may not import rosters")
        community = request.query_params.get("community") or None
        if community is not None:
            try:  # parsed before the scope check, nothing normalised (issue 12)
                community = parse_region_code(community, ["community"], (12,))
            except DomainError as bad:
                return _refusal(400, bad)
            if not identity.covers(community):
                return _error(403, "FORBIDDEN", f"超出管辖范围：{community}", "Outside your scope")
        data = await read_capped(request, max_import_bytes())
        if data is None:
            return _refusal(413, import_too_large())
        options = ImportOptions(
            identity=identity,
            check_only=flag(request.query_params, "check"),
            partial=flag(request.query_params, "partial"),
            community=community,
        )
        grid = request.app.state.resources["grid"]
        try:
            async with request.app.state.engine.begin() as conn:
                report = await import_roster(conn, kind, data, options, homes_of=grid.homes)
                body = report.as_json()
                status = 200 if report.ok or report.written else 422
                # Stored with the write it answers (a retry with the same Idempotency-Key),
                # without the refused rows' file: that is built below, once committed.
                pending = ("refusedRowsFile",) if report.refused_rows else ()
                await record(conn, JSONResponse(body, status_code=status), pending=pending)
        except DomainError as refused:
            return _refusal(409 if refused.code is UserErrorCode.CONFLICT else 400, refused)
        except SubgraphUnavailableError as down:
            return _refusal(503, down.refusal("无法读取楼栋", "cannot read the buildings"))
        if report.refused_rows:
            report.refused_rows_file = await asyncio.to_thread(refused_rows_file, report)
            body = report.as_json()
        return JSONResponse(body, status_code=status)

    return endpoint


def _templater(kind: str) -> Endpoint:
    async def endpoint(_request: Request) -> Response:
        content = await asyncio.to_thread(template, kind)
        return _workbook(content, f"{TITLES[kind]}模板.xlsx")

    return endpoint


def _exporter(kind: str) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        region = request.query_params.get("region", "")
        if not is_region_code(region):
            return _error(
                400,
                "INVALID",
                f"区划代码应为6、9或12位数字：{region}",
                f"A region code has 6, 9 or 12 digits: {region}",
                ["region"],
            )
        try:
            async with request.app.state.engine.connect() as conn:
                content = await export_roster(conn, kind, region, _identity(request))
        except GraphQLError as refused:  # ForbiddenError: scope
            en = (refused.extensions or {}).get("messageEn", "Forbidden")
            return _error(403, "FORBIDDEN", refused.message, en)
        return _workbook(content, f"{TITLES[kind]}_{region}.xlsx")

    return endpoint


ROUTES = [
    route
    for kind in KINDS
    for route in (
        Route(
            f"/imports/{kind}",
            once(_importer(kind), idempotency_key, max_import_bytes, _may_import),
            methods=["POST"],
        ),
        Route(f"/templates/{kind}.xlsx", _templater(kind), methods=["GET"]),
        Route(f"/exports/{kind}.xlsx", _exporter(kind), methods=["GET"]),
    )
]
