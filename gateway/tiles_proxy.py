"""Vector tiles through the one public door: `/tiles/...` is passed to the grid subgraph.

The grid subgraph renders tiles with ST_AsMVT (services/grid/tiles.py); the gateway only
forwards the request, with the caller (a bearer token or the map pages' sign-in cookie) as
the internal token grid wants, so that browsers never talk to a subgraph directly and each
sees only its own region's tiles. Nobody signed in gets 401.
"""

from __future__ import annotations

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.auth.web import page_identity

# Response headers worth passing back; everything else stays between gateway and grid.
_PASSED = ("content-type", "cache-control", "x-tile-capped", "etag")


async def tile(request: Request) -> Response:
    auth = request.app.state.auth
    identity = page_identity(request)
    if identity.anonymous:
        return JSONResponse({"detail": "sign in first"}, status_code=401)
    with auth.serving(identity):
        signed = auth.subgraph_headers()
    gateway = request.app.state.gateway
    graphql_url = gateway.transport.urls.get("grid")
    if graphql_url is None:
        return JSONResponse({"detail": "no grid subgraph in the supergraph"}, status_code=404)
    base = graphql_url.removesuffix("/graphql")
    try:
        upstream = await gateway.transport.client.get(
            f"{base}/tiles/{request.path_params['path']}",
            params=request.query_params,
            headers=signed,
            timeout=gateway.transport.fetch_timeout,
        )
    except httpx.HTTPError:
        # No subgraph address or exception text goes back to the client.
        return JSONResponse({"detail": "the tile service did not answer"}, status_code=502)
    headers = {k: v for k, v in upstream.headers.items() if k.lower() in _PASSED}
    return Response(upstream.content, status_code=upstream.status_code, headers=headers)


ROUTES = [Route("/tiles/{path:path}", tile, methods=["GET"])]
