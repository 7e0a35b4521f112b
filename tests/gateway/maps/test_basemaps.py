"""Base tiles and the display coordinate system, rendered in-process from the demo data's
geometry (no services needed): none by default, an internal XYZ server, Tianditu with a key,
AMap with our geometry moved to GCJ-02 for display only."""

from __future__ import annotations

import re

import coordTransform as ct  # noqa: N813 (the package's own module name)
import folium
import pytest
import shapely
from folium.plugins import VectorGridProtobuf
from pydantic import ValidationError

from gateway.app import create_app
from gateway.maps.basemaps import BasemapSettings, basemap_settings, offset_grid
from gateway.maps.render import community_map
from gateway.maps.tiled import region_map
from infra.demo.model import Demo

FIGURES = {
    "buildings": 1,
    "covered": 1,
    "percent": 100.0,
    "zonesWithoutOrganization": 0,
    "buildingStates": {"gapWithMembers": 0, "gap": 0, "orphan": 0},
}


def _community(demo: Demo) -> dict:
    """The first demo community as the graph would give it, with one covered building."""
    community = demo.communities[0]
    zone = next(z for z in demo.zones if z.community_code == community.code)
    building = next(
        b
        for b in demo.buildings
        if b.community_code == community.code and zone.boundary.covers(b.footprint)
    )
    return {
        "code": community.code,
        "name": "测试社区",
        "boundary": shapely.geometry.mapping(community.boundary),
        "organization": {"name": "测试社区党委", "kind": "COMMUNITY_COMMITTEE"},
        "zones": [
            {
                "id": str(zone.id),
                "name": zone.name,
                "boundary": shapely.geometry.mapping(zone.boundary),
                "organization": {"id": "b1", "name": "第一网格党支部"},
                "buildings": [
                    {
                        "id": str(building.id),
                        "name": building.name,
                        "address": building.address,
                        "footprint": shapely.geometry.mapping(building.footprint),
                        "coverageState": "COVERED",
                        "partyGroup": {"id": "g1", "name": "第一党小组"},
                        "residentMemberCount": 0,
                        "residentMembers": {"nodes": []},
                    }
                ],
            }
        ],
        "orphanBuildings": [],
    }


def _html(demo: Demo, basemap: BasemapSettings, lang: str | None = None) -> str:
    fmap = community_map(_community(demo), FIGURES, lang=lang, static="/static", basemap=basemap)
    return fmap.get_root().render()


def _first_vertex(geometry: dict) -> tuple[float, float]:
    ring = geometry["coordinates"][0]
    return float(ring[0][0]), float(ring[0][1])


def test_no_base_tiles_by_default(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KIND", "URL", "TIANDITU_KEY"):
        monkeypatch.delenv(f"PARTYGRID_GATEWAY_BASEMAP_{name}", raising=False)
    settings = BasemapSettings()
    assert settings.kind == "none"
    page = _html(demo, settings)
    assert "L.tileLayer" not in page
    assert not re.search(r"https?://(?!127\.0\.0\.1)[^\s\"'<>]+", page.replace("leafletjs.com", ""))


def test_an_internal_xyz_server_from_the_environment(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARTYGRID_GATEWAY_BASEMAP_KIND", "xyz")
    monkeypatch.setenv("PARTYGRID_GATEWAY_BASEMAP_URL", "http://127.0.0.1:4870/{z}/{x}/{y}.png")
    page = _html(demo, BasemapSettings())
    assert "L.tileLayer" in page
    assert "http://127.0.0.1:4870/{z}/{x}/{y}.png" in page
    # The geometry is drawn as stored (WGS-84).
    building = _community(demo)["zones"][0]["buildings"][0]["footprint"]
    lon, lat = _first_vertex(building)
    assert f"[{lon}, {lat}]" in page


def test_bad_base_map_settings_are_refused() -> None:
    with pytest.raises(ValidationError):
        BasemapSettings(kind="xyz", url="http://127.0.0.1:4870/tiles.png")
    with pytest.raises(ValidationError):
        BasemapSettings(kind="tianditu")
    with pytest.raises(ValidationError):
        BasemapSettings(kind="bing")


def test_the_gateway_refuses_to_start_with_bad_base_map_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Tianditu base map without its key stops the gateway when it is built, naming the
    setting, instead of serving every map page as a 500 later."""
    monkeypatch.setenv("PARTYGRID_GATEWAY_BASEMAP_KIND", "tianditu")
    monkeypatch.delenv("PARTYGRID_GATEWAY_BASEMAP_TIANDITU_KEY", raising=False)
    basemap_settings.cache_clear()
    try:
        with pytest.raises(ValidationError, match="TIANDITU_KEY"):
            create_app()
    finally:
        basemap_settings.cache_clear()


def test_tianditu_with_a_key_and_labels_in_the_pages_language(demo: Demo) -> None:
    settings = BasemapSettings(kind="tianditu", tianditu_key="k3y")
    chinese = _html(demo, settings)
    assert "tianditu.gov.cn/vec_w/wmts" in chinese and "tk=k3y" in chinese
    assert "cva_w" in chinese and "eva_w" not in chinese
    assert "eva_w" in _html(demo, settings, lang="en")


def test_amap_draws_our_geometry_in_gcj02(demo: Demo) -> None:
    page = _html(demo, BasemapSettings(kind="amap"))
    assert "autonavi.com" in page
    building = _community(demo)["zones"][0]["buildings"][0]["footprint"]
    lon, lat = _first_vertex(building)
    gcj_lon, gcj_lat = ct.wgs84_to_gcj02(lon, lat)
    assert f"[{gcj_lon}, {gcj_lat}]" in page
    assert f"[{lon}, {lat}]" not in page  # stored coordinates are not drawn under AMap


def test_amap_offsets_for_vector_tiles_follow_coordtransform() -> None:
    bounds = (113.66, 34.70, 113.76, 34.77)
    grid = offset_grid(BasemapSettings(kind="amap"), bounds)
    assert grid is not None
    gcj_lon, gcj_lat = ct.wgs84_to_gcj02(grid["lons"][2], grid["lats"][3])
    assert grid["dlon"][3][2] == pytest.approx(gcj_lon - grid["lons"][2], abs=1e-12)
    assert grid["dlat"][3][2] == pytest.approx(gcj_lat - grid["lats"][3], abs=1e-12)
    assert offset_grid(BasemapSettings(), bounds) is None


def test_assets_are_set_per_map_never_on_folium_classes(demo: Demo) -> None:
    before = (list(folium.Map.default_js), list(VectorGridProtobuf.default_js))
    region = {"code": "410104", "name": "区", "nameEn": "District", "level": "DISTRICT"}
    community = _community(demo)
    page = (
        region_map(
            region,
            [{**community, "nameEn": "Test"}],
            {**FIGURES, "communities": [{"code": community["code"], **FIGURES}]},
            [],
            lang=None,
            static="/static",
            base="/maps/coverage",
            basemap=BasemapSettings(kind="amap"),
        )
        .get_root()
        .render()
    )
    assert (list(folium.Map.default_js), list(VectorGridProtobuf.default_js)) == before
    assert "unpkg.com" not in page and "cdn.jsdelivr.net" not in page
    assert "rendererFactory: L.svg.tile" in page  # shifted panes need DOM hit-testing
    assert '"offsets": {"lons"' in page
