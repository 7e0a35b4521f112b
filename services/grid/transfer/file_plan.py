"""A geometry file import's read and plan (geometry workers, or the CLI's thread): where
things are (one short read of the communities and their stored buildings or zones), the
records split among the communities, checked, and (buildings) cleared of duplicates following
the policy (services/grid/transfer/file_import.py describes the phases)."""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from geoalchemy2.elements import WKBElement
from shapely.geometry.base import BaseGeometry
from sqlalchemy import case, func, select, true
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.common.errors import DomainError, UserErrorCode
from services.grid.gc_paused import gc_paused
from services.grid.models import SRID, building, community, zone
from services.grid.transfer import building_copy, upsert
from services.grid.transfer import files as transfer_files
from services.grid.transfer.coordinates import Crs
from services.grid.transfer.file_report import FeatureProblems, FileImport, Policy, Scope
from services.grid.transfer.files import FileRead, Kind, SourceFile
from services.grid.transfer.records import SAME_PLACE, group_of

DUPLICATE_SHARE = 0.9  # footprints overlapping at least this share of the larger are one

# --- where things are (short reads) ----------------------------------------------------------


async def _communities(
    conn: AsyncConnection, code: str | None, extent: BaseGeometry | None, scope: Scope | None
) -> dict[str, BaseGeometry]:
    """The boundaries to import into: `code`'s, or those the data touches (in `scope`)."""
    query = select(community.c.code, func.ST_AsBinary(community.c.boundary))
    if code is not None:
        query = query.where(community.c.code == code)
    elif extent is not None:
        envelope = func.ST_MakeEnvelope(*extent.bounds, SRID)
        query = query.where(func.ST_Intersects(community.c.boundary, envelope))
    found = {
        c: shapely.from_wkb(bytes(w))
        for c, w in (await conn.execute(query)).all()
        if scope is None or scope(c)
    }
    if code is not None and code not in found:
        raise DomainError(
            UserErrorCode.NOT_FOUND, f"未找到社区：{code}", f"No community {code}", ["community"]
        )
    return found


@dataclass
class Stored:
    """What the short read found: the communities' boundaries, and per community its stored
    buildings (every id; name and WKB of those within the data's extent, None elsewhere:
    only those can overlap a new footprint) or its zones (upsert.existing_zones)."""

    areas: dict[str, BaseGeometry]
    buildings: dict[str, list[tuple[uuid.UUID, str, bytes | None]]] = field(default_factory=dict)
    zones: dict[str, list[tuple[uuid.UUID, str, bytes]]] = field(default_factory=dict)


async def fetch_stored(
    engine: AsyncEngine,
    kind: Kind,
    code: str | None,
    bounds: tuple[float, float, float, float] | None,
    scope: Scope | None,
) -> Stored:
    if code is None and bounds is None:  # an empty file into no named community
        return Stored({})
    extent = shapely.box(*bounds) if bounds is not None else None
    async with engine.connect() as conn:
        stored = Stored(await _communities(conn, code, extent, scope))
        codes = list(stored.areas) if (bounds is not None or code is not None) else []
        if kind is Kind.ZONES:  # (no records and no community: nothing to compare with)
            for area in codes:
                stored.zones[area] = await upsert.existing_zones(conn, area)
        elif codes:
            near = (  # the data's extent unknown yet (one community, read after): all
                func.ST_Intersects(building.c.footprint, func.ST_MakeEnvelope(*bounds, SRID))
                if bounds is not None
                else true()
            )
            query = select(
                building.c.community_code,
                building.c.id,
                building.c.name,
                case((near, func.ST_AsBinary(building.c.footprint)), else_=None),
            ).where(building.c.community_code.in_(codes))
            for area, bid, name, wkb in (await conn.execute(query)).all():
                shape = bytes(wkb) if wkb is not None else None
                stored.buildings.setdefault(area, []).append((bid, name, shape))
            # Their zones too: a new building is written with its zone guessed by the
            # database's rule (building_copy.new_buildings), which the database then checks.
            zones = select(
                zone.c.community_code, zone.c.id, zone.c.name, func.ST_AsBinary(zone.c.boundary)
            ).where(zone.c.community_code.in_(codes))
            for area, zid, name, wkb in (await conn.execute(zones)).all():
                stored.zones.setdefault(area, []).append((zid, name, bytes(wkb)))
    return stored


def _direction(dx: float, dy: float) -> tuple[str, str]:
    names = [("东", "east"), ("东北", "north-east"), ("北", "north"), ("西北", "north-west")]
    names += [("西", "west"), ("西南", "south-west"), ("南", "south"), ("东南", "south-east")]
    return names[round(math.degrees(math.atan2(dy, dx)) / 45) % 8]


def _where_outside(points: list[shapely.Point], areas: dict[str, BaseGeometry]) -> tuple[str, str]:
    """Where features outside every community lie compared with the nearest one (zh, en)."""
    centre = shapely.MultiPoint(points).envelope.centroid
    if not areas:
        return (
            f"数据位于（{centre.x:.4f}, {centre.y:.4f}）附近，那里没有社区边界",
            f"the data lies near ({centre.x:.4f}, {centre.y:.4f}), where no community has a "
            "boundary",
        )
    code, nearest = min(areas.items(), key=lambda item: item[1].distance(centre))
    target = nearest.centroid
    dx = (centre.x - target.x) * 111.32 * math.cos(math.radians(target.y))
    dy = (centre.y - target.y) * 110.57
    km = math.hypot(dx, dy)
    zh_dir, en_dir = _direction(dx, dy)
    return (
        f"数据范围在社区 {code} 以{zh_dir} {km:.1f} 公里处；坐标系是否正确？",
        f"the data's extent is {km:.1f} km {en_dir} of community {code}; was the CRS right?",
    )


def _split(
    records: list[Any], areas: dict[str, BaseGeometry], shape_of: Callable[[Any], BaseGeometry]
) -> tuple[dict[str, list], list[Any]]:
    """Records by the community covering their interior point; those in none."""
    codes = list(areas)
    tree = shapely.STRtree([areas[c] for c in codes])
    points = shapely.point_on_surface(np.array([shape_of(r) for r in records], dtype=object))
    inside: dict[str, list] = defaultdict(list)
    outside = []
    hits = tree.query(points, predicate="covered_by") if len(records) and codes else None
    first: dict[int, int] = {}
    if hits is not None:
        for point_index, area_index in zip(*hits, strict=True):
            first.setdefault(int(point_index), int(area_index))
    for index, record in enumerate(records):
        if index in first:
            inside[codes[first[index]]].append(record)
        else:
            outside.append(record)
    return inside, outside


def _refuse_outside(
    problems: FeatureProblems, outside: list[Any], shape_of: Callable, areas: dict
) -> None:
    """One grouped refusal for the features in no community; each one's reason kept."""
    zh, en = _where_outside([shape_of(r).point_on_surface() for r in outside], areas)
    for record in outside:
        problems.refuse(record.field, f"要素不在任何社区范围内：{zh}", f"in no community: {en}")
    example = outside[0]
    problems.add(
        DomainError(
            UserErrorCode.RULE_VIOLATION,
            f"{len(outside)} 个要素不在任何社区范围内（如第 {example.field[-1]} 个）：{zh}",
            f"{len(outside)} features lie in no community (e.g. feature {example.field[-1]}): {en}",
            example.field,
            rule="inside_community",
        )
    )
    problems.groups[group_of(problems.found[-1])].count = len(outside)


# --- duplicates ------------------------------------------------------------------------------


def _same(a: BaseGeometry, b: BaseGeometry) -> bool:
    if a.geom_type == "Point" or b.geom_type == "Point":
        return a.geom_type == b.geom_type and a.distance(b) < SAME_PLACE
    larger = max(a.area, b.area)
    return larger > 0 and a.intersection(b).area >= DUPLICATE_SHARE * larger


def _meeting(
    shapes: np.ndarray, stored: list[tuple[uuid.UUID, str, BaseGeometry]]
) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Candidate pairs set-wise (bounding boxes that meet): for each row, the stored shapes
    and the earlier rows it may duplicate; the overlap share is measured only for those."""
    against_stored: dict[int, list[int]] = defaultdict(list)
    if stored:
        tree = shapely.STRtree([s[2] for s in stored])
        for i, j in zip(*tree.query(shapes, predicate="intersects"), strict=True):
            against_stored[int(i)].append(int(j))
    earlier: dict[int, list[int]] = defaultdict(list)
    for i, j in zip(*shapely.STRtree(shapes).query(shapes, predicate="intersects"), strict=True):
        if j < i:
            earlier[int(i)].append(int(j))
    return against_stored, earlier


def _deduplicated(
    rows: list[dict],
    community_stored: list[tuple[uuid.UUID, str, bytes | None]],
    policy: Policy,
    report: FileImport,
) -> list[dict]:
    """Rows after the duplicate policy (see the module docstring)."""
    if not rows:
        return rows
    shapes = shapely.from_wkb([bytes(r["footprint"].data) for r in rows])
    stored_ids = {s[0] for s in community_stored}
    stored = [(i, n, shapely.from_wkb(w)) for i, n, w in community_stored if w is not None]
    against_stored, earlier = _meeting(shapes, stored)
    kept: list[dict] = []
    taken: set[uuid.UUID] = set()  # stored ids a new row has replaced
    for index, (row, shape) in enumerate(zip(rows, shapes, strict=True)):
        twin = None
        if row["id"] not in stored_ids:  # the same id: an update, not a duplicate
            twin = next(
                (
                    stored[j]
                    for j in against_stored.get(index, ())
                    if stored[j][0] not in taken and _same(shape, stored[j][2])
                ),
                None,
            )
        if twin is not None:
            example = f"{row['name']} ≈ {twin[1]}"
            if policy is Policy.SKIP:
                report.skip("duplicate of a stored building", example)
                continue
            if policy is Policy.REPLACE:
                row = {**row, "id": twin[0]}
                taken.add(twin[0])
            else:
                report.notes.append(f"kept a duplicate of a stored building: {example}")
        if policy is not Policy.KEEP and any(
            _same(shape, shapes[j]) for j in earlier.get(index, ())
        ):
            report.skip("duplicate of another building in the file", row["name"])
            continue
        kept.append(row)
    return kept


# --- the jobs (geometry workers, or the CLI's thread): module-level, picklable ---------------


def read_job(source: SourceFile, kind: Kind) -> tuple[FileRead, tuple | None]:
    """The file's records, and the bounds of their shapes (None for no records)."""
    read = transfer_files.read_file(source, kind, FeatureProblems())
    shapes = [r.footprint if kind is Kind.BUILDINGS else r.boundary for r in read.records]
    bounds = tuple(float(b) for b in shapely.total_bounds(shapes)) if shapes else None
    return read, bounds


class Rows:
    """Rows to write per community, crossing back from a worker: as columns, their shapes as
    plain WKB (20,000 row dicts each holding a WKBElement pickle several times slower);
    buildings new to their community as one COPY stream each (`copies`)."""

    def __init__(
        self,
        kind: Kind,
        rows: dict[str, list[dict]],
        copies: dict[str, building_copy.NewBuildings] | None = None,
    ) -> None:
        self.geometry = "footprint" if kind is Kind.BUILDINGS else "boundary"
        self.rows = rows
        self.copies = copies or {}

    def __getstate__(self) -> dict:
        packed = {}
        for code, rows in self.rows.items():
            names = [k for k in (rows[0] if rows else {}) if k != self.geometry]
            values = [tuple(r[k] for k in names) for r in rows]
            packed[code] = (names, values, [bytes(r[self.geometry].data) for r in rows])
        return {"geometry": self.geometry, "packed": packed, "copies": self.copies}

    def __setstate__(self, state: dict) -> None:
        self.geometry = state["geometry"]
        self.copies = state["copies"]
        self.rows = {
            code: [
                {**dict(zip(names, row, strict=True)), self.geometry: WKBElement(wkb, srid=SRID)}
                for row, wkb in zip(values, wkbs, strict=True)
            ]
            for code, (names, values, wkbs) in state["packed"].items()
        }


Planned = tuple[Rows, FeatureProblems, FileImport]


@gc_paused()  # 20,000 records' lists and dicts: see gc_paused
def plan(kind: Kind, read: FileRead, stored: Stored, policy: Policy, report: FileImport) -> Planned:
    """Zones or buildings split among the communities, checked and (buildings) cleared of
    duplicates: the rows to write per community, the problems, the report so far."""
    problems = read.problems
    assert isinstance(problems, FeatureProblems)
    areas = stored.areas

    def shape_of(record: Any) -> BaseGeometry:
        return record.footprint if kind is Kind.BUILDINGS else record.boundary

    inside, outside = _split(read.records, areas, shape_of)
    if outside:
        _refuse_outside(problems, outside, shape_of, areas)
    rows: dict[str, list[dict]] = {}
    copies: dict[str, building_copy.NewBuildings] = {}
    for code, records in inside.items():
        if kind is Kind.BUILDINGS:
            prepared = upsert.prepare_buildings(
                records, crs=Crs.WGS84, code=code, boundary=areas[code], problems=problems
            )
            held = stored.buildings.get(code, [])
            kept = _deduplicated(prepared, held, policy, report)
            # Ids the community held at the short read may be updates (upserted); the
            # others are new and go in by COPY (building_copy.copy_buildings).
            ids = {s[0] for s in held}
            rows[code] = [r for r in kept if r["id"] in ids]
            copies[code] = building_copy.new_buildings(
                [r for r in kept if r["id"] not in ids], stored.zones.get(code, [])
            )
        else:
            rows[code] = upsert.zone_rows(
                records,
                crs=Crs.WGS84,
                code=code,
                boundary=areas[code],
                stored=stored.zones.get(code, []),
                problems=problems,
            )
    return Rows(kind, rows, copies), problems, report


def read_and_plan(
    source: SourceFile,
    kind: Kind,
    stored: Stored,
    policy: Policy,
    report: FileImport,
    partial: bool,
) -> tuple[Rows | None, FeatureProblems, FileImport]:
    """Into one named community, whose stored data can be fetched before the file is read:
    `read_job` and `plan` as one job (the records need not cross to grid and back)."""
    read, _ = read_job(source, kind)
    report.read, report.notes = read.read, list(read.notes)
    assert isinstance(read.problems, FeatureProblems)  # read_job gives a file's feature problems
    if read.problems.found and not partial:
        return None, read.problems, report
    return plan(kind, read, stored, policy, report)
