"""Folium pieces that load nothing from the internet, and page scripts.

folium's class-level `default_js`/`default_css` lists point at CDNs and are shared by every
map, so each instance gets fresh lists naming the gateway's own /static copies (pinned, with
their licences beside them); folium's link names are kept so nothing is loaded twice.
"""

from __future__ import annotations

import json
from typing import Any

import folium
from branca.element import MacroElement
from folium.plugins import VectorGridProtobuf
from folium.template import Template


class Script(MacroElement):
    """Plain JavaScript run after the map and its layers exist (`{map}` is the map's
    variable, `{layer:NAME}`-style names are filled in by the caller)."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str) -> None:
        super().__init__()
        self._name = "Script"
        self.code = code


def offline_map(
    bounds: tuple[float, float, float, float], static: str, *, prefer_canvas: bool
) -> folium.Map:
    """A Leaflet map fitted to `bounds` (lon/lat) with Leaflet from /static and no tiles.
    Pages with vector tiles pass prefer_canvas=False: an overlay canvas would eat clicks."""
    minx, miny, maxx, maxy = bounds
    fmap = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        tiles=None,
        control_scale=True,
        prefer_canvas=prefer_canvas,
        max_zoom=20,
    )
    fmap.default_js = [("leaflet", f"{static}/leaflet/leaflet.js")]
    fmap.default_css = [("leaflet_css", f"{static}/leaflet/leaflet.css")]
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap


def vector_grid(url: str, name: str, options: str, static: str) -> VectorGridProtobuf:
    """A VectorGrid.Protobuf layer from the pinned bundle (plus its Leaflet 1.9 shim).
    `options` is a JavaScript object literal: styles need functions."""
    layer = VectorGridProtobuf(url, name, options)
    layer.default_js = [
        ("vectorGrid", f"{static}/vectorgrid/Leaflet.VectorGrid.bundled.min.js"),
        ("vectorGrid_compat", f"{static}/vectorgrid/compat.js"),
        ("pg_coverage_tiles", f"{static}/vectorgrid/coverage-tiles.js"),
    ]
    layer.default_css = []
    return layer


def js(value: Any) -> str:
    """A Python value as a JavaScript literal, safe inside a <script> element."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def expose_map(fmap: folium.Map, extra: dict[str, str] | None = None) -> None:
    """`window.__pgMap` (and other named layers) for tests and page scripts: folium's
    variable names are random."""
    parts = [f"window.__pgMap = {fmap.get_name()};"]
    if extra:
        entries = ", ".join(f"{js(k)}: {v}" for k, v in extra.items())
        parts.append(f"window.__pgLayers = {{{entries}}};")
    fmap.add_child(Script("\n".join(parts)))
