"""The gateway passes /tiles to the grid subgraph: the public door serves the same tiles."""

from __future__ import annotations

import math

import httpx
import mapbox_vector_tile

from infra.demo.model import Demo
from services.common.auth import Identity, Role
from stack import DISTRICT, Running


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_a_tile_through_the_gateway_equals_the_grid_tile(running: Running, demo: Demo) -> None:
    point = demo.communities[0].boundary.representative_point()
    x, y = _tile_of(point.x, point.y, 14)
    path = f"/tiles/buildings/14/{x}/{y}.pbf"
    gateway = _get(running, running.gateway, path, DISTRICT)
    grid = _get(running, running.subgraphs["grid"], path, DISTRICT)
    assert gateway.status_code == grid.status_code == 200
    assert gateway.headers["content-type"] == grid.headers["content-type"]
    decoded = mapbox_vector_tile.decode(gateway.content)
    assert decoded == mapbox_vector_tile.decode(grid.content)
    assert decoded["buildings"]["features"]


def test_bad_tile_requests_keep_their_status(running: Running) -> None:
    for path in ("/tiles/nope/14/1/1.pbf", "/tiles/zones/99/1/1.pbf"):
        assert _get(running, running.gateway, path, DISTRICT).status_code == 400


def test_tiles_need_a_caller_and_show_only_its_region(running: Running, demo: Demo) -> None:
    """Tiles are the graph's data too: nobody signed in gets none (the gateway says 401, grid
    itself refuses a call without an internal token), and a caller sees only its region."""
    community = demo.communities[0]
    point = community.boundary.representative_point()
    x, y = _tile_of(point.x, point.y, 14)
    path = f"/tiles/buildings/14/{x}/{y}.pbf"
    assert httpx.get(running.gateway.removesuffix("/graphql") + path).status_code == 401
    grid_url = running.subgraphs["grid"].removesuffix("/graphql")
    refused = httpx.get(grid_url + path)
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["extensions"]["code"] == "INTERNAL_TOKEN_MISSING"

    def ids(identity: Identity, query: str = "") -> set[str]:
        response = _get(running, running.gateway, path + query, identity)
        assert response.status_code in (200, 204), response.text
        if response.status_code == 204:
            return set()
        features = mapbox_vector_tile.decode(response.content)["buildings"]["features"]
        return {f["properties"]["id"] for f in features}

    everyone = ids(DISTRICT)
    mine = {str(b.id) for b in demo.buildings if b.community_code == community.code}
    secretary = Identity("t-secretary", Role.SECRETARY, community.code)
    assert ids(secretary) == everyone & mine != set()
    other = next(c.code for c in demo.communities if c.code[:9] != community.code[:9])
    outsider = Identity("t-outsider", Role.SECRETARY, other)
    assert ids(outsider) == everyone - {
        str(b.id) for b in demo.buildings if b.community_code != other
    }
    asked = _get(running, running.gateway, path + f"?community={community.code}", outsider)
    assert asked.status_code == 403


def _get(running: Running, url: str, path: str, identity: Identity) -> httpx.Response:
    base = url.removesuffix("/graphql")
    return httpx.get(base + path, headers=running.headers(url, identity), timeout=30)


def test_a_passed_path_cannot_climb_out_of_its_folder(running: Running, demo: Demo) -> None:
    """`/tiles/..%2Fgraphql` must not reach grid's /graphql with the caller's token (that
    would skip the gateway's limits and introspection policy), nor `/reports/..%2F…` any other
    route of assess: a path with an empty, "." or ".." segment is 404 at the door."""
    query = "?query=%7B__typename%7D"
    for path in (
        "/tiles/..%2Fgraphql" + query,
        "/tiles/zones/..%2F..%2Fgraphql" + query,
        "/tiles/.%2Fzones/1/1/1.pbf",
        "/reports/..%2Fgraphql" + query,
        "/reports/..%2Fevidence",
        "/tiles/zones//1/1.pbf",
    ):
        response = _get(running, running.gateway, path, DISTRICT)
        assert response.status_code == 404, (path, response.status_code, response.text[:200])
        assert "__typename" not in response.text
    # The ordinary paths still pass (a community's zones at z12; a report of an unknown month).
    point = demo.communities[0].boundary.representative_point()
    x, y = _tile_of(point.x, point.y, 12)
    assert (
        _get(running, running.gateway, f"/tiles/zones/12/{x}/{y}.pbf", DISTRICT).status_code == 200
    )
