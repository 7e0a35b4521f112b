"""Health routes of the gateway.

`/healthz` says the process is up and serving (liveness: it asks nothing of the subgraphs);
`/readyz` says whether every subgraph answers, 503 naming those that do not (readiness). The
in-process auth subgraph answers once it has started (it is started, and retried, after the
gateway serves); until then `auth` says why it has not.

A subgraph reading from a replica reports its lag in its /healthz; `/readyz` shows each as
`replicas` (state ok|lagging|down, lagBytes, replaySeconds). A replica lagging or down takes
no reads (its subgraph reads from the primary), so the gateway stays ready (200) and says
so under `degraded`, as it does for a replication slot no replica uses (it keeps WAL on the
primary's disk for ever).
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.auth.gate import GatewayAuth
from gateway.runtime import Gateway


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    gateway: Gateway = request.app.state.gateway
    subgraphs, health = await asyncio.gather(gateway.readiness(), _healths(gateway))
    down = sorted(name for name, state in subgraphs.items() if state != "ok")
    if down:
        body: dict[str, object] = {"status": "unavailable", "unavailable": down}
        auth: GatewayAuth | None = getattr(request.app.state, "auth", None)
        if "auth" in down and auth is not None and auth.failure:
            body["auth"] = auth.failure
        return JSONResponse({**body, "subgraphs": subgraphs}, status_code=503)
    ready: dict[str, Any] = {"status": "ready", "subgraphs": subgraphs}
    replicas = {n: h["replica"] for n, h in health.items() if isinstance(h.get("replica"), dict)}
    degraded = [_degraded(n, r) for n, r in sorted(replicas.items()) if r.get("state") != "ok"]
    slots = sorted({s for h in health.values() for s in h.get("inactiveSlots") or ()})
    degraded += [
        f"replication slot {slot} is not in use and keeps WAL on the primary "
        f"(partygrid replica remove {slot.removeprefix('partygrid_')})"
        for slot in slots
    ]
    if replicas:
        ready["replicas"] = replicas
    if degraded:
        ready["degraded"] = degraded
    return JSONResponse(ready)


async def _healths(gateway: Gateway) -> dict[str, dict[str, Any]]:
    """Each subgraph's own /healthz (asked beside the probes): replicas' lag, slots."""
    transport = getattr(gateway, "transport", None)  # a stand-in gateway may have none
    if transport is None:
        return {}
    names = [name for name in transport.urls if name != "auth"]
    found = await asyncio.gather(*(transport.health(name) for name in names))
    return dict(zip(names, found, strict=True))


def _degraded(name: str, replica: dict[str, Any]) -> str:
    if replica["state"] == "down":
        # hot_standby_feedback: its slot also keeps vacuum from removing old rows (bloat).
        return (
            f"{name} replica down: reads on the primary; until it streams again or is "
            "removed, its replication slot keeps WAL on the primary's disk (up to 8GB) "
            "and holds back vacuum"
        )
    return f"{name} replica lagging {replica.get('replaySeconds')} s: reads on the primary"


ROUTES = [Route("/healthz", healthz, methods=["GET"]), Route("/readyz", readyz, methods=["GET"])]
