"""Coordinate systems callers may declare, and conversion to and from WGS-84 at the edge.

ARCHITECTURE "Data": geometry is stored in WGS-84; inputs may declare WGS84, CGCS2000 (the
same as WGS-84 to map precision), GCJ02 (the offset "Mars" system of AMap, Tencent and
Google China) or BD09 (Baidu's further offset). The offsets come from the maintained
`coordTransform` package (C-accelerated). Its GCJ-02/BD-09 -> WGS-84 functions are the usual
one-step approximations (metres off); here they are only the starting guess of a fixed-point
refinement against the package's exact forward functions, which brings the inverse below a
millimetre. Points outside China are left unchanged, as the offset is defined only there.

Files (services/grid/transfer/files.py) may also be in any system PROJ knows (`ProjCrs`): an
EPSG code such as CGCS2000's Gauss-Krüger zones (EPSG:4513–4554, 6-degree 4491–4512), Web
Mercator (3857) or UTM (326xx), or the WKT of a Shapefile's .prj / a GeoPackage's srs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

import coordTransform as ct  # type: ignore[import-untyped]  # noqa: N813 -- the package's own module name; it ships no types and no stubs exist
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

if TYPE_CHECKING:
    from pyproj import Transformer

# Refine until the forward image is this close to the input (degrees; ~1 mm) or give up.
_TOLERANCE = 1e-8
_MAX_STEPS = 10


class Crs(Enum):
    """A coordinate system a caller may declare for longitude/latitude input or output."""

    WGS84 = "wgs84"
    CGCS2000 = "cgcs2000"
    GCJ02 = "gcj02"
    BD09 = "bd09"


@dataclass(frozen=True)
class ProjCrs:
    """A system PROJ knows: `EPSG:N` or WKT (picklable, so it crosses to geometry workers)."""

    definition: str

    def __str__(self) -> str:
        return self.definition if len(self.definition) < 40 else "the file's CRS"


Declared = Crs | ProjCrs
_EPSG = re.compile(r"(?i)^\s*epsg\s*:\s*(\d{4,6})\s*$")


def parse_declared(text: str) -> Declared:
    """`WGS84|CGCS2000|GCJ02|BD09` (any case) or `EPSG:N` of any EPSG system PROJ knows;
    ValueError with the reason otherwise."""
    named = {c.value: c for c in Crs}.get(text.strip().lower())
    if named is not None:
        return named
    match = _EPSG.match(text)
    if match is None:
        raise ValueError(
            f"unknown coordinate system {text!r}: use EPSG:N, WGS84, CGCS2000, GCJ02 or BD09"
        )
    code = int(match.group(1))
    if code == 4326:
        return Crs.WGS84
    try:
        _transformer(f"EPSG:{code}")
    except Exception:  # pyproj's CRSError and friends: an unknown or non-2D system
        raise ValueError(f"EPSG:{code} is not a coordinate system PROJ knows") from None
    return ProjCrs(f"EPSG:{code}")


@functools.lru_cache(maxsize=32)
def _transformer(definition: str) -> Transformer:
    from pyproj import CRS, Transformer  # only imports of files need PROJ

    return Transformer.from_crs(
        CRS.from_user_input(definition), CRS.from_epsg(4326), always_xy=True
    )


def is_geographic(crs: ProjCrs) -> bool:
    from pyproj import CRS

    return bool(CRS.from_user_input(crs.definition).is_geographic)


Arrays = tuple[np.ndarray, np.ndarray]
_Transform = Callable[[list[float], list[float]], tuple[list[float], list[float]]]


def _apply(function: _Transform, lons: np.ndarray, lats: np.ndarray) -> Arrays:
    if len(lons) == 0:
        return lons, lats
    out_lons, out_lats = function(lons.tolist(), lats.tolist())
    return np.asarray(out_lons, dtype=float), np.asarray(out_lats, dtype=float)


def _forward(crs: Crs, lons: np.ndarray, lats: np.ndarray) -> Arrays:
    if crs is Crs.GCJ02:
        return _apply(ct.wgs84_to_gcj02, lons, lats)
    if crs is Crs.BD09:
        return _apply(ct.wgs84_to_bd09, lons, lats)
    return lons, lats


def _approximate_inverse(crs: Crs, lons: np.ndarray, lats: np.ndarray) -> Arrays:
    if crs is Crs.GCJ02:
        return _apply(ct.gcj02_to_wgs84, lons, lats)
    return _apply(ct.bd09_to_wgs84, lons, lats)


def wgs84_from(crs: Crs, lons: np.ndarray, lats: np.ndarray) -> Arrays:
    """WGS-84 longitudes/latitudes of positions given in `crs`."""
    if crs in (Crs.WGS84, Crs.CGCS2000):
        return lons, lats
    lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    guess_lons, guess_lats = _approximate_inverse(crs, lons, lats)
    for _ in range(_MAX_STEPS):
        image_lons, image_lats = _forward(crs, guess_lons, guess_lats)
        d_lons, d_lats = lons - image_lons, lats - image_lats
        guess_lons, guess_lats = guess_lons + d_lons, guess_lats + d_lats
        if max(np.abs(d_lons).max(initial=0), np.abs(d_lats).max(initial=0)) < _TOLERANCE:
            break
    return guess_lons, guess_lats


def wgs84_to(crs: Crs, lons: np.ndarray, lats: np.ndarray) -> Arrays:
    """Positions in `crs` of WGS-84 longitudes/latitudes (for export)."""
    if crs in (Crs.WGS84, Crs.CGCS2000):
        return lons, lats
    return _forward(crs, np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))


def _transform_geometry(geometry: Any, convert: Callable[..., Arrays]) -> Any:
    def on_coordinates(xy: np.ndarray) -> np.ndarray:
        lons, lats = convert(xy[:, 0], xy[:, 1])
        return np.column_stack([lons, lats])

    return shapely.transform(geometry, on_coordinates)


def geometry_to_wgs84(crs: Declared, geometry: Any) -> Any:
    """A shapely geometry (or an array of them) given in `crs`, converted to WGS-84 (the
    stored system)."""
    if crs in (Crs.WGS84, Crs.CGCS2000):
        return geometry
    if isinstance(crs, ProjCrs):
        transformer = _transformer(crs.definition)
        return _transform_geometry(geometry, transformer.transform)
    return _transform_geometry(geometry, lambda x, y: wgs84_from(crs, x, y))


def geometry_from_wgs84(crs: Crs, geometry: BaseGeometry) -> BaseGeometry:
    """A stored WGS-84 geometry, converted to `crs` (for export)."""
    if crs in (Crs.WGS84, Crs.CGCS2000):
        return geometry
    return _transform_geometry(geometry, lambda x, y: wgs84_to(crs, x, y))
