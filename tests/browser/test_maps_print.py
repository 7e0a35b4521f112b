"""The printable community map: Chromium prints it to one landscape A4 (or A3) page, and a
PNG of it is what the page shows. Both are saved as artifacts."""

from __future__ import annotations

import datetime as dt
import re
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from browser_pages import Visit
from map_expectations import expected_counts, figure

from gateway.maps.printing import SHEETS_MM, Paper, printable_px
from infra.demo.model import Demo

POINTS_PER_MM = 72 / 25.4


def _media_boxes(pdf: bytes) -> list[tuple[float, float]]:
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([0-9.]+)\s+([0-9.]+)\s*\]", pdf)
    return [(float(w), float(h)) for w, h in boxes]


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


@pytest.mark.parametrize("size", ["A4", "A3"])
def test_a_community_map_prints_to_one_landscape_page(
    visit: Callable[..., Visit], demo: Demo, screenshots: Path, size: Paper
) -> None:
    code = demo.communities[0].code
    width, height = printable_px(size)
    seen = visit(f"/maps/coverage/{code}/print?size={size}", width=width, height=height)
    page = seen.page
    footer = page.locator("#print-footer").inner_text()
    assert dt.date.today().isoformat() in footer
    assert figure(expected_counts(demo, code)) in page.locator("#coverage-figures").inner_text()
    assert page.locator("#coverage-legend > div").count() == 6
    assert page.locator(".leaflet-control-scale").is_visible()

    page.emulate_media(media="print")
    assert not page.locator(".leaflet-control-zoom").is_visible()
    assert not page.locator(".leaflet-control-layers").is_visible()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (screenshots / f"coverage-print-{code}-{size}.pdf").write_bytes(pdf)
    boxes = _media_boxes(pdf)
    assert len(boxes) == 1, "more than one page"
    sheet_w, sheet_h = (mm * POINTS_PER_MM for mm in SHEETS_MM[size])
    assert abs(boxes[0][0] - sheet_w) < 2 and abs(boxes[0][1] - sheet_h) < 2, boxes
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1

    png = page.screenshot(path=screenshots / f"coverage-print-{code}-{size}.png")
    assert _png_size(png) == (width, height)
    assert seen.external_requests() == []
    assert seen.errors == []
