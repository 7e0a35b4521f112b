"""Charts of the console's pages as geometry: bars and lines laid out on a fixed canvas.

The page draws them as inline SVG from a template (templates/charts.html), so every label
reaches the markup through Jinja's autoescape like any other value: nothing here builds
markup, and nothing is loaded from elsewhere. Each chart keeps its numbers as text too, for
the table the page shows beside it (print and screen readers).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH = 640
ROW = 26  # a bar's band (horizontal bar charts)
LABEL_WIDTH = 180  # room for the names left of the bars
VALUE_WIDTH = 70  # room for the value right of the longest bar
LINE_HEIGHT = 260
PAD = 36
BAR_COLOUR = "#b4232a"
# Line colours, in series order (fixed here: the CSP allows no style from data).
PALETTE = ("#b4232a", "#0a55b8", "#1a7f37", "#9a6700")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as shown
    y: float
    width: float


@dataclass(frozen=True)
class BarChart:
    title: str
    desc: str
    width: int
    height: int
    label_width: int
    row: int
    bars: list[Bar]


def nice_ceiling(value: float) -> float:
    """The axis maximum: the smallest 1, 2, 2.5 or 5 times a power of ten at or above
    `value` (1 when there is nothing to show)."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _text(value: float, unit: str) -> str:
    shown = f"{value:.1f}".removesuffix(".0")
    return f"{shown}{unit}"


def bar_chart(
    title: str,
    desc: str,
    items: Sequence[tuple[str, float | None]],
    *,
    unit: str = "",
    maximum: float | None = None,
) -> BarChart:
    """Horizontal bars, one per (label, value), in the order given; a missing value is
    drawn as an empty bar (and shown as "—")."""
    top = (
        maximum if maximum is not None else nice_ceiling(max((v or 0 for _, v in items), default=0))
    )
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for i, (label, value) in enumerate(items):
        width = 0.0 if value is None or top <= 0 else room * max(0.0, min(value, top)) / top
        bars.append(
            Bar(
                label=label,
                value=value if value is not None else 0.0,
                text="—" if value is None else _text(value, unit),
                y=float(i * ROW + 4),
                width=round(width, 1),
            )
        )
    return BarChart(title, desc, WIDTH, max(len(items), 1) * ROW + 8, LABEL_WIDTH, ROW, bars)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    text: str


@dataclass(frozen=True)
class Series:
    name: str
    colour: str  # one of PALETTE: presentation attributes, never a style from data
    points: list[Point]

    @property
    def path(self) -> str:
        """The polyline's `points` attribute (numbers only)."""
        return " ".join(f"{p.x},{p.y}" for p in self.points)


@dataclass(frozen=True)
class Tick:
    at: float
    text: str


@dataclass(frozen=True)
class LineChart:
    title: str
    desc: str
    width: int
    height: int
    left: int
    bottom: float
    series: list[Series]
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)


def line_chart(
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    unit: str = "",
    maximum: float | None = None,
) -> LineChart:
    """Lines over the x `labels` (months, say), one per (name, values); a missing value
    leaves its point out."""
    values = [v for _, vs in series for v in vs if v is not None]
    top = maximum if maximum is not None else nice_ceiling(max(values, default=0))
    left, right, top_pad = PAD + 12, PAD, 16
    bottom = LINE_HEIGHT - PAD
    span = WIDTH - left - right
    step = span / (len(labels) - 1) if len(labels) > 1 else 0.0

    def x_of(i: int) -> float:
        return round(left + (i * step if len(labels) > 1 else span / 2), 1)

    def y_of(v: float) -> float:
        return round(bottom - (bottom - top_pad) * max(0.0, min(v, top)) / top, 1)

    drawn = [
        Series(
            name,
            PALETTE[n % len(PALETTE)],
            [
                Point(x_of(i), y_of(v), labels[i], _text(v, unit))
                for i, v in enumerate(vs)
                if v is not None and i < len(labels)
            ],
        )
        for n, (name, vs) in enumerate(series)
    ]
    y_ticks = [Tick(y_of(top * k / 4), _text(top * k / 4, unit)) for k in range(5)]
    x_ticks = [Tick(x_of(i), label) for i, label in enumerate(labels)]
    return LineChart(title, desc, WIDTH, LINE_HEIGHT, left, bottom, drawn, x_ticks, y_ticks)
