"""Buildings: walled compounds (院) of rotated rectangles placed inside a zone or strip."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from infra.demo.generator.geometry import m_to_deg, sample_points, to_lonlat

_SETBACK_M = 8.0  # compounds keep clear of a zone's edge, so no building straddles two zones


_WALL_M = 4.0  # margin between a compound's wall and its outer buildings


_MAX_ATTEMPTS = 300  # compound placements tried per zone before giving up on its quota


@dataclass(frozen=True)
class _BuildingType:
    width: tuple[float, float]  # metres, along a row
    depth: tuple[float, float]  # metres, across a row (>= 16.5 so a 8% shrink stays >= 15)
    gap_w: tuple[float, float]  # between neighbours in a row
    gap_d: tuple[float, float]  # between rows (sunlight spacing)
    households: tuple[int, int]
    max_cols: int
    max_rows: int


_TOWER = _BuildingType((18, 28), (18, 28), (18, 30), (22, 36), (48, 120), 4, 4)


_SLAB = _BuildingType((40, 60), (16.5, 20), (10, 18), (20, 32), (24, 96), 3, 6)


_LOWRISE = _BuildingType((24, 42), (16.5, 19), (6, 12), (12, 18), (12, 36), 3, 5)


_TYPES = (_TOWER, _SLAB, _LOWRISE)


URBAN_MIX = (0.30, 0.45, 0.25)


TOWNSHIP_MIX = (0.10, 0.30, 0.60)  # the township is mostly low-rise resettlement housing


_UNIT_SQUARE = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])


@dataclass(frozen=True)
class _Layout:
    """A compound in local metres around its centre: its wall and its buildings."""

    outline_m: np.ndarray  # (5, 2)
    footprints_m: np.ndarray  # (n, 5, 2)
    households: np.ndarray  # (n,)


@dataclass(frozen=True)
class Compound:
    footprints: np.ndarray  # n shapely Polygons, lon/lat
    households: np.ndarray


def _layout(
    rng: np.random.Generator, mix: tuple[float, ...], remaining: int, shrink: float
) -> _Layout:
    kind = _TYPES[rng.choice(len(_TYPES), p=mix)]
    # Later attempts try smaller compounds, to fill the odd corners big ones miss.
    max_cols = max(1, round(kind.max_cols * (1 - shrink)))
    max_rows = max(1, round(kind.max_rows * (1 - shrink)))
    cols = int(rng.integers(1, max_cols + 1))
    rows = min(int(rng.integers(1, max_rows + 1)), math.ceil(remaining / cols))
    n = min(rows * cols, remaining)
    width, depth = rng.uniform(*kind.width), rng.uniform(*kind.depth)
    cell_w = width + rng.uniform(*kind.gap_w)
    cell_d = depth + rng.uniform(*kind.gap_d)

    index = np.arange(n)
    centres = np.stack(
        [(index % cols + 0.5 - cols / 2) * cell_w, (index // cols + 0.5 - rows / 2) * cell_d],
        axis=-1,
    )
    sizes = np.stack([width * rng.uniform(0.9, 1.0, n), depth * rng.uniform(0.92, 1.0, n)], -1)
    footprints = centres[:, None, :] + _UNIT_SQUARE[None, :, :] * sizes[:, None, :]
    wall = np.array([cols * cell_w + 2 * _WALL_M, rows * cell_d + 2 * _WALL_M])
    households = rng.integers(kind.households[0], kind.households[1] + 1, n)
    return _Layout(_UNIT_SQUARE * wall, footprints, households)


def place_compounds(
    rng: np.random.Generator,
    region: BaseGeometry,
    quota: int,
    angle: float,
    mix: tuple[float, ...],
) -> list[Compound]:
    """Walled compounds holding quota buildings, inside region and clear of each other."""
    inner = region.buffer(-m_to_deg(_SETBACK_M), join_style="mitre")
    if quota <= 0 or inner.is_empty:
        return []
    shapely.prepare(inner)
    centres = sample_points(rng, inner, _MAX_ATTEMPTS)
    walls: list[Polygon] = []
    compounds: list[Compound] = []
    remaining = quota
    for attempt, centre in enumerate(centres):
        if remaining <= 0:
            break
        layout = _layout(rng, mix, remaining, attempt / _MAX_ATTEMPTS)
        theta = angle + rng.normal(0.0, 0.06)  # compounds roughly follow the street grid
        wall = Polygon(to_lonlat(layout.outline_m, centre, theta))
        if not inner.contains(wall) or (walls and shapely.intersects(walls, wall).any()):
            continue
        walls.append(wall)
        # An array of polygons (the stubs also allow one Polygon, for one ring).
        footprints = np.asarray(shapely.polygons(to_lonlat(layout.footprints_m, centre, theta)))
        compounds.append(Compound(footprints, layout.households))
        remaining -= len(footprints)
    return compounds
