"""Base tiles under the coverage maps, and the coordinate system the maps draw in.

None by default: the grid itself is the map, and nothing leaves the machine. The choices
(`PARTYGRID_GATEWAY_BASEMAP_KIND`):

- `xyz`: an internal XYZ tile server (`..._URL`, a template with {z}, {x} and {y}; optional
  `..._SUBDOMAINS` for {s}, `..._ATTRIBUTION`, `..._MAX_ZOOM`);
- `tianditu`: 天地图 (Web Mercator, CGCS2000, so our WGS-84 geometry fits it as it is), with the
  key in `..._TIANDITU_KEY`; Chinese or English annotations follow the page's language;
- `amap`: 高德地图 (`..._URL` overrides its usual tile URL). AMap's tiles are drawn in GCJ-02,
  the offset "Mars" system, so our geometry is converted to GCJ-02 for display only (with the
  pinned coordTransform package, as grid converts imports) and vector tiles are shifted by
  the offset at the view's centre (see `offset_grid`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import coordTransform as ct  # type: ignore[import-untyped]  # noqa: N813 -- no stubs; the package's own module name
import folium
import numpy as np
import shapely

# Settings and tile sources live apart, so start-up need not import the drawing libraries;
# the map modules and their tests still find them here.
from gateway.maps.basemap_config import (  # noqa: F401 -- re-exported
    AMAP,
    TIANDITU,
    BasemapSettings,
    _tile_layers,
    basemap_settings,
    tile_sources,
)

# Offsets sampled on this many points a side of a page's area (the offset varies slowly:
# tens of metres over tens of kilometres).
_GRID = 5


def add_basemap(fmap: folium.Map, settings: BasemapSettings, *, lang: str | None) -> None:
    """Put the configured base tiles under the map (nothing for `none`)."""
    layers = _tile_layers(settings, lang)
    attribution = settings.attribution or {
        "xyz": "PartyGrid",
        "tianditu": "天地图 © 国家地理信息公共服务平台",
        "amap": "© 高德地图 AutoNavi",
    }.get(settings.kind, "")
    for url, subdomains, name, overlay in layers:
        folium.TileLayer(
            tiles=url,
            attr=attribution,
            name=name,
            overlay=overlay,
            max_zoom=22,
            max_native_zoom=settings.max_zoom,
            subdomains=subdomains,
        ).add_to(fmap)


def _to_gcj02(xy: np.ndarray) -> np.ndarray:
    if len(xy) == 0:
        return xy
    lons, lats = ct.wgs84_to_gcj02(xy[:, 0].tolist(), xy[:, 1].tolist())
    return np.column_stack([np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)])


def display_transform(settings: BasemapSettings) -> Callable[[list[Any]], list[Any]]:
    """GeoJSON geometries (dicts, None allowed) as the map draws them: unchanged, or in
    GCJ-02 under AMap tiles. Converts a whole list in one call to the C package."""
    if not settings.gcj02:
        return lambda geometries: geometries

    def convert(geometries: list[Any]) -> list[Any]:
        present = [i for i, g in enumerate(geometries) if g]
        shapes = shapely.from_geojson([json.dumps(geometries[i]) for i in present])
        moved = shapely.transform(shapes, _to_gcj02)
        out = list(geometries)
        for i, shape in zip(present, moved, strict=True):
            out[i] = shapely.geometry.mapping(shape)
        return out

    return convert


def offset_grid(
    settings: BasemapSettings, bounds: tuple[float, float, float, float]
) -> dict[str, Any] | None:
    """GCJ-02 minus WGS-84 (degrees) sampled on a grid over `bounds`, for shifting vector
    tiles (cut in WGS-84) onto AMap's tiles; None when the map draws in WGS-84."""
    if not settings.gcj02:
        return None
    minx, miny, maxx, maxy = bounds
    lons = np.linspace(minx, maxx, _GRID)
    lats = np.linspace(miny, maxy, _GRID)
    grid_lons, grid_lats = np.meshgrid(lons, lats)
    points = np.column_stack([grid_lons.ravel(), grid_lats.ravel()])
    moved = _to_gcj02(points)
    delta = (moved - points).reshape(_GRID, _GRID, 2)
    return {
        "lons": lons.tolist(),
        "lats": lats.tolist(),
        "dlon": delta[:, :, 0].tolist(),
        "dlat": delta[:, :, 1].tolist(),
    }
