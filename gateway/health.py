"""Health routes of the gateway: `/healthz` (the process and what each subgraph says)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.runtime import Gateway


async def healthz(request: Request) -> JSONResponse:
    gateway: Gateway = request.app.state.gateway
    subgraphs = await gateway.health()
    return JSONResponse({"status": "ok", "subgraphs": subgraphs})


ROUTES = [Route("/healthz", healthz, methods=["GET"])]
