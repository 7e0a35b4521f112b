"""The panel over every coverage map: title, figures, gap counts and the legend."""

from __future__ import annotations

import html

from branca.element import Element

from gateway.maps.coverage import COLOURS, LABEL_KEYS, STATES

NO_ORG_ZONE = "#ff7043"
ZONE_PALETTE = ("#1e88e5", "#8e24aa", "#fb8c00", "#00897b", "#6d4c41", "#3949ab", "#c0ca33")

_STYLE = """<style>
#coverage-panel{position:fixed;top:10px;left:50px;z-index:1000;background:#fff;
 padding:8px 12px;border-radius:4px;box-shadow:0 1px 4px #0004;font:13px sans-serif;
 max-width:22rem}
#coverage-panel .title{font-weight:bold;margin-bottom:4px}
#coverage-panel td.v{text-align:right;font-weight:bold;padding-left:8px}
#coverage-legend{margin-top:6px}
#coverage-legend .key{display:inline-block;width:12px;height:12px;margin-right:6px;
 vertical-align:-1px}
#coverage-panel .note{color:#555;margin-top:4px;font-size:12px}
.zone-label{background:none;border:none;box-shadow:none;font:bold 12px sans-serif;
 color:#263238;text-shadow:0 0 3px #fff,0 0 3px #fff}
.zone-label::before{display:none}
</style>"""


def building_legend(labels: dict[str, str]) -> list[tuple[str, str, str]]:
    """(colour, label, css border) for each building state, most covered first."""
    return [(COLOURS[s], labels[LABEL_KEYS[s]], "none") for s in STATES]


def zone_legend(labels: dict[str, str]) -> list[tuple[str, str, str]]:
    """A zone with a grid branch (one colour per branch) and one without (dashed)."""
    return [
        ("transparent", f"{labels['zones']} · {labels['branch']}", f"2px solid {ZONE_PALETTE[0]}"),
        ("transparent", labels["zone_without_org"], f"2px dashed {NO_ORG_ZONE}"),
    ]


def panel(
    title: str,
    lines: list[tuple[str, str]],
    legend: list[tuple[str, str, str]],
    *,
    note: str = "",
) -> Element:
    """The panel's HTML (escaped here): figures as a table, then the legend."""
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td class='v'>{html.escape(v)}</td></tr>" for k, v in lines
    )
    keys = "".join(
        f"<div><span class='key' style='background:{colour};border:{border}'></span>"
        f"{html.escape(label)}</div>"
        for colour, label, border in legend
    )
    extra = f"<div class='note'>{html.escape(note)}</div>" if note else ""
    return Element(
        f"{_STYLE}<div id='coverage-panel'><div class='title'>{html.escape(title)}</div>"
        f"<table id='coverage-figures'>{rows}</table>"
        f"<div id='coverage-legend'>{keys}</div>{extra}</div>"
    )
