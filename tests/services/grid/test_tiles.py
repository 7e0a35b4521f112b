"""Vector tiles of the grid, decoded with mapbox_vector_tile and checked against the demo.

Expectations are computed from the demo district with shapely (tile bounds by the Web
Mercator formulas), never by PostGIS, so the tile SQL is checked by an independent route.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Iterator

import httpx
import mapbox_vector_tile
import pytest
import shapely
from shapely.geometry import box
from sqlalchemy import create_engine, pool, text

from expectations import expected_zone
from infra.demo.model import BRANCH, COMMITTEE, GENERAL_BRANCH, PARTY_GROUP, Demo
from infra.setup import Prepared
from infra.supervisor import free_port
from services.grid.app import GridSettings, create_app
from services.grid.tiles import MVT_MEDIA_TYPE, TileSettings
from stack import DISTRICT, Running

Z_BUILDINGS, Z_ZONES = 14, 12  # the default buildings_min_zoom is 14


def _tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """West, south, east, north in degrees of an XYZ tile."""
    n = 1 << z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def _community_kinds(demo: Demo) -> dict[str, str]:
    """The kind of each community's own organization (committee, general branch, branch)."""
    return {
        o.community_code: o.kind
        for o in demo.organizations
        if o.parent_id is None and o.kind in (COMMITTEE, GENERAL_BRANCH, BRANCH)
    }


def _expected_states(demo: Demo) -> dict[uuid.UUID, str]:
    """Coverage state of each demo building, from the demo's organizations."""
    zone_of = expected_zone(demo)
    kind_of = _community_kinds(demo)
    grouped = {o.building_id for o in demo.organizations if o.kind == PARTY_GROUP}
    zone_held = {o.zone_id for o in demo.organizations if o.zone_id is not None}
    states = {}
    for b in demo.buildings:
        zone = zone_of[b.id]
        if zone is None:
            states[b.id] = "orphan"
        elif b.id in grouped or (kind_of[b.community_code] == BRANCH and zone in zone_held):
            states[b.id] = "covered"
        else:
            states[b.id] = "gap"
    return states


def _zone_held(demo: Demo) -> set[uuid.UUID]:
    return {o.zone_id for o in demo.organizations if o.zone_id is not None}


def _in_tile(geometry: shapely.Geometry, tile: tuple[int, int, int]) -> bool:
    return geometry.intersects(box(*_tile_bounds(*tile)))


def _community_tile(demo: Demo, kind: str, z: int) -> tuple[str, tuple[int, int, int]]:
    """A community of this kind and the tile at zoom z over its interior point."""
    kind_of = _community_kinds(demo)
    community = min((c for c in demo.communities if kind_of[c.code] == kind), key=lambda c: c.code)
    point = community.boundary.representative_point()
    return community.code, _tile_of(point.x, point.y, z)


def _features(response: httpx.Response, layer: str) -> list[dict]:
    if response.status_code == 204:
        return []
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MVT_MEDIA_TYPE
    decoded = mapbox_vector_tile.decode(response.content)
    assert set(decoded) == {layer}
    return decoded[layer]["features"]


@pytest.fixture(scope="module")
def tiles(running: Running) -> Iterator[httpx.Client]:
    """A client of the grid process started for the session (tiles share its host)."""
    base = running.subgraphs["grid"].removesuffix("/graphql")
    headers = running.headers(running.subgraphs["grid"], DISTRICT)
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        yield client


def _get(client: httpx.Client, layer: str, tile: tuple[int, int, int], **query: str):
    z, x, y = tile
    return client.get(f"/tiles/{layer}/{z}/{x}/{y}.pbf", params=query)


@pytest.mark.parametrize("kind", [COMMITTEE, BRANCH])
def test_a_z14_tile_holds_exactly_the_buildings_it_touches_with_their_states(
    tiles: httpx.Client, demo: Demo, kind: str
) -> None:
    _, tile = _community_tile(demo, kind, Z_BUILDINGS)
    states = _expected_states(demo)
    expected = {str(b.id): states[b.id] for b in demo.buildings if _in_tile(b.footprint, tile)}
    response = _get(tiles, "buildings", tile)
    got = {
        f["properties"]["id"]: f["properties"]["state"] for f in _features(response, "buildings")
    }
    assert len(expected) > 5
    assert got == expected
    if kind == BRANCH:  # groups sit in zones there: buildings in a held zone are covered
        assert "covered" in got.values()
    names = {str(b.id): b.name for b in demo.buildings}
    assert all(
        f["properties"]["name"] == names[f["properties"]["id"]]
        for f in _features(response, "buildings")
    )
    # A tile shows the caller's region only, at a URL that does not name it: never shared.
    assert response.headers["cache-control"].startswith("private, max-age=")


def test_a_building_is_drawn_where_its_footprint_is(tiles: httpx.Client, demo: Demo) -> None:
    _, tile = _community_tile(demo, COMMITTEE, Z_BUILDINGS)
    west, south, east, north = _tile_bounds(*tile)
    features = _features(_get(tiles, "buildings", tile), "buildings")
    by_id = {str(b.id): b for b in demo.buildings}
    inside = [
        f
        for f in features
        if by_id[f["properties"]["id"]].footprint.within(box(west, south, east, north))
    ]
    assert inside
    for feature in inside[:20]:
        shape = shapely.geometry.shape(feature["geometry"])
        # Tile units (4096 across, y up) back to Web Mercator metres, then degrees.
        centroid = shape.centroid
        lon = west + centroid.x / 4096 * (east - west)
        merc_south, merc_north = (math.asinh(math.tan(math.radians(v))) for v in (south, north))
        lat = math.degrees(
            math.atan(math.sinh(merc_south + centroid.y / 4096 * (merc_north - merc_south)))
        )
        expected = by_id[feature["properties"]["id"]].footprint.centroid
        tolerance = 2 * (east - west) / 4096  # two tile units
        assert abs(lon - expected.x) < tolerance and abs(lat - expected.y) < tolerance


def test_below_the_zoom_threshold_tiles_hold_zones_only(tiles: httpx.Client, demo: Demo) -> None:
    _, tile = _community_tile(demo, COMMITTEE, Z_ZONES)
    held = _zone_held(demo)
    expected = {
        str(z.id): (z.name, z.community_code, z.id in held)
        for z in demo.zones
        if _in_tile(z.boundary, tile)
    }
    zones = _features(_get(tiles, "zones", tile), "zones")
    got = {
        f["properties"]["id"]: (
            f["properties"]["name"],
            f["properties"]["community"],
            f["properties"]["has_organization"],
        )
        for f in zones
    }
    assert len(expected) > 3 and got == expected
    assert _get(tiles, "buildings", tile).status_code == 204
    gaps = _features(_get(tiles, "gaps", tile), "gaps")
    assert {f["properties"]["id"] for f in gaps} == {
        str(z.id) for z in demo.zones if z.id not in held and _in_tile(z.boundary, tile)
    }
    assert all(f["properties"]["kind"] == "zone" for f in gaps)


def test_the_gaps_layer_holds_unheld_zones_and_uncovered_buildings(
    tiles: httpx.Client, demo: Demo
) -> None:
    states = _expected_states(demo)
    held = _zone_held(demo)
    seen_states: set[str] = set()
    for kind in (COMMITTEE, GENERAL_BRANCH, BRANCH):
        _, tile = _community_tile(demo, kind, Z_BUILDINGS)
        expected = {
            str(b.id): ("building", states[b.id])
            for b in demo.buildings
            if states[b.id] != "covered" and _in_tile(b.footprint, tile)
        } | {
            str(z.id): ("zone", "no_organization")
            for z in demo.zones
            if z.id not in held and _in_tile(z.boundary, tile)
        }
        gaps = _features(_get(tiles, "gaps", tile), "gaps")
        got = {
            f["properties"]["id"]: (f["properties"]["kind"], f["properties"]["state"]) for f in gaps
        }
        assert got == expected
        seen_states |= {state for _, state in got.values()}
    assert "gap" in seen_states, "the demo's tiles should show some gaps"


def test_the_community_filter_keeps_one_community(tiles: httpx.Client, demo: Demo) -> None:
    code, tile = _community_tile(demo, BRANCH, Z_ZONES)
    everything = _features(_get(tiles, "zones", tile), "zones")
    only = _features(_get(tiles, "zones", tile, community=code), "zones")
    assert {f["properties"]["community"] for f in everything} > {code}
    assert only and {f["properties"]["community"] for f in only} == {code}
    assert {f["properties"]["id"] for f in only} == {
        f["properties"]["id"] for f in everything if f["properties"]["community"] == code
    }


def test_the_limit_parameter_caps_a_tile(tiles: httpx.Client, demo: Demo) -> None:
    _, tile = _community_tile(demo, COMMITTEE, Z_BUILDINGS)
    full = _features(_get(tiles, "buildings", tile), "buildings")
    response = _get(tiles, "buildings", tile, limit="3")
    capped = _features(response, "buildings")
    assert len(full) > 3 and len(capped) == 3
    assert response.headers["x-tile-capped"] == "true"
    assert "x-tile-capped" not in _get(tiles, "buildings", tile).headers


def test_the_configured_feature_cap_bounds_every_layer(
    prepared: Prepared, running: Running, demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARTYGRID_INTERNAL_TOKEN_KEY", running.keys["internal"])
    signed = running.headers(running.subgraphs["grid"], DISTRICT)
    app = create_app(
        GridSettings(
            database_url=prepared.database.service_urls["grid"], org_url=running.subgraphs["org"]
        ),
        TileSettings(max_features=4, buildings_min_zoom=13),
    )
    z, x, y = _community_tile(demo, COMMITTEE, 13)[1]

    async def fetch() -> dict[str, list[httpx.Response]]:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://grid", headers=signed
            ) as client:
                return {
                    layer: [
                        await client.get(f"/tiles/{layer}/{z}/{x}/{y}.pbf"),
                        await client.get(f"/tiles/{layer}/{z}/{x}/{y}.pbf?limit=100"),
                    ]
                    for layer in ("zones", "buildings", "gaps")
                }

    for layer, responses in asyncio.run(fetch()).items():
        # A larger ?limit cannot lift the configured cap.
        for response in responses:
            assert len(_features(response, layer)) == 4, layer
            assert response.headers["x-tile-capped"] == "true"


def test_an_empty_tile_is_no_content(tiles: httpx.Client) -> None:
    for layer in ("zones", "buildings", "gaps"):
        response = _get(tiles, layer, (14, 0, 0))  # the far north-west, nowhere near
        assert response.status_code == 204 and not response.content


@pytest.mark.parametrize(
    "path",
    [
        "/tiles/zones/23/0/0.pbf",  # beyond max zoom
        "/tiles/zones/-1/0/0.pbf",
        "/tiles/zones/2/4/0.pbf",  # x outside 0..3
        "/tiles/zones/2/0/4.pbf",
        "/tiles/zones/2/0/-1.pbf",
        "/tiles/zones/a/0/0.pbf",
        "/tiles/members/2/0/0.pbf",  # no such layer
        "/tiles/zones/2/0/0.pbf?community=abc",
        "/tiles/zones/2/0/0.pbf?limit=0",
        "/tiles/zones/2/0/0.pbf?limit=many",
    ],
)
def test_a_bad_tile_request_is_400(tiles: httpx.Client, path: str) -> None:
    response = tiles.get(path)
    assert response.status_code == 400, path
    assert response.json()["detail"]


def _states_in(client: httpx.Client, tile: tuple[int, int, int]) -> dict[str, str]:
    response = _get(client, "buildings", tile)
    return {
        f["properties"]["id"]: f["properties"]["state"] for f in _features(response, "buildings")
    }


def test_a_committee_community_without_groups_yet_shows_its_gaps(
    tiles: httpx.Client,
    prepared: Prepared,
    running: Running,
    demo: Demo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A committee community none of whose buildings has a Party group yet (a new one) is
    still a committee community: org says so, and its buildings are gaps even in zones with a
    grid branch ("党小组建在楼栋"). Guessing the kind from the grid would call it a branch
    community and paint those buildings covered — which is what happens when org is down."""
    code, tile = _community_tile(demo, COMMITTEE, Z_BUILDINGS)
    zone_of = expected_zone(demo)
    held = _zone_held(demo)
    in_held_zone = {
        str(b.id)
        for b in demo.buildings
        if b.community_code == code and _in_tile(b.footprint, tile) and zone_of[b.id] in held
    }
    assert in_held_zone, "the demo community needs buildings in zones with a grid branch"
    engine = create_engine(prepared.database.service_urls["grid"], poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            saved = conn.execute(
                text(
                    "SELECT id, party_group_id FROM grid.building "
                    "WHERE community_code = :c AND party_group_id IS NOT NULL"
                ),
                {"c": code},
            ).all()
            conn.execute(
                text("UPDATE grid.building SET party_group_id = NULL WHERE community_code = :c"),
                {"c": code},
            )
        states = _states_in(tiles, tile)
        assert {states[b] for b in in_held_zone} == {"gap"}

        # Without org (nothing listens where this app looks for it), the kind is guessed.
        monkeypatch.setenv("PARTYGRID_INTERNAL_TOKEN_KEY", running.keys["internal"])
        signed = running.headers(running.subgraphs["grid"], DISTRICT)
        app = create_app(
            GridSettings(
                database_url=prepared.database.service_urls["grid"],
                org_url=f"http://127.0.0.1:{free_port()}/graphql",
            )
        )

        async def guessed() -> dict[str, str]:
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://g", headers=signed
                ) as client:
                    z, x, y = tile
                    response = await client.get(f"/tiles/buildings/{z}/{x}/{y}.pbf")
                    decoded = mapbox_vector_tile.decode(response.content)["buildings"]
                    return {
                        f["properties"]["id"]: f["properties"]["state"] for f in decoded["features"]
                    }

        # One app run for all (one per building outlived the signed token on a loaded machine).
        guessed_states = asyncio.run(guessed())
        assert {guessed_states[b] for b in in_held_zone} == {"covered"}
    finally:
        with engine.begin() as conn:
            for building, group in saved:
                conn.execute(
                    text("UPDATE grid.building SET party_group_id = :g WHERE id = :i"),
                    {"g": group, "i": building},
                )
        engine.dispose()
