"""What the base-map settings are, apart from the drawing (`basemaps.py`): the app checks
them and takes the CSP's tile sources at start-up without importing folium, numpy and shapely,
which only the map pages need."""

from __future__ import annotations

import functools
from typing import Literal
from urllib.parse import urlsplit

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
