"""A district's own files through the one public door: `/imports/{kind}` is passed, streamed,
to the service owning the kind; `/templates/{organizations|members}.xlsx` to org.

    POST /imports/<kind>?check=true&crs=…&community=…&policy=…&partial=true&encoding=…
        body: the file's bytes with a declared type (e.g. application/octet-stream);
        x-partygrid-filename: the file's name (ASCII, so UTF-8 names %-encoded)
        -> the service's report (JSON) and status as they are, or
           {"errors": [{"code", "message", "messageEn", "field"}]} with 401/403/404/413/415/502
    GET /templates/organizations.xlsx, /templates/members.xlsx -> org's empty templates

Files of real size (tens of MB) never travel as GraphQL strings: the body goes on to the
service chunk by chunk as it arrives, counted against `max_import_bytes` (the services' cap,
PARTYGRID_MAX_IMPORT_BYTES, 50 MiB, unless PARTYGRID_GATEWAY_MAX_IMPORT_BYTES sets another),
so the gateway never holds the whole file; one declared
or grown larger is refused with 413 at once. The caller is whoever signed in (a bearer token,
or the pages' cookie); the services decide roles and scope. A client's `Idempotency-Key`
(checked by `gateway.write_keys`) goes on as it is: the service answers a retried import once
(`services.common.import_once`).

Cross-site requests: like `/files/evidence`, forms and untyped bodies are refused (415), so a
browser elsewhere cannot post without a preflight this gateway never grants; and like the
planner's routes, a request signed by the cookie must come from this site (Sec-Fetch-Site or
Origin), so the admin page's same-origin fetches work and nothing else carrying the cookie does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# The page routes' one same-origin rule (the planner's JSON routes use it too).
from gateway.auth.web import same_origin
from gateway.files import form_refusal, problem
from gateway.passthrough import note_write, pass_get, signed_headers, subgraph_base
from services.common.write_protocol import KEY_HEADER

# The import contract: which service owns each kind.
OWNERS = {
    "regions": "org",
    "organizations": "org",
    "members": "org",
    "boundaries": "grid",
    "zones": "grid",
    "buildings": "grid",
}
TEMPLATES = ("organizations.xlsx", "members.xlsx")
PARAMETERS = ("check", "crs", "community", "policy", "partial", "encoding")
# A service reads, checks and writes a large file for a while: far longer than a GraphQL fetch.
IMPORT_WAIT = 600.0
_PASSED = ("content-type", "content-disposition", "cache-control")


class _TooLargeError(Exception):
    """The body grew past the cap while streaming."""


def _too_large(limit: int) -> JSONResponse:
    return problem(
        413,
        "INVALID",
        f"文件过大：不能超过 {limit / 2**20:g} MB",
        f"The file is too large: at most {limit} bytes",
    )


async def upload(request: Request) -> Response:
    kind = request.path_params["kind"]
    owner = OWNERS.get(kind)
    if owner is None:
        return problem(404, "NOT_FOUND", "未知的导入类型", "Unknown import kind")
    signed = signed_headers(request)
    if signed is None:
        return problem(401, "UNAUTHENTICATED", "请先登录", "Sign in first")
    refused = _refused(request)
    if refused is not None:
        return refused
    base = subgraph_base(request, owner)
    if base is None:
        return problem(404, "NOT_FOUND", "没有对应的服务", f"No {owner} subgraph")
    return await _forward(request, f"{base}/imports/{kind}", owner, _headers(request, signed))


def _refused(request: Request) -> Response | None:
    """A cookie-signed request from another site, a form, or a body declared too large."""
    if "authorization" not in request.headers and not same_origin(request):
        return problem(403, "CROSS_SITE", "只接受本站页面的请求", "Only this site's pages may post")
    refused = form_refusal(request)
    if refused is not None:
        return refused
    limit = request.app.state.settings.max_import_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return _too_large(limit)
    return None


def _headers(request: Request, signed: dict[str, str]) -> dict[str, str | bytes]:
    """What the service gets: the caller's signed headers, the body's type and length, the
    Idempotency-Key and the file's name as sent."""
    headers: dict[str, str | bytes] = {**signed, "content-type": _declared_type(request)}
    key = request.headers.get(KEY_HEADER)
    if key is not None:  # well-formed: WriteKeys refused a malformed one in front
        headers[KEY_HEADER] = key.strip()
    declared = request.headers.get("content-length", "")
    if declared.isdigit():
        headers["content-length"] = declared  # sent as is, not chunked: the service's deadline
    # The raw bytes, so a name reaches the service exactly as the client sent it.
    name = next((v for k, v in request.headers.raw if k == b"x-partygrid-filename"), None)
    if name:
        headers["x-partygrid-filename"] = name
    return headers


def _declared_type(request: Request) -> str:
    return request.headers["content-type"].split(";")[0].strip().lower()


async def _forward(
    request: Request, url: str, owner: str, headers: dict[str, str | bytes]
) -> Response:
    """The body streamed on to `url`, counted against the cap; the service's answer back."""
    limit = request.app.state.settings.max_import_bytes
    over = False

    async def body() -> AsyncIterator[bytes]:
        nonlocal over
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                over = True
                raise _TooLargeError
            yield chunk

    transport = request.app.state.gateway.transport
    try:
        answer = await transport.client.post(
            url,
            params={k: v for k, v in request.query_params.items() if k in PARAMETERS},
            content=body(),
            headers=headers,
            timeout=httpx.Timeout(transport.fetch_timeout, read=IMPORT_WAIT),
        )
    except (httpx.HTTPError, _TooLargeError, ClientDisconnect):
        if over:
            return _too_large(limit)
        # No service address or exception text goes back to the client.
        return problem(502, "UNAVAILABLE", "服务未响应", f"The {owner} service did not answer")
    note_write(owner, answer)
    media_type = answer.headers.get("content-type", "application/json")
    return Response(answer.content, status_code=answer.status_code, media_type=media_type)


async def template(request: Request) -> Response:
    if request.path_params["path"] not in TEMPLATES:
        return JSONResponse({"detail": "not found"}, status_code=404)
    return await pass_get(request, subgraph="org", prefix="/templates", passed=_PASSED, what="org")


ROUTES = [
    Route("/imports/{kind:str}", upload, methods=["POST"]),
    Route("/templates/{path:path}", template, methods=["GET"]),
]
