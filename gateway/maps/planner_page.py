"""The planner page as a folium map with Leaflet.draw, served with no internet.

Python lays out the page (map, Draw toolbar on an editable zones group, the side panel) and
hands the page script (static/planner/planner.js and its parts) the map, the group and its labels; the
script loads the community from `/state` and sends each edit to the JSON routes. Assets are
set per instance: folium's class-level default_js/default_css lists are shared by every map
and point at CDNs.
"""

from __future__ import annotations

import html
from typing import Any

import folium
from branca.element import Element
from folium.plugins import Draw

from gateway.maps.assets import Script, js, offline_map, page_of, render_page
from gateway.maps.planner_labels import planner_labels
from gateway.maps.render import bounds_of

# The page's scripts under static/planner/, in load order: Leaflet.draw's Chinese texts, the
# core, then its parts.
PARTS = (
    "draw_zh",
    "planner",
    "diff",
    "orgs",
    "brush",
    "snap",
    "merge",
    "history",
    "figures",
    "zones_table",
    "gaps",
    "zone_labels",
)

# Only what the page needs: polygons (new zone, or a lasso), lines (split); edit and delete.
DRAW_OPTIONS = {
    "polyline": {"shapeOptions": {"color": "#d81b60", "weight": 3}},
    "polygon": {"allowIntersection": True, "showArea": False},
    "rectangle": False,
    "circle": False,
    "marker": False,
    "circlemarker": False,
}


# --- Party groups and branches, and the paint brush (orgs.js, brush.js) -------------------
def _picker(select_id: str, placeholder: str) -> str:
    """A searchable, sorted list (orgs.js fills and filters it): a search box over a list box,
    both keyboard-usable (arrow keys in the box move into the list)."""
    e = html.escape
    return (
        f'<input type="search" id="{select_id}-search" class="picker-search" '
        f'placeholder="{e(placeholder)}" aria-controls="{select_id}" autocomplete="off">'
        f'<select id="{select_id}" class="picker" size="8"></select>'
        f'<p id="{select_id}-count" class="hint picker-count"></p>'
    )


def _orgs_panel(t: dict[str, str]) -> str:
    e = html.escape
    return f"""<section id="planner-zone-branch"><h2 id="planner-zone-branch-title">{e(t["zone_branch"])}</h2>
<label for="planner-branch-zone">{e(t["zone_pick"])}</label>
<select id="planner-branch-zone"></select>
<p class="hint">{e(t["zone_current"])}: <b id="planner-branch-current">{e(t["none"])}</b></p>
{_picker("planner-branch", t["search_branches"])}
<button type="button" id="planner-branch-preview">{e(t["zone_branch_preview"])}</button></section>
<section id="planner-create-org"><h2>{e(t["create_org"])}</h2>
<p id="planner-create-org-note" class="hint" hidden>{e(t["create_org_note"])}</p>
<div id="planner-create-org-form" hidden>
<label>{e(t["create_org_kind"])} <select id="planner-create-org-kind"></select></label>
<label>{e(t["create_org_name"])} <input id="planner-create-org-name"></label>
<label>{e(t["create_org_parent"])} <select id="planner-create-org-parent"></select></label>
<button type="button" id="planner-create-org-button">{e(t["create_org_button"])}</button>
</div></section>"""


def _brush_panel(t: dict[str, str]) -> str:
    e = html.escape
    tools = "".join(
        f'<label><input type="radio" name="planner-brush" value="{value}"'
        f"{' checked' if value == 'off' else ''}> {e(t[key])}</label>"
        for value, key in (("off", "brush_off"), ("paint", "brush_paint"), ("erase", "brush_erase"))
    )
    return f"""<div id="planner-brush"><h2>{e(t["brush"])}</h2>{tools}
<p class="hint">{e(t["brush_hint"])}</p>
<p>{e(t["brush_painted"])}: <b id="planner-brush-count">0</b></p></div>"""


def _panel(title: str, t: dict[str, str]) -> Element:
    e = html.escape
    return Element(
        f"""<aside id="planner-panel" aria-label="{e(t["title"])}">
<h1 id="planner-title">{e(title)}</h1>
<section><h2>{e(t["coverage"])}</h2><table id="planner-coverage"></table>
<p id="planner-changes"></p></section>
<section><h2>{e(t["mode"])}</h2>
<label><input type="radio" name="planner-mode" value="zones" checked> {e(t["mode_zones"])}</label>
<label><input type="radio" name="planner-mode" value="groups"> {e(t["mode_groups"])}</label>
<label><input type="radio" name="planner-mode" value="merge"> {e(t["mode_merge"])}</label>
<p id="planner-hint" class="hint">{e(t["hint_zones"])}</p>
<p id="planner-zone-fields"><label>{e(t["new_zone_name"])}
<input id="planner-zone-name" value="{e(t["new_zone"])}"></label></p>
<section id="planner-snap"><p id="planner-snap-hint" class="hint">{e(t["snap_hint"])}</p></section>
<div id="planner-group-fields" hidden><label for="planner-group">{e(t["group"])}</label>
{_picker("planner-group", t["search_groups"])}
<p>{e(t["selected"])}: <b id="planner-selected">0</b></p>
<button type="button" id="planner-preview">{e(t["preview"])}</button>
{_brush_panel(t)}</div>
<div id="planner-merge-fields" hidden>
<p>{e(t["merge_selected"])}: <b id="planner-merge-selected">{e(t["none"])}</b></p>
<button type="button" id="planner-merge-preview">{e(t["merge_preview"])}</button></div></section>
<section id="planner-live"><h2>{e(t["fig_live"])}</h2>
<p id="planner-live-what" class="hint">{e(t["fig_live_hint"])}</p>
<table id="planner-live-figures" hidden></table></section>
<div id="planner-message" role="alert" aria-live="polite"></div>
<section id="planner-merge-confirm" hidden><p class="hint">{e(t["merge_confirm_hint"])}</p>
<button type="button" id="planner-merge-multi">{e(t["merge_confirm"])}</button></section>
<section id="planner-conflict" hidden><h2>{e(t["conflict_changes"])}</h2>
<ul id="planner-conflict-changes"></ul>
<button type="button" id="planner-reapply" disabled>{e(t["conflict_reapply"])}</button></section>
<section id="planner-diff" hidden></section>
<p class="buttons"><button type="button" id="planner-commit" disabled>{e(t["commit"])}</button>
<button type="button" id="planner-discard" disabled>{e(t["discard"])}</button>
<button type="button" id="planner-undo">{e(t["undo"])}</button></p>
{_orgs_panel(t)}
<section id="planner-history"><h2>{e(t["history"])}</h2>
<p class="buttons"><button type="button" id="planner-history-undo" disabled>
{e(t["history_undo"])}</button>
<button type="button" id="planner-history-redo" disabled>{e(t["history_redo"])}</button></p>
<ol id="planner-history-list" reversed></ol></section>
<section id="planner-zones"><h2>{e(t["fig_zones"])}</h2><table id="planner-zones-table"></table>
</section>
<section id="planner-gaps"><h2>{e(t["fig_gaps"])}<span id="planner-gaps-count"></span></h2>
<button type="button" id="planner-gaps-next">{e(t["fig_gaps_next"])}</button>
<p id="planner-gaps-none" class="hint" hidden>{e(t["fig_gaps_none"])}</p>
<ol id="planner-gaps-list"></ol><p id="planner-gaps-more" class="hint" hidden></p></section>
</aside>"""
    )


def planner_map(
    community: dict[str, Any], *, lang: str | None, static: str, base: str, script_nonce: str
) -> str:
    """The page for one community; its data comes from `<base>/<code>/state` at load.
    `script_nonce`: the response's CSP nonce for the page's inline scripts."""
    t = planner_labels(lang)
    # SVG paths, not a canvas: each building and vertex takes its own clicks.
    fmap = offline_map(
        bounds_of([community.get("boundary")]),
        static,
        prefer_canvas=False,
        region=community["code"],
        page="planner",
        lang=lang,
    )
    zones = folium.FeatureGroup(name=t["zone"], control=False).add_to(fmap)
    draw = Draw(
        feature_group=zones,
        show_geometry_on_click=False,
        draw_options=DRAW_OPTIONS,
        edit_options={"edit": {"selectedPathOptions": {"maintainColor": True}}},
    )
    # The page script is a core (planner.js) and parts that register with it, in this order.
    draw.default_js = [
        ("leaflet_draw_js", f"{static}/leaflet-draw/leaflet.draw.js"),
        *((f"partygrid_planner_{part}", f"{static}/planner/{part}.js") for part in PARTS),
    ]
    draw.default_css = [
        ("leaflet_draw_css", f"{static}/leaflet-draw/leaflet.draw.css"),
        ("partygrid_planner_css", f"{static}/planner/planner.css"),
    ]
    # Leaflet.draw's own texts in the page's language, before its toolbar is built.
    fmap.add_child(Script(f"PartyGridPlanner.localize({js('en' if lang == 'en' else 'zh')});"))
    draw.add_to(fmap)
    code = community["code"]
    options = {
        "code": code,
        "endpoint": f"{base}/{code}",
        "lang": "en" if lang == "en" else "zh",
        "labels": t,
    }
    # The page script gets the map and the editable group by their folium names.
    fmap.add_child(
        Script(
            f"PartyGridPlanner.start({{map: {fmap.get_name()}, zones: {zones.get_name()}, "
            f"options: {js(options)}}});"
        )
    )
    root = page_of(fmap)
    root.html.add_child(_panel(f"{t['title']} · {community['name']}", t))
    root.header.add_child(Element(f"<title>{html.escape(t['title'])}</title>"))
    return render_page(fmap, script_nonce)
