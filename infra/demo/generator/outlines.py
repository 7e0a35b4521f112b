"""Community outlines (Voronoi cells in the district) and their zones and gap strips."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Polygon, box
from shapely.geometry.base import BaseGeometry

from infra.demo.generator.draws import STAGE_LAYOUT, stage_rng
from infra.demo.generator.geometry import (
    M_PER_DEG_LAT,
    M_PER_DEG_LON,
    largest,
    m_to_deg,
    sample_points,
)
from infra.demo.generator.places import DEMO_AREA, Place

_ROAD_M = 4.0  # roads between zones: zones never touch, so they can never overlap


_JITTER_DEG = 0.002  # how far the seed moves a community's nominal centre


def community_boundaries(seed: int, places: list[Place]) -> list[Polygon]:
    """Voronoi cells of the jittered community centres, clipped to the district outline."""
    rng = stage_rng(seed, STAGE_LAYOUT)
    anchors = np.array([p.anchor for p in places])
    points = anchors + rng.uniform(-_JITTER_DEG, _JITTER_DEG, anchors.shape)
    cells = shapely.voronoi_polygons(
        MultiPoint(points), extend_to=DEMO_AREA.envelope.buffer(0.05), ordered=True
    )
    return [largest(cell.intersection(DEMO_AREA)) for cell in cells.geoms]


def gap_strip(rng: np.random.Generator, boundary: Polygon) -> BaseGeometry:
    """A band along one side of the community holding a set share of its area (the zone gap)."""
    share = rng.uniform(0.12, 0.16)
    side = int(rng.integers(4))
    minx, miny, maxx, maxy = boundary.bounds

    def band(f: float) -> Polygon:
        w, h = (maxx - minx) * f, (maxy - miny) * f
        return (
            box(minx, miny, minx + w, maxy),
            box(maxx - w, miny, maxx, maxy),
            box(minx, miny, maxx, miny + h),
            box(minx, maxy - h, maxx, maxy),
        )[side]

    # Bisect the band's width: the area share, not the width, decides how many orphans fit.
    lo, hi = 0.0, 1.0
    for _ in range(20):
        mid = (lo + hi) / 2
        if boundary.intersection(band(mid)).area < share * boundary.area:
            lo = mid
        else:
            hi = mid
    return boundary.intersection(band(hi))


def _zone_centres(rng: np.random.Generator, points: np.ndarray, k: int) -> np.ndarray:
    """k-means (Lloyd) centres of points: compact, evenly sized zones."""
    scale = np.array([M_PER_DEG_LON, M_PER_DEG_LAT])  # cluster in metres, not degrees
    xy = points * scale
    centres = xy[rng.choice(len(xy), size=k, replace=False)].copy()
    for _ in range(10):
        label = ((xy[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        for j in range(k):
            if (label == j).any():
                centres[j] = xy[label == j].mean(axis=0)
    return centres / scale


def zone_shapes(rng: np.random.Generator, area: BaseGeometry) -> list[Polygon]:
    """3-6 zones tiling area, each shrunk by half a road so that siblings never touch."""
    k = int(rng.integers(3, 7))
    centres = _zone_centres(rng, sample_points(rng, area, 400), k)
    cells = shapely.voronoi_polygons(
        MultiPoint(centres), extend_to=area.envelope.buffer(0.01), ordered=True
    )
    half_road = m_to_deg(_ROAD_M / 2)
    zones = [
        largest(cell.intersection(area).buffer(-half_road, join_style="mitre"))
        for cell in cells.geoms
    ]
    # Reading order, north-west first, so 第一片区 is where a map reader expects it.
    return sorted(
        (z for z in zones if not z.is_empty),
        key=lambda z: (-round(z.centroid.y, 3), z.centroid.x),
    )
