"""Monthly reports as .xlsx through the one public door: `/reports/...` is passed to assess.

The assess subgraph builds the workbooks (services/assess/report_download.py); the gateway
only forwards the request with the caller (a bearer token or the pages' sign-in cookie) as the
internal token assess wants, so browsers never talk to a subgraph and each caller gets only
what its role and region allow. Nobody signed in gets 401.
"""

from __future__ import annotations

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.auth.web import page_identity

# Response headers worth passing back; everything else stays between gateway and assess.
_PASSED = ("content-type", "content-disposition", "cache-control")


async def report(request: Request) -> Response:
    auth = request.app.state.auth
    identity = page_identity(request)
    if identity.anonymous:
        return JSONResponse({"detail": "sign in first"}, status_code=401)
    with auth.serving(identity):
        signed = auth.subgraph_headers()
    gateway = request.app.state.gateway
    graphql_url = gateway.transport.urls.get("assess")
    if graphql_url is None:
        return JSONResponse({"detail": "no assess subgraph in the supergraph"}, status_code=404)
    base = graphql_url.removesuffix("/graphql")
    try:
        upstream = await gateway.transport.client.get(
            f"{base}/reports/{request.path_params['path']}",
            headers=signed,
            # A district's workbook reads the graph back through the gateway first.
            timeout=max(gateway.transport.fetch_timeout, 30.0),
        )
    except httpx.HTTPError:
        # No subgraph address or exception text goes back to the client.
        return JSONResponse({"detail": "the report service did not answer"}, status_code=502)
    headers = {k: v for k, v in upstream.headers.items() if k.lower() in _PASSED}
    return Response(upstream.content, status_code=upstream.status_code, headers=headers)


ROUTES = [Route("/reports/{path:path}", report, methods=["GET"])]
