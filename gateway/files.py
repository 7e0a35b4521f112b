"""Evidence files through the one public door: `/files/evidence` is passed to assess.

Files are too large for GraphQL bodies, so they travel as plain HTTP (like `/tiles`, see
tiles_proxy.py): the gateway authenticates the caller (a bearer token, or the pages' sign-in
cookie), caps the body, and forwards to assess's guarded `/evidence` with the caller's
internal token. Assess decides everything else (role, scope, type by content, storage).

    POST /files/evidence?community=<12-digit code>&name=<shown name>   body: the file's bytes
        -> 201 {"evidence": {"id", "name", "mediaType", "size", "sha256", ...}} or
           {"errors": [{"code", "message", "messageEn", "field"}]} with 401/403/413/415/...
    GET /files/evidence/<id> -> the file, as an attachment of its detected type

The body is the raw file with a declared type (e.g. application/octet-stream), never a form
and never untyped: browsers let any site post forms (multipart, urlencoded, text/plain), and a
`no-cors` fetch with a Blob body sends no Content-Type at all, both without a CORS preflight.
So form types and a missing or empty Content-Type are refused (415); any other type makes a
cross-site request need a preflight this gateway never grants. The pages' sign-in cookie is
SameSite=Strict as well, so a cross-site request does not carry it in the first place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.passthrough import note_write, pass_get, signed_headers, subgraph_base
from services.common.http_body import read_capped

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded", "text/plain")
# Response headers worth passing back; everything else stays between gateway and assess.
_PASSED = (
    "content-type",
    "content-disposition",
    "content-security-policy",
    "cache-control",
    "etag",
)


def problem(status: int, code: str, zh: str, en: str) -> JSONResponse:
    """A file route's refusal, in the GraphQL errors' shape (Chinese first, messageEn)."""
    return JSONResponse(
        {"errors": [{"code": code, "message": zh, "messageEn": en, "field": None}]},
        status_code=status,
        headers={"x-content-type-options": "nosniff"},
    )


def form_refusal(request: Request) -> JSONResponse | None:
    """415 for a body sent as a form or without a type: file routes take the file's bytes as
    the body (evidence uploads and imports alike)."""
    declared_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if declared_type and declared_type not in FORM_TYPES:
        return None
    return problem(
        415,
        "INVALID",
        "请直接以文件内容作为请求体上传，并注明其类型（不接受表单）",
        "Send the file's bytes as the body with a type (e.g. application/octet-stream), not a form",
    )


def _unauthenticated() -> JSONResponse:
    return problem(401, "UNAUTHENTICATED", "请先登录", "Sign in first")


def too_large(limit: int) -> dict[str, Any]:
    """The refusal of a file above the gateway's cap (this route and the console's forms)."""
    return _error(
        "INVALID",
        f"文件过大：不能超过{limit // (1024 * 1024)}MB",
        f"The file is too large: at most {limit} bytes",
    )


def _error(code: str, zh: str, en: str) -> dict[str, Any]:
    return {"code": code, "message": zh, "messageEn": en, "field": None}


@dataclass(frozen=True)
class EvidenceAnswer:
    """What assess (or this door) answered an upload: the status and the JSON body, either
    `{"evidence": {...}}` (201) or `{"errors": [...]}`."""

    status: int
    content: bytes

    def body(self) -> dict[str, Any]:
        try:
            parsed = json.loads(self.content)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return parsed
        return {
            "errors": [_error("UNAVAILABLE", "评价服务未响应", "The assess service did not answer")]
        }


def _refused(status: int, error: dict[str, Any]) -> EvidenceAnswer:
    return EvidenceAnswer(status, json.dumps({"errors": [error]}, ensure_ascii=False).encode())


async def send_evidence(
    request: Request, data: bytes, community: str | None, name: str | None
) -> EvidenceAnswer:
    """Pass one evidence file to assess as the caller of `request` (the one way a file
    reaches assess: `/files/evidence` and the console's record forms). The gateway checks
    the caller and the size; assess everything else (role, scope, type by content)."""
    headers = signed_headers(request)
    if headers is None:
        return _refused(401, _error("UNAUTHENTICATED", "请先登录", "Sign in first"))
    limit = request.app.state.settings.max_upload_bytes
    if len(data) > limit:
        return _refused(413, too_large(limit))
    base = subgraph_base(request, "assess")
    if base is None:
        return _refused(
            404, _error("NOT_FOUND", "没有评价服务", "No assess subgraph in the supergraph")
        )
    gateway = request.app.state.gateway
    params = {k: v for k, v in (("community", community), ("name", name)) if v is not None}
    try:
        answer = await gateway.transport.client.post(
            f"{base}/evidence",
            params=params,
            content=data,
            headers={**headers, "content-type": "application/octet-stream"},
            timeout=gateway.transport.fetch_timeout,
        )
    except httpx.HTTPError:
        # No subgraph address or exception text goes back to the client.
        return _refused(
            502, _error("UNAVAILABLE", "评价服务未响应", "The assess service did not answer")
        )
    note_write("assess", answer)  # its primary's position: the author's read-after token
    return EvidenceAnswer(answer.status_code, answer.content)


async def upload(request: Request) -> Response:
    if signed_headers(request) is None:
        return _unauthenticated()
    refused = form_refusal(request)
    if refused is not None:
        return refused
    limit = request.app.state.settings.max_upload_bytes
    body = await read_capped(request, limit)
    if body is None:
        error = too_large(limit)
        return problem(413, error["code"], error["message"], error["messageEn"])
    answer = await send_evidence(
        request, body, request.query_params.get("community"), request.query_params.get("name")
    )
    return Response(
        answer.content,
        status_code=answer.status,
        media_type="application/json",
        headers={"x-content-type-options": "nosniff"},
    )


async def download(request: Request) -> Response:
    response = await pass_get(
        request,
        subgraph="assess",
        prefix="/evidence",
        passed=_PASSED,
        what="assess",
    )
    # Whatever assess said, a browser must never sniff or render what it saves.
    response.headers["x-content-type-options"] = "nosniff"
    return response


ROUTES = [
    Route("/files/evidence", upload, methods=["POST"]),
    Route("/files/evidence/{path:uuid}", download, methods=["GET"]),
]
