"""Plain-HTTP routes the gateway passes to a subgraph (tiles, report workbooks, evidence
files): the caller is authenticated here (a bearer token or the pages' sign-in cookie) and
forwarded as the internal token the subgraph wants, so browsers never talk to a subgraph and
each caller gets only what its role and region allow."""

from __future__ import annotations

from urllib.parse import quote

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway.auth.web import page_identity
from gateway.read_after import forwarded_position, noted
from services.common.read_protocol import LSN_HEADER


def signed_headers(request: Request) -> dict[str, str] | None:
    """The caller's internal token for a subgraph, with the caller's read-after position (a
    replica that has not replayed the caller's own writes does not answer: gateway.read_after);
    None when nobody is signed in."""
    identity = page_identity(request)
    if identity.anonymous:
        return None
    auth = request.app.state.auth
    with auth.serving(identity):
        signed: dict[str, str] = auth.subgraph_headers()
    return {**signed, **forwarded_position()}


def note_write(subgraph: str, answer: httpx.Response) -> None:
    """A write route's answer (imports, evidence) names the primary's position after the
    write: the caller gets it back as their read-after token (gateway.read_after)."""
    noted(subgraph, answer.headers.get(LSN_HEADER))


def subgraph_base(request: Request, name: str) -> str | None:
    """A subgraph's address (without /graphql), as the supergraph names it."""
    url = request.app.state.gateway.transport.urls.get(name)
    return url.removesuffix("/graphql") if url else None


def safe_path(path: str) -> str | None:
    """`path` (the route's decoded `{path:path}`) with each segment quoted, or None when a
    segment is empty, "." or "..": the HTTP client would resolve those, so `..%2Fgraphql`
    must never climb out of the route's own folder on the subgraph."""
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    return "/".join(quote(part, safe="") for part in parts)


async def pass_get(  # noqa: PLR0913 -- keyword-only: each route names its subgraph, prefix and headers
    request: Request,
    *,
    subgraph: str,
    prefix: str,
    passed: tuple[str, ...],
    what: str,
    wait: float | None = None,
    params: bool = False,
) -> Response:
    """GET `<prefix>/<the route's path>` of `subgraph` for the caller; back come its status,
    body and the response headers named in `passed` (lower case); `wait` overrides the fetch
    deadline (seconds). 401 for nobody, 404 for a path that leaves the prefix, 502 when the
    subgraph is down."""
    path = safe_path(str(request.path_params["path"]))
    if path is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    signed = signed_headers(request)
    if signed is None:
        return JSONResponse({"detail": "sign in first"}, status_code=401)
    base = subgraph_base(request, subgraph)
    if base is None:
        return JSONResponse(
            {"detail": f"no {subgraph} subgraph in the supergraph"}, status_code=404
        )
    transport = request.app.state.gateway.transport
    try:
        upstream = await transport.client.get(
            f"{base}{prefix}/{path}",
            params=request.query_params if params else None,
            headers=signed,
            timeout=wait or transport.fetch_timeout,
        )
    except httpx.HTTPError:
        # No subgraph address or exception text goes back to the client.
        return JSONResponse({"detail": f"the {what} service did not answer"}, status_code=502)
    headers = {k: v for k, v in upstream.headers.items() if k.lower() in passed}
    return Response(upstream.content, status_code=upstream.status_code, headers=headers)
