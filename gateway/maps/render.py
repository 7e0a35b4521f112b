"""A community's coverage map: one folium page with its grid inlined as GeoJSON.

A community holds a few hundred buildings, so its page carries them all (tooltips and popups
need no further request). Street-office and district pages draw from vector tiles instead
(gateway.maps.tiled). Assets come from /static (gateway.maps.assets); base tiles and the
display coordinate system from gateway.maps.basemaps.
"""

from __future__ import annotations

import html
from typing import Any

import folium
import shapely

from gateway.maps.assets import (
    Script,
    TextPopup,
    TextTooltip,
    expose_map,
    js,
    offline_map,
    page_of,
)
from gateway.maps.basemaps import BasemapSettings, add_basemap, display_transform
from gateway.maps.coverage import COLOURS, summary_lines
from gateway.maps.labels import labels_for
from gateway.maps.panel import (
    NO_ORG_ZONE,
    ZONE_PALETTE,
    building_legend,
    panel,
    zone_legend,
)

DEMO_BOX = (113.66, 34.70, 113.76, 34.77)  # nothing mapped yet: the demo district's box
# A building's popup adds its resident members' names when it opens (/maps/buildings/<id>).
_NAMES_ON_OPEN = """%(layer)s.on('popupopen', function (e) {
  var source = e.propagatedFrom || e.layer || e.popup._source;
  var p = source && source.feature && source.feature.properties;
  if (!p || !p.count) { return; }
  fetch('/maps/buildings/' + encodeURIComponent(p.id) + '?lang=' + %(lang)s,
        {credentials: 'same-origin', headers: {accept: 'application/json'}})
    .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
    .then(function (b) {
      var box = e.popup.getElement();
      if (!box) { return; }
      var line = document.createElement('div');
      line.className = 'pg-residents';
      line.textContent = %(label)s + ': ' + b.residents;
      // (not popup.update(): it would render the content again, without this line)
      box.querySelector('.leaflet-popup-content').appendChild(line);
    })
    .catch(function () {});
});"""


def bounds_of(geometries: list[dict[str, Any] | None]) -> tuple[float, float, float, float]:
    """lon/lat bounds of the geometries given (GeoJSON dicts; None skipped)."""
    shapes = [shapely.geometry.shape(g) for g in geometries if g]
    if not shapes:
        return DEMO_BOX
    return tuple(shapely.total_bounds(shapes))


def residents_text(building: dict[str, Any], labels: dict[str, str]) -> str:
    """ "3: 张三、李四、王五" — the resident members' count and (the first) names."""
    count = building.get("residentMemberCount", 0)
    members = building.get("residentMembers") or {}
    names = [m["name"] for m in members.get("nodes", [])]
    if not names:
        return str(count)
    more = f" {labels['members_more']}" if count > len(names) else ""
    return f"{count}{labels['people']}: {'、'.join(names)}{more}"


def branch_colours(zones: list[dict[str, Any]]) -> dict[str, str]:
    """One colour per grid branch (by organization id, in zone order)."""
    colours: dict[str, str] = {}
    for zone in zones:
        org = zone.get("organization")
        if org and org["id"] not in colours:
            colours[org["id"]] = ZONE_PALETTE[len(colours) % len(ZONE_PALETTE)]
    return colours


def _zone_features(zones: list[dict[str, Any]], labels: dict[str, str]) -> list[dict[str, Any]]:
    colours = branch_colours(zones)
    features = []
    for zone in zones:
        org = zone.get("organization")
        features.append(
            {
                "type": "Feature",
                "geometry": zone["boundary"],
                "properties": {
                    "id": zone.get("id", ""),
                    "name": zone["name"],
                    "org": org["name"] if org else labels["none"],
                    "colour": colours[org["id"]] if org else NO_ORG_ZONE,
                    "dash": None if org else "6 4",
                },
            }
        )
    return features


def _building_features(community: dict[str, Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    rows = [(b, zone) for zone in community["zones"] for b in zone["buildings"]]
    rows += [(b, None) for b in community["orphanBuildings"]]
    features = []
    for building, zone in rows:
        org = (zone or {}).get("organization")
        features.append(
            {
                "type": "Feature",
                "geometry": building["footprint"],
                "properties": {
                    "id": building.get("id", ""),
                    "name": building["name"],
                    "address": building.get("address", ""),
                    "zone": zone["name"] if zone else labels["none"],
                    "branch": org["name"] if org else labels["none"],
                    "group": (building.get("partyGroup") or {}).get("name") or labels["none"],
                    "residents": residents_text(building, labels),
                    "count": building.get("residentMemberCount", 0),
                    "state": building["coverageState"],
                    "colour": COLOURS[building["coverageState"]],
                },
            }
        )
    return features


def _add_zones(fmap: folium.Map, features: list[dict[str, Any]], labels: dict[str, str]) -> Any:
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=labels["zones"],
        style_function=lambda f: {
            "color": f["properties"]["colour"],
            "fillColor": f["properties"]["colour"],
            "fillOpacity": 0.12,
            "weight": 2,
            "dashArray": f["properties"]["dash"],
        },
        tooltip=TextTooltip(fields=["name", "org"], aliases=[labels["zone"], labels["branch"]]),
        popup=TextPopup(fields=["name", "org"], aliases=[labels["zone"], labels["branch"]]),
    )
    layer.add_to(fmap)
    labelled = [f for f in features if f["geometry"]]
    shapes = [shapely.geometry.shape(f["geometry"]) for f in labelled]
    zone_labels(
        fmap,
        labels["zone_labels"],
        [
            (shape.representative_point(), f["properties"]["name"], shape.area)
            for f, shape in zip(labelled, shapes, strict=True)
        ],
    )
    return layer


def zone_labels(
    fmap: folium.Map, name: str, points: list[tuple[shapely.Point, str, float]]
) -> folium.FeatureGroup:
    """Zone names at their points (lon/lat), thinned on screen by the page script
    (static/maps/zone-labels.js): larger zones (`priority`: area) keep theirs first.
    `window.__pgZoneLabels` is the script's controller."""
    names = folium.FeatureGroup(name=name)
    for point, text, priority in points:
        folium.Marker(
            [point.y, point.x],
            icon=folium.DivIcon(
                html=f"<span>{html.escape(text)}</span>",
                class_name="zone-label",
                icon_size=(120, 16),
                icon_anchor=(60, 8),
            ),
            interactive=False,
            priority=priority,
        ).add_to(names)
    names.add_to(fmap)
    fmap.add_child(
        Script(
            f"window.__pgZoneLabels = PartyGridLabels.thin({fmap.get_name()}, {names.get_name()});"
        )
    )
    return names


def _add_buildings(
    fmap: folium.Map, features: list[dict[str, Any]], labels: dict[str, str], lang: str | None
) -> Any:
    fields = ["name", "zone", "branch", "group", "residents"]
    aliases = [
        labels["buildings"],
        labels["zone"],
        labels["branch"],
        labels["group"],
        labels["residents"],
    ]
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=labels["buildings"],
        style_function=lambda f: {
            "color": f["properties"]["colour"],
            "fillColor": f["properties"]["colour"],
            "fill": True,
            "fillOpacity": 0.8,
            "weight": 1,
        },
        marker=folium.CircleMarker(radius=4),
        tooltip=TextTooltip(fields=fields[:4], aliases=aliases[:4]),
        popup=TextPopup(fields=["address", *fields], aliases=[labels["address"], *aliases]),
    )
    layer.add_to(fmap)
    fmap.add_child(
        Script(
            _NAMES_ON_OPEN
            % {
                "layer": layer.get_name(),
                "lang": js("en" if lang == "en" else "zh"),
                "label": js(labels["residents"]),
            }
        )
    )
    return layer


def community_map(
    community: dict[str, Any],
    coverage: dict[str, Any],
    *,
    lang: str | None,
    static: str,
    basemap: BasemapSettings,
    links: list[tuple[str, str]] | None = None,
) -> folium.Map:
    """One community: boundary, zones coloured by grid branch and labelled, buildings by
    coverage state, a legend, the figures and a layer control. `links`: (label, URL) pairs
    shown in the panel (escaped)."""
    labels = labels_for(lang)
    to_display = display_transform(basemap)
    zones = community["zones"]
    zone_features = _zone_features(zones, labels)
    building_features = _building_features(community, labels)
    shapes = to_display(
        [community.get("boundary")]
        + [f["geometry"] for f in zone_features]
        + [f["geometry"] for f in building_features]
    )
    boundary = shapes[0]
    for feature, geometry in zip(zone_features + building_features, shapes[1:], strict=True):
        feature["geometry"] = geometry
    fmap = offline_map(
        bounds_of([boundary, *shapes[1 : 1 + len(zones)]]),
        static,
        prefer_canvas=True,
        region=community["code"],
        lang=lang,
    )
    add_basemap(fmap, basemap, lang=lang)
    if boundary:
        folium.GeoJson(
            boundary,
            name=labels["boundary"],
            style_function=lambda _f: {"color": "#1565c0", "weight": 3, "fill": False},
        ).add_to(fmap)
    zones_layer = _add_zones(fmap, zone_features, labels)
    buildings_layer = _add_buildings(fmap, building_features, labels, lang)
    folium.LayerControl(collapsed=False).add_to(fmap)
    expose_map(fmap, {"zones": zones_layer.get_name(), "buildings": buildings_layer.get_name()})

    org = community.get("organization")
    title = f"{community['name']} · {org['name'] if org else labels['none']}"
    legend = building_legend(labels) + zone_legend(labels)
    # Empty is a state (a new community, or right after a buildings-only import): say so.
    empty = [
        labels[k]
        for k, none in (("no_zones", not zones), ("no_buildings", not building_features))
        if none
    ]
    figures = panel(title, summary_lines(coverage, labels), legend, note=" · ".join(empty))
    page_of(fmap).html.add_child(figures)
    if links:
        anchors = " · ".join(
            f"<a href='{html.escape(url)}'>{html.escape(text)}</a>" for text, url in links
        )
        page_of(fmap).html.add_child(
            folium.Element(
                "<div id='coverage-links' style='position:fixed;bottom:22px;right:10px;"
                f"z-index:1000;background:#fff;padding:2px 8px;font:12px sans-serif'>{anchors}</div>"
            )
        )
    page_of(fmap).header.add_child(folium.Element(f"<title>{html.escape(title)}</title>"))
    return fmap
