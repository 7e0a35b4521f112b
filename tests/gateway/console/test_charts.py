"""The console's charts: geometry from gateway.console.charts, drawn as inline SVG by the
roll-up's template macros; every label (a street's or grade's name is data) escaped, the
SVG well-formed and named for screen readers."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from gateway.console import charts
from gateway.console.templating import ENV

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '</text><script>alert(1)</script>"><img src=x onerror=alert(2)>&amp;'


def _draw(macro: str, chart: object, **extra: object) -> ET.Element:
    module = ENV.get_template("rollup/charts.html").make_module({"lang": "zh"})
    markup = str(getattr(module, macro)(chart, "c1", **extra))
    # The chart is the first element; a legend may follow it.
    svg = markup[: markup.index("</svg>") + len("</svg>")]
    return ET.fromstring(svg)


def test_bars_scale_to_the_maximum_and_keep_their_order() -> None:
    chart = charts.bar_chart("t", "d", [("甲", 50.0), ("乙", 100.0), ("丙", None)], maximum=100)
    room = charts.WIDTH - charts.LABEL_WIDTH - charts.VALUE_WIDTH
    assert [b.label for b in chart.bars] == ["甲", "乙", "丙"]
    assert [b.width for b in chart.bars] == [room / 2, room, 0.0]
    assert [b.text for b in chart.bars] == ["50", "100", "—"]
    assert chart.bars[0].y < chart.bars[1].y < chart.bars[2].y


@pytest.mark.parametrize(
    ("value", "ceiling"), [(0, 1), (0.7, 1), (3, 5), (7, 10), (12, 20), (23, 25), (100, 100)]
)
def test_axis_ceiling_is_a_round_number_at_or_above(value: float, ceiling: float) -> None:
    assert charts.nice_ceiling(value) == ceiling


def test_line_points_rise_with_their_values_and_skip_missing_ones() -> None:
    chart = charts.line_chart(
        "t", "d", ["2019-01", "2019-02", "2019-03"], [("a", [10.0, None, 90.0])], maximum=100
    )
    (line,) = chart.series
    assert [p.label for p in line.points] == ["2019-01", "2019-03"]
    assert line.points[0].x < line.points[1].x
    assert line.points[0].y > line.points[1].y  # SVG y grows downwards
    assert (
        line.path == f"{line.points[0].x},{line.points[0].y} {line.points[1].x},{line.points[1].y}"
    )


def test_a_bar_chart_escapes_every_label_and_names_itself() -> None:
    chart = charts.bar_chart(HOSTILE, HOSTILE, [(HOSTILE, 3.0), ("乙", 5.0)])
    svg = _draw("bar_chart", chart)  # well-formed: nothing broke out of its element
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.find(f"{SVG}title").text == HOSTILE
    assert svg.find(f"{SVG}desc").text == HOSTILE
    labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-label"]
    assert labels == [HOSTILE, "乙"]
    assert not [e for e in svg.iter() if e.tag in (f"{SVG}script", f"{SVG}img", "script", "img")]
    assert all(not name.startswith("on") for e in svg.iter() for name in e.attrib)


def test_a_line_chart_escapes_series_and_month_labels() -> None:
    chart = charts.line_chart(
        "t", "d", [HOSTILE, "2019-02"], [(HOSTILE, [1.0, 2.0]), ("b", [2.0, 1.0])]
    )
    svg = _draw("line_chart", chart)
    ticks = [t.text for t in svg.iter(f"{SVG}text")]
    assert HOSTILE in ticks
    tips = [t.text for t in svg.iter(f"{SVG}title")]
    assert any(tip.startswith(HOSTILE) for tip in tips)
    assert not [e for e in svg.iter() if e.tag in (f"{SVG}script", "script")]
