"""Vector tiles through the one public door: `/tiles/...` is passed to the grid subgraph.

The grid subgraph renders tiles with ST_AsMVT (services/grid/tiles.py); each caller sees only
its own region's tiles (see gateway/passthrough.py). Nobody signed in gets 401.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.passthrough import pass_get

# Response headers worth passing back; everything else stays between gateway and grid.
_PASSED = ("content-type", "cache-control", "x-tile-capped", "etag")


async def tile(request: Request) -> Response:
    return await pass_get(
        request, subgraph="grid", prefix="/tiles", passed=_PASSED, what="tile", params=True
    )


ROUTES = [Route("/tiles/{path:path}", tile, methods=["GET"])]
