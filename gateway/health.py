"""Health routes of the gateway.

`/healthz` says the process is up and serving (liveness: it asks nothing of the subgraphs);
`/readyz` says whether every subgraph answers, 503 naming those that do not (readiness). The
in-process auth subgraph answers once it has started (it is started, and retried, after the
gateway serves); until then `auth` says why it has not.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.auth.gate import GatewayAuth
from gateway.runtime import Gateway


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    gateway: Gateway = request.app.state.gateway
    subgraphs = await gateway.readiness()
    down = sorted(name for name, state in subgraphs.items() if state != "ok")
    if down:
        body: dict[str, object] = {"status": "unavailable", "unavailable": down}
        auth: GatewayAuth | None = getattr(request.app.state, "auth", None)
        if "auth" in down and auth is not None and auth.failure:
            body["auth"] = auth.failure
        return JSONResponse({**body, "subgraphs": subgraphs}, status_code=503)
    return JSONResponse({"status": "ready", "subgraphs": subgraphs})


ROUTES = [Route("/healthz", healthz, methods=["GET"]), Route("/readyz", readyz, methods=["GET"])]
