"""A community's coverage map laid out for paper: monthly supervision meetings (月督查).

The page is the community map sized to the printable area of one landscape sheet (A4 or A3,
8 mm margins) with an `@page` rule, so a browser prints it to exactly one page (PDF or
paper); zoom and layer controls are hidden, the legend, figures and scale bar stay, and a
footer gives the title and the date the map was made.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Literal, cast

import folium

from gateway.maps.assets import page_of

Paper = Literal["A4", "A3"]
SHEETS_MM: dict[str, tuple[int, int]] = {"A4": (297, 210), "A3": (420, 297)}  # landscape
MARGIN_MM = 8
CSS_PX_PER_MM = 96 / 25.4


def paper(value: str | None) -> Paper | None:
    """The sheet asked for (`A4` when not said); None for anything else."""
    size = (value or "A4").upper()
    return cast(Paper, size) if size in SHEETS_MM else None


def printable_px(size: Paper) -> tuple[int, int]:
    """Width and height (CSS pixels) of the sheet's printable area, landscape."""
    width, height = SHEETS_MM[size]
    return (
        int((width - 2 * MARGIN_MM) * CSS_PX_PER_MM),
        int((height - 2 * MARGIN_MM) * CSS_PX_PER_MM),
    )


def print_view(
    fmap: folium.Map,
    *,
    size: Paper,
    title: str,
    labels: dict[str, str],
    made_on: dt.date,
) -> None:
    """Turn a community map into its printable page (in place)."""
    width, height = printable_px(size)
    css = f"""<style>
@page {{ size: {size} landscape; margin: {MARGIN_MM}mm; }}
html, body {{ width: {width}px !important; height: {height}px !important; margin: 0;
  overflow: hidden; -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
#coverage-links {{ display: none; }}
#print-footer {{ position: fixed; left: 50%; transform: translateX(-50%); bottom: 4px; z-index: 1000; background: #fff;
  padding: 2px 8px; font: 12px sans-serif; border-radius: 3px; box-shadow: 0 1px 3px #0003; }}
.leaflet-control-scale {{ margin-bottom: 8px !important; }}
@media print {{
  .leaflet-control-zoom, .leaflet-control-layers {{ display: none !important; }}
}}
</style>"""
    footer = (
        f"<div id='print-footer'>{html.escape(title)} · {html.escape(labels['print_title'])}"
        f" · {html.escape(labels['map_date'])} <time datetime='{made_on.isoformat()}'>"
        f"{made_on.isoformat()}</time> · {size}</div>"
    )
    page_of(fmap).header.add_child(folium.Element(css))
    page_of(fmap).html.add_child(folium.Element(footer))
