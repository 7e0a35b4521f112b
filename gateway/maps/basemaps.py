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

import functools
import json
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import urlsplit

import coordTransform as ct  # type: ignore[import-untyped]  # noqa: N813 -- no stubs; the package's own module name
import folium
import numpy as np
import shapely
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TIANDITU = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)
AMAP = (
    "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
    "&x={x}&y={y}&z={z}"
)
# Offsets sampled on this many points a side of a page's area (the offset varies slowly:
# tens of metres over tens of kilometres).
_GRID = 5


class BasemapSettings(BaseSettings):
    """Which base tiles the map pages draw under the grid (none by default)."""

    model_config = SettingsConfigDict(env_prefix="PARTYGRID_GATEWAY_BASEMAP_", extra="ignore")

    kind: Literal["none", "xyz", "tianditu", "amap"] = "none"
    url: str = ""
    subdomains: str = ""
    attribution: str = ""
    max_zoom: int = Field(default=18, ge=1, le=22)
    tianditu_key: str = ""

    @model_validator(mode="after")
    def _complete(self) -> BasemapSettings:
        if self.kind == "xyz" and not all(p in self.url for p in ("{z}", "{x}", "{y}")):
            raise ValueError("an xyz base map needs a URL template with {z}, {x} and {y}")
        if self.kind == "tianditu" and not self.tianditu_key:
            raise ValueError("a Tianditu base map needs PARTYGRID_GATEWAY_BASEMAP_TIANDITU_KEY")
        return self

    @property
    def gcj02(self) -> bool:
        """Whether the map draws in GCJ-02 (AMap's tiles) rather than WGS-84."""
        return self.kind == "amap"


@functools.cache
def basemap_settings() -> BasemapSettings:
    """The process's base-map settings, read from the environment on first use."""
    return BasemapSettings()


def _tile_layers(settings: BasemapSettings, lang: str | None) -> list[tuple[str, str, str, bool]]:
    """(url template, subdomains, name, overlay) of each configured base layer."""
    layers: list[tuple[str, str, str, bool]] = []
    if settings.kind == "xyz":
        layers.append((settings.url, settings.subdomains or "abc", "底图 / Base map", False))
    elif settings.kind == "tianditu":
        key = settings.tianditu_key
        notes = "eva" if lang == "en" else "cva"
        layers.append(
            (
                TIANDITU.format(layer="vec", key=key, s="{s}", z="{z}", x="{x}", y="{y}"),
                "01234567",
                "天地图 / Tianditu",
                False,
            )
        )
        layers.append(
            (
                TIANDITU.format(layer=notes, key=key, s="{s}", z="{z}", x="{x}", y="{y}"),
                "01234567",
                "天地图注记 / Tianditu labels",
                True,
            )
        )
    elif settings.kind == "amap":
        layers.append((settings.url or AMAP, settings.subdomains or "1234", "高德 / AMap", False))
    return layers


def tile_sources(settings: BasemapSettings) -> list[str]:
    """CSP img-src sources of the base tiles (`https://*.host` where a label is templated)."""
    sources = []
    for url, *_ in _tile_layers(settings, None):
        parts = urlsplit(url)
        labels = parts.netloc.split(".")
        if "{" in labels[0]:
            labels[0] = "*"
        sources.append(f"{parts.scheme}://{'.'.join(labels)}")
    return sorted(set(sources))


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
