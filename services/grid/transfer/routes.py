"""HTTP of geometry file imports on the grid subgraph: `POST /imports/{kind}`, kind one of
`boundaries`, `zones`, `buildings` (the import contract shared by org and grid).

The raw file is the body (its name in `x-partygrid-filename`); query parameters `check=true`,
`crs=EPSG:N|WGS84|CGCS2000|GCJ02|BD09`, `community=CODE`, `policy=skip|keep|replace`,
`partial=true`. The gateway passes requests on with the caller's internal token; this route
answers only such signed callers (the guard of `/graphql`) and allows grid writers
(district, planners) within their node. Answers 200 with the report
(`transfer.file_report.FileImport.as_json`), 422 with the same report when the file is
refused (nothing written), or `{"errors": [...]}` with 400, 403, 404, 413 or 503.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.common.auth import ANONYMOUS, GRID_WRITERS, Identity, Role
from services.common.auth_codes import parse_region_code
from services.common.errors import DomainError, UserErrorCode
from services.common.http_body import read_capped
from services.common.import_once import once, record
from services.common.query_flags import flag
from services.common.settings import import_too_large, max_import_bytes
from services.common.subgraph_client import SubgraphUnavailableError
from services.grid.models import idempotency_key
from services.grid.org_client import OrgClient
from services.grid.transfer.coordinates import Declared, parse_declared
from services.grid.transfer.file_import import ImportOptions, import_file
from services.grid.transfer.file_report import FileImport, FileRefusedError, Policy
from services.grid.transfer.files import Kind, SourceFile
from services.grid.transfer.records import invalid
from services.grid.transfer.upsert import CONSTRAINT_ERRORS


def _errors(status: int, error: DomainError) -> JSONResponse:
    body = [
        {"code": e.code.name, "message": e.message, "messageEn": e.message_en, "field": e.field}
        for e in (error, *error.more)
    ]
    return JSONResponse({"errors": body}, status_code=status)


def _forbidden(zh: str, en: str) -> JSONResponse:
    body = {"code": "FORBIDDEN", "message": zh, "messageEn": en, "field": None}
    return JSONResponse({"errors": [body]}, status_code=403)


def _may_import(identity: Identity, request: Request) -> bool:
    """The role check: grid writers; a community's outline is what everyone's coverage is
    measured against: the district's to set (like the places themselves)."""
    if identity.role not in GRID_WRITERS:
        return False
    return request.path_params.get("kind") != Kind.BOUNDARIES.value or (
        identity.role is Role.DISTRICT
    )


@dataclass(frozen=True)
class _Asked:
    """An upload's parameters, checked."""

    kind: Kind
    community_code: str | None
    crs: Declared | None
    policy: Policy


class _RefusedRequestError(Exception):
    """A request refused before its body is read; `response` says why."""

    def __init__(self, response: Response) -> None:
        self.response = response


def _community(identity: Identity, raw: str | None) -> str | None:
    if raw is None:
        return None
    try:  # parsed before the scope check, nothing normalised (issue 12 class 2)
        code = parse_region_code(raw, ["community"], (12,))
    except DomainError as bad:
        raise _RefusedRequestError(_errors(400, bad)) from None
    if not identity.covers(code):
        raise _RefusedRequestError(_forbidden("超出管辖范围", "Outside your scope"))
    return code


def _asked(identity: Identity, request: Request) -> _Asked:
    """The upload's parameters, or `_RefusedRequestError` (role, kind, scope, bad values)."""
    if identity.role not in GRID_WRITERS:
        raise _RefusedRequestError(
            _forbidden("当前角色无权导入网格数据", "Your role may not import grid data")
        )
    params = request.query_params
    try:
        kind = Kind(request.path_params["kind"])
    except ValueError:
        raise _RefusedRequestError(
            _errors(404, invalid("未知的导入类型", "Unknown import kind", ["kind"]))
        ) from None
    if not _may_import(identity, request):
        # A community's outline is what everyone's coverage is measured against: the
        # district's to set (like the places themselves), not a community planner's.
        raise _RefusedRequestError(
            _forbidden(
                "只有区委组织部用户可以导入社区边界", "Only district users may import boundaries"
            )
        )
    community_code = _community(identity, params.get("community") or None)
    try:
        crs = parse_declared(params["crs"]) if params.get("crs") else None
        policy = Policy(params.get("policy", "skip"))
    except ValueError as exc:
        raise _RefusedRequestError(
            _errors(400, invalid("参数无效", f"Invalid parameter: {exc}", ["crs/policy"]))
        ) from None
    return _Asked(kind, community_code, crs, policy)


def _refused(exc: Exception) -> Response | None:
    """The answer to an import that raised `exc`; None: not a refusal (raise it again)."""
    if isinstance(exc, FileRefusedError):
        return JSONResponse(exc.report.as_json(), status_code=422)
    if isinstance(exc, SubgraphUnavailableError):
        return _errors(
            503, exc.refusal("无法核实文件中的社区", "cannot check the file's communities", [])
        )
    if isinstance(exc, DomainError):
        status = {
            UserErrorCode.NOT_FOUND: 404,
            UserErrorCode.CONFLICT: 409,  # a stored row changed since the check
            UserErrorCode.UNAVAILABLE: 503,
        }
        return _errors(status.get(exc.code, 400), exc)
    for name, error in CONSTRAINT_ERRORS.items():  # a concurrent write tripping a check
        if name in str(exc):
            return _errors(409, error)
    return None


async def upload(request: Request) -> Response:
    identity: Identity = request.scope.get("state", {}).get("identity", ANONYMOUS)
    try:
        asked = _asked(identity, request)
    except _RefusedRequestError as refused:
        return refused.response
    data = await read_capped(request, max_import_bytes())
    if data is None:
        return _errors(413, import_too_large())
    org: OrgClient = request.app.state.resources["org"]

    async def known(codes: list[str]) -> set[str]:
        return set(await org.community_kinds(codes)) & set(codes)

    source = SourceFile(data, request.headers.get("x-partygrid-filename", ""), asked.crs)
    stored: list[Response] = []

    async def keep(conn: AsyncConnection, report: FileImport) -> None:
        # The answer stored with its write: a retry with the same Idempotency-Key gets it.
        stored.append(await record(conn, JSONResponse(report.as_json())))

    try:  # the import's own phases: no connection held while geometry work runs
        report = await import_file(
            request.app.state.engine,
            asked.kind,
            source,
            ImportOptions(
                community_code=asked.community_code,
                policy=asked.policy,
                check=flag(request.query_params, "check"),
                partial=flag(request.query_params, "partial"),
                known=known,
                scope=identity.covers,
                before_commit=keep,
            ),
        )
    except Exception as exc:
        answer = _refused(exc)
        if answer is None:
            raise
        return answer
    return stored[0] if stored else JSONResponse(report.as_json())


# A retried import (same Idempotency-Key) is answered once: services/common/import_once.py.
IMPORT_ROUTES = [
    Route(
        "/imports/{kind}",
        once(upload, idempotency_key, max_import_bytes, _may_import),
        methods=["POST"],
    )
]
