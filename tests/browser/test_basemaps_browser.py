"""Base tiles under the coverage maps, in headless Chromium.

Issue 6: "base tiles configurable (none by default; an internal XYZ server; Tianditu with a
key; AMap, with our geometry converted to GCJ-02 for display). A test asserts that a rendered
page requests nothing outside 127.0.0.1."

The gateway reads its base map from the environment once per process
(gateway.maps.basemaps.basemap_settings), so each kind gets a gateway process of its own,
started here with PARTYGRID_GATEWAY_BASEMAP_* over the session's subgraphs; `none` is the
session's own gateway. The XYZ server is a real HTTP server on 127.0.0.1. Tianditu and AMap
are on the internet: the browser's requests to their hosts are answered in the browser with
the same generated PNG, and any other request not to 127.0.0.1 is aborted and reported, so
nothing leaves the machine.
"""

from __future__ import annotations

import math
import os
import re
import secrets
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import coordTransform as ct  # noqa: N813 (the package's own module name)
import pytest
from browser_pages import Visit
from map_expectations import streets
from playwright.sync_api import Page, Route

from infra.demo.model import Demo
from infra.setup import Prepared
from infra.supervisor import Supervisor, free_port, gateway_env
from stack import Running

PREFIX = "PARTYGRID_GATEWAY_BASEMAP_"
TILE = 256  # Leaflet's tile size in CSS pixels, as XYZ, Tianditu's WMTS "w" set and AMap use
Tile = tuple[int, int, int]  # z, x, y (x from the antimeridian east, y from the north down)


def _png(fill: tuple[int, int, int], edge: tuple[int, int, int]) -> bytes:
    """A 256 x 256 RGB PNG, `fill` with an `edge` border (tile seams show in screenshots)."""
    rows = bytearray()
    for y in range(TILE):
        rows.append(0)  # filter: none
        for x in range(TILE):
            rows += bytes(edge if x in (0, TILE - 1) or y in (0, TILE - 1) else fill)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", TILE, TILE, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows)))
        + chunk(b"IEND", b"")
    )


PNG = _png((236, 239, 241), (144, 164, 174))
XYZ_PATH = re.compile(r"/(\d+)/(\d+)/(\d+)\.png")

# Every tile layer (L.TileLayer: base tiles; VectorGrid is a GridLayer) on the page's map.
TILE_LAYERS = """() => {
  const out = [];
  window.__pgMap.eachLayer(l => {
    if (l instanceof L.TileLayer) {
      out.push({url: l._url, subdomains: l.options.subdomains});
    }
  });
  return out;
}"""
BASE_TILES_LOADED = """() => {
  let busy = false;
  window.__pgMap.eachLayer(l => { if (l instanceof L.TileLayer && l.isLoading()) busy = true; });
  return !busy;
}"""
# The map's own view and, for each base tile layer, the tiles it shows there.
VIEW = """() => {
  const map = window.__pgMap, b = map.getBounds(), layers = [];
  map.eachLayer(l => {
    if (!(l instanceof L.TileLayer)) { return; }
    layers.push({
      url: l._url,
      maxNativeZoom: l.options.maxNativeZoom,
      tiles: Object.values(l._tiles).filter(t => t.current).map(t => ({
        z: t.coords.z, x: t.coords.x, y: t.coords.y, width: t.el.naturalWidth
      }))
    });
  });
  return {
    zoom: map.getZoom(),
    bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()],
    layers: layers
  };
}"""
# Every vertex each feature of a community page's GeoJSON layer is drawn at, [lng, lat].
DRAWN_VERTICES = """(name) => {
  const out = {};
  window.__pgLayers[name].eachLayer(l => {
    const points = l.getLatLngs ? l.getLatLngs().flat(Infinity) : [l.getLatLng()];
    out[l.feature.properties.id] = points.map(p => [p.lng, p.lat]);
  });
  return out;
}"""
GEOMETRY = """
query BasemapGeometry($code: String!) {
  community(code: $code) {
    zones { id boundary buildings { id footprint } }
    orphanBuildings { id footprint }
  }
}"""


# --- the processes: tile server and gateways ------------------------------------------------


@dataclass
class TileServer:
    """An XYZ tile server on 127.0.0.1 and the paths it was asked for, in order."""

    base: str
    paths: list[str]

    @property
    def template(self) -> str:
        return f"{self.base}/{{z}}/{{x}}/{{y}}.png"

    def tiles(self, since: int = 0) -> set[Tile]:
        found = [XYZ_PATH.fullmatch(p) for p in self.paths[since:]]
        return {(int(m[1]), int(m[2]), int(m[3])) for m in found if m}


@pytest.fixture(scope="module")
def tile_server() -> Iterator[TileServer]:
    paths: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # (http.server's name)
            paths.append(self.path)  # one append per request: atomic under the GIL
            found = XYZ_PATH.fullmatch(self.path) is not None
            body = PNG if found else b"not a tile"
            self.send_response(200 if found else 404)
            self.send_header("content-type", "image/png" if found else "text/plain")
            self.send_header("content-length", str(len(body)))
            self.send_header("cache-control", "no-store")  # each view's tiles are asked again
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield TileServer(f"http://127.0.0.1:{server.server_port}", paths)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def gateway_with(
    running: Running, prepared: Prepared, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., str]]:
    """`gateway_with(kind=..., url=..., tianditu_key=...)`: the GraphQL URL of a gateway
    process of its own with those base-map settings, over the session's subgraphs and with
    the session's keys (the `visit` cookie works on it). Started on first use."""
    logs = tmp_path_factory.mktemp("basemap-gateways")
    supervisors: list[Supervisor] = []
    started: dict[tuple[tuple[str, str], ...], str] = {}

    def start(**basemap: str) -> str:
        key = tuple(sorted(basemap.items()))
        if key not in started:
            port = free_port()
            env = gateway_env(
                running.subgraphs, port, keys=running.keys, auth_url=prepared.database.auth_url
            )
            # Blank what this test does not set, so the developer's environment cannot leak in.
            env |= {f"{PREFIX}{name}": "" for name in ("URL", "SUBDOMAINS", "TIANDITU_KEY")}
            env |= {f"{PREFIX}{name.upper()}": value for name, value in basemap.items()}
            supervisor = Supervisor("127.0.0.1", logs / basemap["kind"])
            supervisors.append(supervisor)
            supervisor.start("gateway", port, env)
            supervisor.wait_healthy(60)
            started[key] = f"http://127.0.0.1:{port}/graphql"
        return started[key]

    try:
        yield start
    finally:
        for supervisor in supervisors:
            supervisor.stop_all()


# --- what leaves the page -------------------------------------------------------------------


def _not_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != "127.0.0.1"


@dataclass
class Outside:
    """Catches every request not to 127.0.0.1 before it leaves the browser: one to a host
    ending in `answer` gets the PNG, anything else is aborted. Both are recorded."""

    answer: str | None = None
    answered: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def install(self, page: Page) -> None:
        page.route(_not_loopback, self._handle)

    def _handle(self, route: Route) -> None:
        url = route.request.url
        host = urlsplit(url).hostname or ""
        if self.answer is not None and host.endswith(self.answer):
            self.answered.append(url)
            route.fulfill(status=200, content_type="image/png", body=PNG)
        else:
            self.refused.append(url)
            route.abort()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# --- which tiles a view needs ---------------------------------------------------------------


def _view_tiles(view: dict[str, Any], max_native_zoom: int, margin: float) -> set[Tile]:
    """XYZ tiles (Web Mercator) under the page's own bounds at its zoom, or at the tile
    layer's native zoom above that; the bounds grown by `margin` screen pixels a side
    (negative: shrunk), since the map's bounds and the tile layer's pixel range round the
    view's centre differently."""
    zoom = view["zoom"]
    assert zoom == int(zoom), view
    z = min(int(zoom), max_native_zoom)
    world = TILE * 2**z
    west, south, east, north = view["bounds"]

    def pixel(lon: float, lat: float) -> tuple[float, float]:
        mercator = math.asinh(math.tan(math.radians(lat)))
        return (lon + 180) / 360 * world, (1 - mercator / math.pi) / 2 * world

    left, top = pixel(west, north)
    right, bottom = pixel(east, south)
    grow = margin * 2 ** (z - zoom)
    last = 2**z - 1
    cols = range(math.floor((left - grow) / TILE), math.ceil((right + grow) / TILE))
    rows = range(
        max(0, math.floor((top - grow) / TILE)), min(last + 1, math.ceil((bottom + grow) / TILE))
    )
    return {(z, x, y) for x in cols for y in rows}


def _shown_tiles(view: dict[str, Any], template: str) -> set[Tile]:
    """The tiles the layer with URL `template` shows; each must have decoded as the PNG."""
    layer = next(layer for layer in view["layers"] if layer["url"] == template)
    undecoded = [t for t in layer["tiles"] if t["width"] != TILE]
    assert undecoded == []
    return {(t["z"], t["x"], t["y"]) for t in layer["tiles"]}


def _assert_view_served(view: dict[str, Any], template: str, requested: set[Tile]) -> None:
    """The layer shows, and asked for, the tiles of the map's current view and no others
    at that zoom (within the 2 px the two roundings of the view can differ by)."""
    layer = next(layer for layer in view["layers"] if layer["url"] == template)
    inner = _view_tiles(view, layer["maxNativeZoom"], -2)
    outer = _view_tiles(view, layer["maxNativeZoom"], 2)
    shown = _shown_tiles(view, template)
    assert inner, view
    assert inner <= shown <= outer, (sorted(shown), sorted(inner), sorted(outer))
    at_zoom = {t for t in requested if t[0] == next(iter(inner))[0]}
    assert inner <= at_zoom <= outer, (sorted(at_zoom), sorted(inner), sorted(outer))


def _view(page: Page) -> dict[str, Any]:
    page.wait_for_function(BASE_TILES_LOADED, timeout=20_000)
    return page.evaluate(VIEW)


def _move(page: Page, view: dict[str, Any]) -> dict[str, Any]:
    """Zoom in one step onto the north-east quarter of the view; the view there."""
    west, south, east, north = view["bounds"]
    centre = [(south + 3 * north) / 4, (west + 3 * east) / 4]
    page.evaluate(
        "([lat, lon, zoom]) => { window.__pgMap.setView([lat, lon], zoom, {animate: false}); }",
        [*centre, view["zoom"] + 1],
    )
    return _view(page)


def _clean(seen: Visit, outside: Outside) -> None:
    assert outside.refused == []
    assert seen.errors == []


# --- none -----------------------------------------------------------------------------------


def test_no_base_tiles_by_default(
    visit: Callable[..., Visit], running: Running, demo: Demo, screenshots: Path
) -> None:
    # The session's gateway inherits this environment: it must not choose a base map.
    assert [name for name in os.environ if name.startswith(PREFIX)] == []
    gateway = _origin(running.gateway)
    community = demo.communities[0].code
    street = streets(demo)[0]
    for path in (f"/maps/coverage/{community}", f"/maps/coverage/{street}"):
        outside = Outside()
        seen = visit(path, before=outside.install)
        assert seen.page.evaluate(TILE_LAYERS) == []
        # Every request went to the gateway itself: its page, /static, its own /tiles.
        assert {_origin(url) for url in seen.requests} == {gateway}
        assert seen.external_requests() == []
        seen.page.screenshot(path=screenshots / f"basemap-none-{path.rsplit('/', 1)[1]}.png")
        _clean(seen, outside)
    # The street page drew its vector tiles from the gateway (tiles need no base map).
    assert any("/tiles/zones/" in url for url in seen.requests)


# --- xyz ------------------------------------------------------------------------------------


def test_an_internal_xyz_server_serves_the_tiles_of_the_view(
    visit: Callable[..., Visit],
    gateway_with: Callable[..., str],
    tile_server: TileServer,
    demo: Demo,
    screenshots: Path,
) -> None:
    gateway = gateway_with(kind="xyz", url=tile_server.template)
    code = demo.communities[0].code
    outside = Outside()
    asked_before = len(tile_server.paths)
    seen = visit(f"/maps/coverage/{code}", gateway=gateway, before=outside.install)
    layers = seen.page.evaluate(TILE_LAYERS)
    assert [layer["url"] for layer in layers] == [tile_server.template]
    view = _view(seen.page)
    _assert_view_served(view, tile_server.template, tile_server.tiles(asked_before))
    seen.page.screenshot(path=screenshots / f"basemap-xyz-{code}.png")
    # Move the map: the server is asked for the new view's tiles.
    asked_before = len(tile_server.paths)
    moved = _move(seen.page, view)
    _assert_view_served(moved, tile_server.template, tile_server.tiles(asked_before))
    # Only tiles were asked of it, all by the template, and nothing outside 127.0.0.1.
    assert all(XYZ_PATH.fullmatch(p) for p in tile_server.paths)
    assert {_origin(url) for url in seen.requests} == {_origin(gateway), tile_server.base}
    assert seen.external_requests() == []
    _clean(seen, outside)


# --- tianditu -------------------------------------------------------------------------------


def _tianditu_tiles(urls: list[str], key: str) -> dict[str, set[Tile]]:
    """Tiles asked of Tianditu by layer, each request checked against its WMTS KVP form
    (天地图 API: t0-t7.tianditu.gov.cn/<layer>_w/wmts, Web Mercator set "w", key in `tk`)."""
    by_layer: dict[str, set[Tile]] = {}
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme == "https" and re.fullmatch(r"t[0-7]\.tianditu\.gov\.cn", parts.netloc)
        layer = re.fullmatch(r"/(\w+)_w/wmts", parts.path)
        assert layer, url
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        fixed = {k: query.get(k) for k in ("SERVICE", "REQUEST", "VERSION", "STYLE", "FORMAT")}
        assert fixed == {
            "SERVICE": "WMTS",
            "REQUEST": "GetTile",
            "VERSION": "1.0.0",
            "STYLE": "default",
            "FORMAT": "tiles",
        }, url
        assert (query.get("LAYER"), query.get("TILEMATRIXSET"), query.get("tk")) == (
            layer[1],
            "w",
            key,
        ), url
        tile = (int(query["TILEMATRIX"]), int(query["TILECOL"]), int(query["TILEROW"]))
        by_layer.setdefault(layer[1], set()).add(tile)
    return by_layer


def test_tianditu_tiles_are_asked_with_the_key(
    visit: Callable[..., Visit],
    gateway_with: Callable[..., str],
    demo: Demo,
    screenshots: Path,
) -> None:
    key = secrets.token_hex(16)
    gateway = gateway_with(kind="tianditu", tianditu_key=key)
    code = demo.communities[0].code
    for lang, labels in ((None, "cva"), ("en", "eva")):
        outside = Outside(answer=".tianditu.gov.cn")
        path = f"/maps/coverage/{code}" + (f"?lang={lang}" if lang else "")
        seen = visit(path, gateway=gateway, before=outside.install)
        layers = seen.page.evaluate(TILE_LAYERS)
        # The vector map underneath, its annotations (in the page's language) over it: a
        # base layer and an overlay in the layer control.
        assert [layer["url"].split("/")[3] for layer in layers] == ["vec_w", f"{labels}_w"]
        control = seen.page.locator(".leaflet-control-layers")
        base = control.locator(".leaflet-control-layers-base").inner_text()
        overlays = control.locator(".leaflet-control-layers-overlays").inner_text()
        assert "天地图 / Tianditu" in base and "天地图注记" not in base
        assert "天地图注记 / Tianditu labels" in overlays
        view = _view(seen.page)
        asked = _tianditu_tiles(outside.answered, key)
        assert set(asked) == {"vec", labels}
        for layer in layers:
            name = layer["url"].split("/")[3].removesuffix("_w")
            _assert_view_served(view, layer["url"], asked[name])
        # Everything outside 127.0.0.1 was a Tianditu tile, answered in the browser.
        assert sorted(seen.external_requests()) == sorted(outside.answered)
        seen.page.screenshot(path=screenshots / f"basemap-tianditu-{code}-{lang or 'zh'}.png")
        _clean(seen, outside)


# --- amap -----------------------------------------------------------------------------------


def _amap_tiles(urls: list[str]) -> set[Tile]:
    """Tiles asked of AMap, each request checked against its road-map tile form
    (webrd01-04.is.autonavi.com/appmaptile, style 8, x/y/z as XYZ)."""
    tiles = set()
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme == "https" and re.fullmatch(
            r"webrd0[1-4]\.is\.autonavi\.com", parts.netloc
        )
        assert parts.path == "/appmaptile", url
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        assert query["style"] == "8", url
        tiles.add((int(query["z"]), int(query["x"]), int(query["y"])))
    return tiles


def _vertices(geometry: dict[str, Any]) -> list[tuple[float, float]]:
    """A geometry's vertices as Leaflet keeps them: a Point's (drawn as a circle marker), or
    a (Multi)Polygon's rings each without its closing vertex."""
    if geometry["type"] == "Point":
        x, y = geometry["coordinates"]
        return [(x, y)]
    coordinates = geometry["coordinates"]
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    return [(x, y) for polygon in polygons for ring in polygon for x, y in ring[:-1]]


def _metres(lon: float, lat: float, lon2: float, lat2: float) -> float:
    """Distance on a local plane (exact enough over a kilometre)."""
    dx = (lon2 - lon) * 111_320 * math.cos(math.radians(lat))
    dy = (lat2 - lat) * 110_574
    return math.hypot(dx, dy)


def _mercator_y(lat: float) -> float:
    return math.asinh(math.tan(math.radians(lat)))


def test_amap_tiles_under_our_geometry_in_gcj02(
    visit: Callable[..., Visit],
    gateway_with: Callable[..., str],
    running: Running,
    demo: Demo,
    screenshots: Path,
) -> None:
    gateway = gateway_with(kind="amap")
    code = demo.communities[0].code
    outside = Outside(answer=".is.autonavi.com")
    seen = visit(f"/maps/coverage/{code}", gateway=gateway, before=outside.install)
    [layer] = seen.page.evaluate(TILE_LAYERS)
    view = _view(seen.page)
    _assert_view_served(view, layer["url"], _amap_tiles(outside.answered))
    assert sorted(seen.external_requests()) == sorted(outside.answered)
    seen.page.screenshot(path=screenshots / f"basemap-amap-{code}.png")

    # The drawn geometry is the graph's WGS-84 geometry converted to GCJ-02 by coordTransform
    # (the package the code uses), hundreds of metres from where it is stored.
    community = running.post(running.gateway, GEOMETRY, {"code": code})["data"]["community"]
    stored = {z["id"]: z["boundary"] for z in community["zones"]}
    buildings = [b for z in community["zones"] for b in z["buildings"]]
    buildings += community["orphanBuildings"]
    stored_buildings = {b["id"]: b["footprint"] for b in buildings}
    drawn = {"zones": stored, "buildings": stored_buildings}
    offsets: list[float] = []
    for name, geometries in drawn.items():
        on_page = seen.page.evaluate(DRAWN_VERTICES, name)
        assert set(on_page) == set(geometries), name
        for fid, geometry in geometries.items():
            wgs84 = _vertices(geometry)
            lons, lats = ct.wgs84_to_gcj02([p[0] for p in wgs84], [p[1] for p in wgs84])
            page = on_page[fid]
            assert len(page) == len(wgs84), (name, fid)
            for (x, y), gx, gy, (px, py) in zip(wgs84, lons, lats, page, strict=True):
                assert (px, py) == pytest.approx((gx, gy), abs=1e-9), (name, fid)
                offsets.append(_metres(x, y, px, py))
    assert offsets
    assert min(offsets) > 100 and max(offsets) < 1000, (min(offsets), max(offsets))
    _clean(seen, outside)

    # A street page draws zones and buildings from vector tiles cut in WGS-84: their pane is
    # moved by the GCJ-02 offset at the view's centre, in the map's own pixels.
    street = code[:9]
    outside = Outside(answer=".is.autonavi.com")
    seen = visit(f"/maps/coverage/{street}", gateway=gateway, before=outside.install)
    [layer] = seen.page.evaluate(TILE_LAYERS)
    view = _view(seen.page)
    _assert_view_served(view, layer["url"], _amap_tiles(outside.answered))
    shift = seen.page.evaluate("""() => {
      const map = window.__pgMap, c = map.getCenter();
      return {transform: map.getPane(window.__pgConfig.pane).style.transform,
              centre: [c.lng, c.lat], zoom: map.getZoom()};
    }""")
    moved = re.fullmatch(r"translate\((-?[\d.]+)px, ?(-?[\d.]+)px\)", shift["transform"])
    assert moved, shift
    lon, lat = shift["centre"]
    gcj_lon, gcj_lat = ct.wgs84_to_gcj02(lon, lat)
    world = TILE * 2 ** shift["zoom"]
    expected_x = (gcj_lon - lon) / 360 * world
    expected_y = -(_mercator_y(gcj_lat) - _mercator_y(lat)) / (2 * math.pi) * world
    assert math.hypot(expected_x, expected_y) > 5  # visible at this zoom: not a no-op
    # latLngToLayerPoint rounds each point to a pixel; the page interpolates a 5 x 5 grid.
    assert float(moved[1]) == pytest.approx(expected_x, abs=2)
    assert float(moved[2]) == pytest.approx(expected_y, abs=2)
    assert sorted(seen.external_requests()) == sorted(outside.answered)
    seen.page.screenshot(path=screenshots / f"basemap-amap-{street}.png")
    _clean(seen, outside)
