"""The gateway passes /tiles to the grid subgraph: the public door serves the same tiles."""

from __future__ import annotations

import math

import httpx
import mapbox_vector_tile

from infra.demo.model import Demo
from stack import Running


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_a_tile_through_the_gateway_equals_the_grid_tile(running: Running, demo: Demo) -> None:
    point = demo.communities[0].boundary.representative_point()
    x, y = _tile_of(point.x, point.y, 14)
    path = f"/tiles/buildings/14/{x}/{y}.pbf"
    gateway = httpx.get(running.gateway.removesuffix("/graphql") + path, timeout=30)
    grid = httpx.get(running.subgraphs["grid"].removesuffix("/graphql") + path, timeout=30)
    assert gateway.status_code == grid.status_code == 200
    assert gateway.headers["content-type"] == grid.headers["content-type"]
    decoded = mapbox_vector_tile.decode(gateway.content)
    assert decoded == mapbox_vector_tile.decode(grid.content)
    assert decoded["buildings"]["features"]


def test_bad_tile_requests_keep_their_status(running: Running) -> None:
    base = running.gateway.removesuffix("/graphql")
    assert httpx.get(f"{base}/tiles/nope/14/1/1.pbf", timeout=30).status_code == 400
    assert httpx.get(f"{base}/tiles/zones/99/1/1.pbf", timeout=30).status_code == 400
