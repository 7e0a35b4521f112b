"""Coverage maps as folium pages that need no internet.

Leaflet comes from the gateway's own /static (pinned copy with its licence), set on each map
instance: folium's class-level default_js/default_css lists are shared by every map and
point at CDNs. Base tiles are off: the grid itself is the map.
"""

from __future__ import annotations

import html
import itertools
from typing import Any

import folium
import shapely
from branca.element import Element

from gateway.maps.coverage import COLOURS, LABEL_KEYS, STATES, summary_lines
from gateway.maps.labels import labels_for

ZONE_PALETTE = ("#1e88e5", "#8e24aa", "#fb8c00", "#00897b", "#6d4c41", "#3949ab", "#c0ca33")
NO_ORG_ZONE = "#ff7043"


def _offline_map(bounds: tuple[float, float, float, float], static: str) -> folium.Map:
    minx, miny, maxx, maxy = bounds
    fmap = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        tiles=None,
        control_scale=True,
        prefer_canvas=True,
    )
    fmap.default_js = [("leaflet", f"{static}/leaflet/leaflet.js")]
    fmap.default_css = [("leaflet_css", f"{static}/leaflet/leaflet.css")]
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap


def _bounds(geometries: list[dict[str, Any]]) -> tuple[float, float, float, float]:
    shapes = [shapely.geometry.shape(g) for g in geometries if g]
    if not shapes:
        return (113.66, 34.70, 113.76, 34.77)  # nothing mapped yet: the demo district's box
    return tuple(shapely.total_bounds(shapes))  # type: ignore[return-value]


def _panel(title: str, lines: list[tuple[str, str]], legend: list[tuple[str, str]]) -> Element:
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td style='text-align:right'><b>{html.escape(v)}</b></td></tr>"
        for k, v in lines
    )
    keys = "".join(
        f"<div><span style='display:inline-block;width:12px;height:12px;background:{c};"
        f"margin-right:6px'></span>{html.escape(label)}</div>"
        for c, label in legend
    )
    return Element(
        "<div id='coverage-panel' style='position:fixed;top:10px;left:50px;z-index:1000;"
        "background:#fff;padding:8px 12px;border-radius:4px;box-shadow:0 1px 4px #0004;"
        f"font:13px sans-serif'><div style='font-weight:bold;margin-bottom:4px'>"
        f"{html.escape(title)}</div><table>{rows}</table>"
        f"<div id='coverage-legend' style='margin-top:6px'>{keys}</div></div>"
    )


def community_map(
    community: dict[str, Any], coverage: dict[str, Any], *, lang: str | None, static: str
) -> str:
    """One community: boundary, zones coloured by grid branch, buildings by coverage state."""
    labels = labels_for(lang)
    rows = [(b, zone) for zone in community["zones"] for b in zone["buildings"]]
    rows += [(b, None) for b in community["orphanBuildings"]]
    fmap = _offline_map(
        _bounds([community.get("boundary")] + [z["boundary"] for z in community["zones"]]),
        static,
    )
    if community.get("boundary"):
        folium.GeoJson(
            community["boundary"],
            name=labels["boundary"],
            style_function=lambda _f: {"color": "#1565c0", "weight": 3, "fill": False},
        ).add_to(fmap)

    palette = itertools.cycle(ZONE_PALETTE)
    zone_features = []
    for zone in community["zones"]:
        org = zone.get("organization")
        zone_features.append(
            {
                "type": "Feature",
                "geometry": zone["boundary"],
                "properties": {
                    "name": zone["name"],
                    "org": org["name"] if org else labels["none"],
                    "colour": next(palette) if org else NO_ORG_ZONE,
                    "dash": None if org else "6 4",
                },
            }
        )
    folium.GeoJson(
        {"type": "FeatureCollection", "features": zone_features},
        name=labels["zones"],
        style_function=lambda f: {
            "color": f["properties"]["colour"],
            "fillColor": f["properties"]["colour"],
            "fillOpacity": 0.12,
            "weight": 2,
            "dashArray": f["properties"]["dash"],
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "org"], aliases=[labels["zone"], labels["branch"]]
        ),
    ).add_to(fmap)

    building_features = [
        {
            "type": "Feature",
            "geometry": b["footprint"],
            "properties": {
                "name": b["name"],
                "address": b.get("address", ""),
                "zone": zone["name"] if zone else labels["none"],
                "group": (b.get("partyGroup") or {}).get("name") or labels["none"],
                "residents": b.get("residentMemberCount", 0),
                "state": b["coverageState"],
                "colour": COLOURS[b["coverageState"]],
            },
        }
        for b, zone in rows
    ]
    fields = ["name", "zone", "group", "residents"]
    aliases = [labels["buildings"], labels["zone"], labels["group"], labels["residents"]]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": building_features},
        name=labels["buildings"],
        style_function=lambda f: {
            "color": f["properties"]["colour"],
            "fillColor": f["properties"]["colour"],
            "fillOpacity": 0.8,
            "weight": 1,
        },
        marker=folium.CircleMarker(radius=4),
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases),
        popup=folium.GeoJsonPopup(fields=["address", *fields], aliases=["", *aliases]),
    ).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)

    org = community.get("organization")
    title = f"{community['name']} · {org['name'] if org else labels['none']}"
    legend = [(COLOURS[s], labels[LABEL_KEYS[s]]) for s in STATES]
    fmap.get_root().html.add_child(_panel(title, summary_lines(coverage, labels), legend))
    fmap.get_root().header.add_child(Element(f"<title>{html.escape(labels['title'])}</title>"))
    return fmap.get_root().render()


def district_map(
    communities: list[dict[str, Any]],
    coverage: dict[str, Any] | None,
    *,
    lang: str | None,
    static: str,
    base: str,
) -> str:
    """Every community in scope, coloured by its share of covered buildings."""
    labels = labels_for(lang)
    fmap = _offline_map(_bounds([c.get("boundary") for c in communities]), static)
    figures = {c["code"]: c for c in (coverage or {}).get("communities", [])}
    features = []
    for community in communities:
        summary = figures.get(community["code"])
        if not community.get("boundary") or summary is None:
            continue
        percent = summary["percent"] if summary["percent"] is not None else 100.0
        gaps = summary["gapCounts"]
        link = f"{base}/{community['code']}" + ("?lang=en" if lang == "en" else "")
        features.append(
            {
                "type": "Feature",
                "geometry": community["boundary"],
                "properties": {
                    "name": community["name"],
                    "coverage": f"{percent:.1f}%",
                    "gaps": gaps["buildingWithMembers"] + gaps["building"] + gaps["orphan"],
                    "link": f"<a href='{html.escape(link)}'>{html.escape(labels['open'])}</a>",
                    "colour": _ramp(percent),
                },
            }
        )
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=labels["communities"],
        style_function=lambda f: {
            "color": "#37474f",
            "weight": 1,
            "fillColor": f["properties"]["colour"],
            "fillOpacity": 0.55,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "coverage", "gaps"],
            aliases=[labels["community"], labels["coverage"], labels["gaps"]],
        ),
        popup=folium.GeoJsonPopup(fields=["name", "link"], aliases=["", ""]),
    ).add_to(fmap)
    legend = [
        (_ramp(p), label) for p, label in ((100, "≥99.5%"), (95, "≥95%"), (90, "≥90%"), (0, "<90%"))
    ]
    lines = summary_lines(coverage, labels) if coverage else []
    fmap.get_root().html.add_child(_panel(labels["district_title"], lines, legend))
    fmap.get_root().header.add_child(
        Element(f"<title>{html.escape(labels['district_title'])}</title>")
    )
    return fmap.get_root().render()


def _ramp(percent: float) -> str:
    """Green when (nearly) fully covered, through amber to red."""
    if percent >= 99.5:
        return "#2e7d32"
    if percent >= 95:
        return "#9ccc65"
    if percent >= 90:
        return "#ffb300"
    return "#e53935"
