"""HTTP of evidence files on the assess subgraph: `POST /evidence` and `GET /evidence/{id}`.

Files are bytes, not GraphQL: up to the size limit (10 MB by default) they would not fit the
gateway's GraphQL body limit as base64. The gateway's `/files/evidence` passes requests on
with the caller's internal token; these routes answer only such signed callers (the same
guard as `/graphql`, see services/common/app.py) and check role and scope themselves.

Upload: the raw file is the body; `community` (12-digit code) and `name` (shown to users
only) are query parameters. Answers 201 with the evidence as JSON, or an error body
`{"errors": [{"code", "message", "messageEn", "field"}]}` with 400, 403, 404, 413, 415, 503
or 507 (DISK_FULL: the database has no room left).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.assess.records import evidence
from services.assess.records.writes import RECORD_WRITERS, may_read
from services.assess.shared.community_check import check_community_code, community_or_refuse
from services.assess.shared.graph import parse_id
from services.common.auth import ANONYMOUS, Identity
from services.common.database_errors import told_database_failures
from services.common.errors import DomainError, UserErrorCode
from services.common.http_body import read_capped


def _identity(request: Request) -> Identity:
    return request.scope.get("state", {}).get("identity", ANONYMOUS)


def _error(status: int, error: DomainError) -> JSONResponse:
    body = {
        "errors": [
            {
                "code": e.code.name,
                "message": e.message,
                "messageEn": e.message_en,
                "field": e.field,
            }
            for e in (error, *error.more)
        ]
    }
    return JSONResponse(body, status_code=status)


def _forbidden(zh: str, en: str) -> JSONResponse:
    # The same words as a GraphQL ForbiddenError; no code of services.common.errors fits.
    return JSONResponse(
        {"errors": [{"code": "FORBIDDEN", "message": zh, "messageEn": en, "field": None}]},
        status_code=403,
    )


def described(row: dict[str, Any]) -> dict[str, Any]:
    """An evidence file as JSON (what the upload answers and the graph shows)."""
    return {
        "id": str(row["id"]),
        "communityCode": row["community_code"],
        "name": row["name"],
        "mediaType": row["media_type"],
        "size": row["size"],
        "sha256": row["sha256"],
        "uploadedBy": row["uploaded_by"],
        "uploadedAt": row["uploaded_at"].isoformat(),
        "url": f"/files/evidence/{row['id']}",
    }


def evidence_routes(max_bytes: int) -> list[Route]:
    async def upload(request: Request) -> Response:
        identity = _identity(request)
        community = request.query_params.get("community", "")
        if identity.role not in RECORD_WRITERS:
            return _forbidden("当前角色无权上传佐证材料", "Your role may not upload evidence files")
        try:
            check_community_code(community, ["community"])
        except DomainError as malformed:
            return _error(400, malformed)
        if not identity.covers(community):
            return _forbidden(f"超出管辖范围：{community}", f"Outside your scope: {community}")
        try:
            data = await read_capped(request, max_bytes)
            if data is None:
                raise evidence.too_large(max_bytes)
            media_type = evidence.detect(data)  # before asking anyone about a refused file
            await community_or_refuse(request.app.state.resources["peers"].org, community)
            engine: AsyncEngine = request.app.state.engine
            async with engine.begin() as conn:
                row = await evidence.store(
                    conn,
                    evidence.Upload(
                        community,
                        data,
                        media_type,
                        request.query_params.get("name"),
                        identity.subject,
                    ),
                )
        except evidence.EvidenceRefusedError as refused:
            return _error(refused.status, refused)
        except DomainError as refused:
            status = {UserErrorCode.NOT_FOUND: 404, UserErrorCode.UNAVAILABLE: 503}
            return _error(status.get(refused.code, 400), refused)
        return JSONResponse({"evidence": described(row)}, status_code=201)

    async def download(request: Request) -> Response:
        identity = _identity(request)
        evidence_id = parse_id(request.path_params["id"])
        async with request.app.state.engine.connect() as conn:
            (row,) = await evidence.described(conn, [evidence_id]) if evidence_id else [None]
            # Out of scope (or a role that reads no assessment data: planners) reads as
            # unknown: ids of other communities' files say nothing. The bytes are read after.
            if row is not None and may_read(identity, row["community_code"]):
                content = await evidence.content_of(conn, row["sha256"])
                return Response(content, headers=evidence.download_headers(row))
        return _error(
            404,
            DomainError(
                UserErrorCode.NOT_FOUND,
                "未找到佐证材料",
                "No such evidence file in your scope",
                ["id"],
            ),
        )

    return [
        Route("/evidence", told_database_failures(upload), methods=["POST"]),
        Route("/evidence/{id}", told_database_failures(download), methods=["GET"]),
    ]
