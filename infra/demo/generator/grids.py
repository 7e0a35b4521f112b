"""The grid of one community: its zones and buildings, planned district-wide."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from infra.demo.generator.compounds import TOWNSHIP_MIX, URBAN_MIX, Compound, place_compounds
from infra.demo.generator.draws import STAGE_GRID, STAGE_PLAN, Ids, split_total, stage_rng
from infra.demo.generator.outlines import gap_strip, zone_shapes
from infra.demo.generator.places import Place
from infra.demo.model import Building, Zone

_CN_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class _GridPlan:
    strips: frozenset[str]  # communities with a zone gap (orphan buildings)
    pilots: frozenset[str]
    targets: dict[str, int]  # buildings wanted per community


@dataclass(frozen=True)
class Grid:
    place: Place
    boundary: Polygon
    zones: list[Zone]
    buildings: list[Building]
    zone_of: np.ndarray  # per building: index into zones by the placement rule, -1 = orphan

    @property
    def households(self) -> int:
        return sum(b.households for b in self.buildings)


def plan_grid(seed: int, places: list[Place]) -> _GridPlan:
    rng = stage_rng(seed, STAGE_PLAN)
    urban = [p.code for p in places if not p.is_township]
    strips = frozenset(str(c) for c in rng.choice(urban, size=4, replace=False))
    pilots = frozenset(str(c) for c in rng.choice(urban, size=3, replace=False))
    targets = {
        p.code: int(rng.integers(130, 191) if p.is_township else rng.integers(200, 291))
        for p in places
    }
    return _GridPlan(strips, pilots, targets)


def build_grid(
    seed: int, index: int, place: Place, boundary: Polygon, plan: _GridPlan, ids: Ids
) -> Grid:
    rng = stage_rng(seed, STAGE_GRID, index)
    strip = gap_strip(rng, boundary) if place.code in plan.strips else None
    zoned = boundary.difference(strip) if strip is not None else boundary
    zone_polygons = zone_shapes(rng, zoned)
    zones = [
        Zone(ids("zone", place.code, k), place.code, f"第{_CN_NUMERALS[k - 1]}片区", polygon)
        for k, polygon in enumerate(zone_polygons, start=1)
    ]

    target = plan.targets[place.code]
    orphans = round(target * rng.uniform(0.07, 0.10)) if strip is not None else 0
    quotas = split_total(target - orphans, [z.area for z in zone_polygons])
    regions: list[BaseGeometry] = list(zone_polygons)
    if strip is not None:
        regions.append(strip)
        quotas.append(orphans)
    angle = rng.uniform(-0.35, 0.35)  # this community's street-grid orientation, radians
    mix = TOWNSHIP_MIX if place.is_township else URBAN_MIX
    compounds = [
        c
        for region, quota in zip(regions, quotas, strict=True)
        for c in place_compounds(rng, region, quota, angle, mix)
    ]
    buildings = _buildings(rng, place, compounds, ids)
    return Grid(place, boundary, zones, buildings, _zone_of(zones, buildings))


def _buildings(
    rng: np.random.Generator, place: Place, compounds: list[Compound], ids: Ids
) -> list[Building]:
    """Number buildings through the community (unique names) and compounds as 院."""
    buildings: list[Building] = []
    for yard, compound in enumerate(compounds, start=1):
        for footprint, households in zip(compound.footprints, compound.households, strict=True):
            number = len(buildings) + 1
            # About 1% are known by address only, so they are stored as a point.
            shape = footprint.centroid if rng.random() < 0.01 else footprint
            buildings.append(
                Building(
                    id=ids("building", place.code, number),
                    community_code=place.code,
                    name=f"{number}号楼",
                    address=f"{place.name} {yard}号院 {number}号楼",
                    households=int(households),
                    footprint=shape,
                )
            )
    return buildings


def _zone_of(zones: list[Zone], buildings: list[Building]) -> np.ndarray:
    """The placement rule the database applies: the zone covering the footprint's interior point."""
    points = shapely.point_on_surface([b.footprint for b in buildings])
    zone_of = np.full(len(buildings), -1)
    for k, zone in enumerate(zones):
        zone_of[(zone_of < 0) & shapely.covers(zone.boundary, points)] = k
    return zone_of
