"""Local metres to WGS-84 degrees, and small shapely helpers."""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

# Metres per degree at the district's latitude; a degree of longitude shrinks with cos(lat).
_LAT0 = 34.735


M_PER_DEG_LAT = 110_950.0


M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(_LAT0))


def m_to_deg(metres: float) -> float:
    # For buffers. A degree of longitude is the shorter one here, so the result is at least
    # `metres` in every direction.
    return metres / M_PER_DEG_LON


def to_lonlat(xy_m: np.ndarray, centre: np.ndarray, theta: float) -> np.ndarray:
    """Rotate local metre coordinates by theta and place them at centre (lon, lat)."""
    c, s = math.cos(theta), math.sin(theta)
    x, y = xy_m[..., 0], xy_m[..., 1]
    lon = centre[0] + (x * c - y * s) / M_PER_DEG_LON
    lat = centre[1] + (x * s + y * c) / M_PER_DEG_LAT
    return np.stack([lon, lat], axis=-1)


def largest(geom: BaseGeometry) -> Polygon:
    """The largest polygon of a clipping result; slivers and fragments are dropped."""
    if isinstance(geom, Polygon):
        return geom
    polygons = [g for g in getattr(geom, "geoms", ()) if isinstance(g, Polygon)]
    return max(polygons, key=lambda p: p.area) if polygons else Polygon()


def sample_points(rng: np.random.Generator, geom: BaseGeometry, n: int) -> np.ndarray:
    """n uniform random points inside geom, by rejection from its bounding box."""
    shapely.prepare(geom)
    minx, miny, maxx, maxy = geom.bounds
    found: list[np.ndarray] = []
    count = 0
    while count < n:
        candidates = rng.uniform((minx, miny), (maxx, maxy), size=(2 * n, 2))
        inside = candidates[shapely.contains_xy(geom, candidates[:, 0], candidates[:, 1])]
        found.append(inside)
        count += len(inside)
    return np.concatenate(found)[:n]
