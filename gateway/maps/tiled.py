"""Street-office and district coverage maps: zones and buildings drawn from vector tiles.

A district holds tens of thousands of buildings, too many to inline, so zones and buildings
come from the grid's Mapbox Vector Tiles through the gateway's /tiles (VectorGrid.Protobuf;
buildings from zoom 14, where grid starts putting them in tiles). What tiles do not carry
comes inline, and is small: community outlines coloured by their share of covered buildings
(linking to each community's page), zone labels and branch names, and the ids of buildings
whose gap is the worst kind (resident members, no group: tiles know only covered, gap and
orphan). A click on a building asks `/maps/buildings/<id>` for its popup.
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
    vector_grid,
)
from gateway.maps.basemaps import (
    BasemapSettings,
    add_basemap,
    display_transform,
    offset_grid,
)
from gateway.maps.coverage import COLOURS, LABEL_KEYS, percent_text, summary_lines
from gateway.maps.labels import labels_for
from gateway.maps.panel import NO_ORG_ZONE, building_legend, panel, zone_legend
from gateway.maps.render import bounds_of, branch_colours, zone_labels

# Grid's default PARTYGRID_GRID_TILES_BUILDINGS_MIN_ZOOM: below it building tiles are empty,
# so the page does not ask for them.
BUILDINGS_MIN_ZOOM = 14
PANE = "pgTiles"


def _ramp(percent: float) -> str:
    """Green when (nearly) fully covered, through amber to red."""
    if percent >= 99.5:
        return "#2e7d32"
    if percent >= 95:
        return "#9ccc65"
    if percent >= 90:
        return "#ffb300"
    return "#e53935"


RAMP = ((100, "≥99.5%"), (95, "≥95%"), (90, "≥90%"), (0, "<90%"))


def _community_features(
    communities: list[dict[str, Any]],
    coverage: dict[str, Any] | None,
    labels: dict[str, str],
    *,
    base: str,
    lang: str | None,
) -> list[dict[str, Any]]:
    figures = {c["code"]: c for c in (coverage or {}).get("communities", [])}
    features = []
    for community in communities:
        summary = figures.get(community["code"])
        if not community.get("boundary") or summary is None:
            continue
        percent = summary["percent"] if summary["percent"] is not None else 100.0
        states = summary["buildingStates"]
        link = f"{base}/{community['code']}" + ("?lang=en" if lang == "en" else "")
        name = (
            community["nameEn"] if lang == "en" and community.get("nameEn") else community["name"]
        )
        features.append(
            {
                "type": "Feature",
                "geometry": community["boundary"],
                "properties": {
                    "code": community["code"],
                    "name": name,
                    "coverage": f"{percent_text(summary)} ({summary['covered']}/{summary['buildings']})",
                    "gaps": states["gapWithMembers"] + states["gap"] + states["orphan"],
                    "link": {"href": link, "text": labels["open"]},
                    "colour": _ramp(percent),
                },
            }
        )
    return features


def _zone_info(communities: list[dict[str, Any]], labels: dict[str, str]) -> dict[str, Any]:
    """Per zone id: name, branch name, colour and a label point (lon, lat)."""
    info: dict[str, Any] = {}
    for community in communities:
        zones = community.get("zones") or []
        colours = branch_colours(zones)
        for zone in zones:
            org = zone.get("organization")
            shape = shapely.geometry.shape(zone["boundary"])
            point = shape.representative_point()
            info[zone["id"]] = {
                "name": zone["name"],
                "area": shape.area,
                "branch": org["name"] if org else labels["none"],
                "colour": colours[org["id"]] if org else NO_ORG_ZONE,
                "at": [point.x, point.y],
            }
    return info


def _tile_options(kind: str, *, svg: bool, min_zoom: int, interactive: bool) -> str:
    renderer = "L.svg.tile" if svg else "L.canvas.tile"
    return (
        "{"
        f"rendererFactory: {renderer}, interactive: {js(interactive)}, pane: {js(PANE)},"
        f" minZoom: {min_zoom}, maxZoom: 22,"
        " getFeatureId: function (f) { return f.properties.id; },"
        f" vectorTileLayerStyles: {{ {kind}: function (p, z) {{ return window.__pgStyle.{kind}(p, z); }} }}"
        "}"
    )


def region_map(  # noqa: PLR0913 -- the page's data, then keyword-only how it is drawn
    region: dict[str, Any],
    communities: list[dict[str, Any]],
    coverage: dict[str, Any] | None,
    worst: list[str],
    *,
    lang: str | None,
    static: str,
    base: str,
    basemap: BasemapSettings,
) -> folium.Map:
    """A street office or the district: communities by coverage, zones and buildings from
    tiles filtered to the region. `worst`: ids of buildings with members and no group."""
    labels = labels_for(lang)
    to_display = display_transform(basemap)
    features = _community_features(communities, coverage, labels, base=base, lang=lang)
    for feature, geometry in zip(
        features, to_display([f["geometry"] for f in features]), strict=True
    ):
        feature["geometry"] = geometry
    bounds = bounds_of([c.get("boundary") for c in communities])
    zones = _zone_info(communities, labels)
    if basemap.gcj02:
        points = to_display([{"type": "Point", "coordinates": z["at"]} for z in zones.values()])
        for zone, point in zip(zones.values(), points, strict=True):
            zone["at"] = list(point["coordinates"])
    fmap = offline_map(
        bounds_of([f["geometry"] for f in features]) if features else bounds,
        static,
        prefer_canvas=False,
        region=region["code"],
        lang=lang,
    )
    add_basemap(fmap, basemap, lang=lang)
    state_labels = {state: labels[key] for state, key in LABEL_KEYS.items()}
    config = {
        "pane": PANE,
        "colours": COLOURS,
        "stateLabels": state_labels,
        "worst": worst,
        "zones": zones,
        "offsets": offset_grid(basemap, bounds),
        "detail": f"{base.rsplit('/', 1)[0]}/buildings/",
        "lang": "en" if lang == "en" else "zh",
        "labels": {
            k: labels[k]
            for k in (
                "zone",
                "branch",
                "group",
                "residents",
                "address",
                "state",
                "loading",
                "load_failed",
                "buildings",
            )
        },
    }
    fmap.add_child(
        Script(f"window.__pgConfig = {js(config)};\nwindow.__pgSetUp({fmap.get_name()});")
    )
    communities_layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=labels["communities"],
        style_function=lambda f: {
            "color": "#37474f",
            "weight": 2,
            "fillColor": f["properties"]["colour"],
            "fillOpacity": 0.3,
        },
        tooltip=TextTooltip(
            fields=["name", "coverage", "gaps"],
            aliases=[labels["community"], labels["coverage"], labels["gaps"]],
        ),
        popup=TextPopup(fields=["name", "coverage", "link"], aliases=["", "", ""]),
    )
    communities_layer.add_to(fmap)
    scope = f"?community={region['code']}"
    zones_layer = vector_grid(
        f"/tiles/zones/{{z}}/{{x}}/{{y}}.pbf{scope}",
        labels["zones"],
        # Outlines only, and no hover or click: the community under a point answers it.
        _tile_options("zones", svg=basemap.gcj02, min_zoom=0, interactive=False),
        static,
    )
    zones_layer.add_to(fmap)
    buildings_layer = vector_grid(
        f"/tiles/buildings/{{z}}/{{x}}/{{y}}.pbf{scope}",
        labels["buildings"],
        _tile_options(
            "buildings", svg=basemap.gcj02, min_zoom=BUILDINGS_MIN_ZOOM, interactive=True
        ),
        static,
    )
    buildings_layer.add_to(fmap)
    names = zone_labels(
        fmap,
        labels["zone_labels"],
        [(shapely.Point(*zone["at"]), zone["name"], zone["area"]) for zone in zones.values()],
    )
    folium.LayerControl(collapsed=False).add_to(fmap)
    layers = {
        "communities": communities_layer.get_name(),
        "zones": zones_layer.get_name(),
        "buildings": buildings_layer.get_name(),
        "zoneLabels": names.get_name(),
    }
    expose_map(fmap, layers)
    fmap.add_child(Script("window.__pgWire();"))

    name = region["nameEn"] if lang == "en" else region["name"]
    title = f"{name} · {labels['district_title' if len(region['code']) == 6 else 'street_title']}"
    legend = (
        building_legend(labels)
        + zone_legend(labels)
        + [(_ramp(p), f"{labels['communities']} {text}", "none") for p, text in RAMP]
    )
    lines = summary_lines(coverage, labels) if coverage else []
    page_of(fmap).html.add_child(panel(title, lines, legend, note=labels["zoom_for_buildings"]))
    page_of(fmap).header.add_child(folium.Element(f"<title>{html.escape(title)}</title>"))
    return fmap
