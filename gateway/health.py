"""Health routes of the gateway.

`/healthz` says the process is up and serving (liveness: it asks nothing of the subgraphs);
`/readyz` says whether every subgraph answers, 503 naming those that do not (readiness), and
whether the in-process auth subgraph has started (503 with `auth` and why, until it runs: it is
started, and retried, after the gateway serves).
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.auth.gate import GatewayAuth
from gateway.runtime import Gateway


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    gateway: Gateway = request.app.state.gateway
    auth: GatewayAuth | None = getattr(request.app.state, "auth", None)
    subgraphs, auth_started = await asyncio.gather(
        gateway.readiness(),
        # Waits as long as a subgraph's probe may: a start under way is not yet a failure.
        auth.started(wait=gateway.transport.probe_timeout) if auth else _true(),
    )
    down = sorted(name for name, state in subgraphs.items() if state != "ok")
    if down or not auth_started:
        body: dict[str, object] = {"status": "unavailable", "unavailable": down}
        if not auth_started:
            assert auth is not None
            body["auth"] = auth.failure or "starting"
        return JSONResponse({**body, "subgraphs": subgraphs}, status_code=503)
    return JSONResponse({"status": "ready", "subgraphs": subgraphs})


async def _true() -> bool:
    return True


ROUTES = [Route("/healthz", healthz, methods=["GET"]), Route("/readyz", readyz, methods=["GET"])]
