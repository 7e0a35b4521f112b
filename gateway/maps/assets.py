"""Folium pieces that load nothing from the internet, and page scripts.

folium's class-level `default_js`/`default_css` lists point at CDNs and are shared by every
map, so each instance gets fresh lists naming the gateway's own /static copies (pinned, with
their licences beside them); folium's link names are kept so nothing is loaded twice.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import folium
from branca.element import Figure, MacroElement
from folium.features import GeoJsonDetail, GeoJsonPopup, GeoJsonTooltip
from folium.plugins import VectorGridProtobuf
from folium.template import Template

from gateway.maps.header import PageKind, page_header
from gateway.maps.labels import labels_for


class Script(MacroElement):
    """Plain JavaScript run after the map and its layers exist (`{map}` is the map's
    variable, `{layer:NAME}`-style names are filled in by the caller)."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str) -> None:
        super().__init__()
        self._name = "Script"
        self.code = code


def page_of(fmap: folium.Map) -> Figure:
    """The page a map is drawn on (folium puts every Map in a Figure; `get_root` is typed as
    any Element)."""
    root = fmap.get_root()
    assert isinstance(root, Figure)
    return root


# Leaflet's own attribution prefix (its name, a link and a flag) is no data source: the
# attribution names only where the map's data comes from (the grid's, and the
# base tiles' own). The scale bar is metric only.
_MAP_CONTROLS = """{map}.attributionControl.setPrefix(false);
{map}.attributionControl.addAttribution({attribution});
L.control.scale({{imperial: false, metric: true}}).addTo({map});"""


def offline_map(
    bounds: tuple[float, float, float, float],
    static: str,
    *,
    prefer_canvas: bool,
    region: str | None = None,
    page: PageKind = "coverage",
    lang: str | None = None,
) -> folium.Map:
    """A Leaflet map fitted to `bounds` (lon/lat) with Leaflet from /static and no tiles.
    Pages with vector tiles pass prefer_canvas=False: an overlay canvas would eat clicks.
    The attribution names the map's data sources. `region`: the page's region code, for
    its header (gateway.maps.header: navigation, user, sign-out; `page` and `lang` say which
    page it is on and in what language)."""
    minx, miny, maxx, maxy = bounds
    fmap = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        tiles=None,
        control_scale=False,
        prefer_canvas=prefer_canvas,
        max_zoom=20,
    )
    # The map's own zoom range: without it Leaflet takes the range of its layers, and
    # hiding the zones layer left the buildings' (from zoom 14) as the map's minimum.
    fmap.options["min_zoom"] = 0
    # Every map page: Leaflet, the zone-label thinning and the header with its session.
    fmap.default_js = [
        ("leaflet", f"{static}/leaflet/leaflet.js"),
        ("pg_zone_labels", f"{static}/maps/zone-labels.js"),
        ("pg_session", f"{static}/maps/session.js"),
    ]
    fmap.default_css = [
        ("leaflet_css", f"{static}/leaflet/leaflet.css"),
        ("pg_maps_css", f"{static}/maps/maps.css"),
    ]
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    if region is not None:
        page_of(fmap).html.add_child(page_header(region, lang=lang, page=page))
    name = fmap.get_name()
    fmap.add_child(
        Script(
            _MAP_CONTROLS.format(
                map=name, attribution=js(html.escape(labels_for(lang)["data_sources"]))
            )
        )
    )
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
    """A Python value as a JavaScript literal, safe inside a <script> element: no `<`, `>`
    or `&` of a name survives as such (a name cannot close the element or open another)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def expose_map(fmap: folium.Map, extra: dict[str, str] | None = None) -> None:
    """`window.__pgMap` (and other named layers) for tests and page scripts: folium's
    variable names are random."""
    parts = [f"window.__pgMap = {fmap.get_name()};"]
    if extra:
        entries = ", ".join(f"{js(k)}: {v}" for k, v in extra.items())
        parts.append(f"window.__pgLayers = {{{entries}}};")
    fmap.add_child(Script("\n".join(parts)))


# folium's GeoJsonTooltip/GeoJsonPopup put property values into the page with innerHTML; a
# zone or Party group named `<img onerror=...>` would run. These build the same table from
# text nodes. A property holding {"href": "/path", "text": ...} becomes a link (same site
# only: a `javascript:` URL is no link).
_TEXT_TABLE = """function (layer) {
  var div = L.DomUtil.create('div');
  var fields = {{ this.fields | tojson }};
  var aliases = {{ this.aliases | tojson }};
  var props = (layer.feature && layer.feature.properties) || {};
  var table = L.DomUtil.create('table', '', div);
  fields.forEach(function (field, i) {
    var row = L.DomUtil.create('tr', '', table);
    {%- if this.labels %}
    L.DomUtil.create('th', '', row).textContent = aliases[i];
    {%- endif %}
    var cell = L.DomUtil.create('td', '', row);
    var value = props[field];
    if (value && typeof value === 'object' && typeof value.href === 'string') {
      var a = L.DomUtil.create('a', '', cell);
      // Only paths on this site: browsers read '/\\' like '//' (another host).
      if (new URL(value.href, location.href).origin === location.origin) { a.href = value.href; }
      a.textContent = String(value.text);
    } else {
      cell.textContent = value === null || value === undefined ? '' : String(value);
    }
  });
  return div;
}"""


class _EmptyLayerSafe(GeoJsonDetail):
    """folium checks a tooltip's fields against the layer's first feature and fails on a layer
    with none (a community with no zones or no buildings yet): an empty layer has nothing to
    check, so it renders with no fields."""

    def render(self, **kwargs: Any) -> str:
        parent = self._parent
        if isinstance(parent, folium.GeoJson) and not parent.data.get("features"):
            fields, self.fields = self.fields, []
            aliases, self.aliases = self.aliases, []
            try:
                return super().render(**kwargs)
            finally:
                self.fields, self.aliases = fields, aliases
        return super().render(**kwargs)


class TextTooltip(_EmptyLayerSafe, GeoJsonTooltip):
    """A GeoJson layer's tooltip: a table of its properties, as text."""

    _template = Template(
        "{% macro script(this, kwargs) %}{{ this._parent.get_name() }}.bindTooltip("
        + _TEXT_TABLE
        + ", {{ this.tooltip_options | tojavascript }});{% endmacro %}"
    )


class TextPopup(_EmptyLayerSafe, GeoJsonPopup):
    """A GeoJson layer's popup: a table of its properties, as text (or a same-site link)."""

    _template = Template(
        "{% macro script(this, kwargs) %}{{ this._parent.get_name() }}.bindPopup("
        + _TEXT_TABLE
        + ", {{ this.popup_options | tojavascript }});{% endmacro %}"
    )


# folium's own templates write their inline scripts as a bare `<script>`: the map's global
# switches in the head and the page script at the end.
_BARE_SCRIPT = re.compile(r"<script>")
_FOLIUM_SCRIPTS = 2


def render_page(fmap: folium.Map, script_nonce: str) -> str:
    """The map's whole page, its inline scripts marked with the response's CSP nonce.

    Every user text reaches the page escaped (html.escape in markup, `js`/tojson in script),
    so it cannot add a `<script>`; if a page ever had another inline script than folium's
    two, nothing is marked and the page fails loudly here instead of allowing it."""
    page = page_of(fmap).render()
    found = len(_BARE_SCRIPT.findall(page))
    if found != _FOLIUM_SCRIPTS:
        raise RuntimeError(f"a map page has {found} inline scripts, not {_FOLIUM_SCRIPTS}")
    return _BARE_SCRIPT.sub(f'<script nonce="{script_nonce}">', page)
