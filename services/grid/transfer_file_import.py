"""Import of a geometry file (transfer_files) into one or several communities: the import
contract's report (`FileImport.as_json`), all-or-nothing unless `partial`.

- boundaries: each feature's `code` names a community; its polygon replaces the stored one
  (a community new to grid is created when `known` says the org service has it);
- zones and buildings: into `community`, or split among the communities whose boundary
  covers each feature's interior point; features in none are refused (skipped with
  `partial`), with where the data lies compared with the nearest community;
- duplicate footprints (the same, or each covering >= 90 % of the other: intersection over the
  larger area) of stored buildings or of each other follow `policy`: skip the new one, keep
  both, or replace (the stored building takes the new shape and attributes, keeping its id,
  group and history). Of duplicates within the file the first is imported (all with keep).
  A re-import by the same ids (an id column; else name and address) updates instead.

`check` runs everything, writes included, in a savepoint that is rolled back: the report is
the one a real import would give, and nothing changes.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import DomainError, UserErrorCode
from services.common.import_report import ImportReport
from services.grid import geometry_pool, transfer, transfer_files
from services.grid.coordinates import Crs
from services.grid.models import SRID, building, community, zone
from services.grid.transfer import BuildingRecord, Problems, Progress, ZoneRecord
from services.grid.transfer_files import BoundaryRecord, Kind, SourceFile

DUPLICATE_SHARE = 0.9  # footprints overlapping at least this share of the larger are one

Known = Callable[[list[str]], Awaitable[set[str]]]  # which new community codes org has
Scope = Callable[[str], bool]  # the communities the caller may write (route callers)


class Policy(Enum):
    SKIP = "skip"
    KEEP = "keep"
    REPLACE = "replace"


class FileImport(ImportReport):
    """The one import report (services.common.import_report) of a geometry file: written
    when anything new or changed was stored (a check writes nothing)."""

    def __init__(self, kind: Kind, check_only: bool, partial: bool = False) -> None:
        super().__init__(kind.value, check_only, partial=partial)

    @property  # type: ignore[override]
    def written(self) -> bool:
        return not self.check_only and (self.imported + self.updated) > 0

    @written.setter
    def written(self, _value: bool) -> None:
        pass  # derived from the counts, not set


class FileRefusedError(DomainError):
    """A file refused as a whole: the report (grouped refusals) travels with the error."""

    report: FileImport


def _refused(report: FileImport, problems: Problems) -> FileRefusedError:
    report.refused = transfer_files.refusals(problems)
    first = problems.found[0]
    error = FileRefusedError(
        first.code, first.message, first.message_en, first.field, first.rule, problems.found[1:]
    )
    error.report = report
    return error


# --- where things are ------------------------------------------------------------------------


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


def _direction(dx: float, dy: float) -> tuple[str, str]:
    names = [("东", "east"), ("东北", "north-east"), ("北", "north"), ("西北", "north-west")]
    names += [("西", "west"), ("西南", "south-west"), ("南", "south"), ("东南", "south-east")]
    return names[round(math.degrees(math.atan2(dy, dx)) / 45) % 8]


def _where_outside(points: list[BaseGeometry], areas: dict[str, BaseGeometry]) -> tuple[str, str]:
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


def _outside_refusal(outside: list[Any], shape_of: Callable, areas: dict) -> DomainError:
    zh, en = _where_outside([shape_of(r).point_on_surface() for r in outside], areas)
    example = outside[0]
    return DomainError(
        UserErrorCode.RULE_VIOLATION,
        f"{len(outside)} 个要素不在任何社区范围内（如第 {example.field[-1]} 个）：{zh}",
        f"{len(outside)} features lie in no community (e.g. feature {example.field[-1]}): {en}",
        example.field,
        rule="inside_community",
    )


# --- duplicates ------------------------------------------------------------------------------


def _same(a: BaseGeometry, b: BaseGeometry) -> bool:
    if a.geom_type == "Point" or b.geom_type == "Point":
        return a.geom_type == b.geom_type and a.distance(b) < transfer.SAME_PLACE
    larger = max(a.area, b.area)
    return larger > 0 and a.intersection(b).area >= DUPLICATE_SHARE * larger


async def _existing(conn: AsyncConnection, code: str) -> list[tuple[uuid.UUID, str, BaseGeometry]]:
    query = select(building.c.id, building.c.name, func.ST_AsBinary(building.c.footprint)).where(
        building.c.community_code == code
    )
    return [(i, n, shapely.from_wkb(bytes(w))) for i, n, w in (await conn.execute(query)).all()]


async def _deduplicated(
    conn: AsyncConnection, rows: list[dict], code: str, policy: Policy, report: FileImport
) -> list[dict]:
    """Rows after the duplicate policy (see the module docstring)."""
    if not rows:
        return rows
    shapes = shapely.from_wkb([bytes(r["footprint"].data) for r in rows])
    stored = await _existing(conn, code)
    stored_ids = {s[0] for s in stored}
    # Candidate pairs set-wise (bounding boxes that meet), the overlap share only for those.
    against_stored: dict[int, list[int]] = defaultdict(list)
    if stored:
        tree = shapely.STRtree([s[2] for s in stored])
        for i, j in zip(*tree.query(shapes, predicate="intersects"), strict=True):
            against_stored[int(i)].append(int(j))
    earlier: dict[int, list[int]] = defaultdict(list)
    for i, j in zip(*shapely.STRtree(shapes).query(shapes, predicate="intersects"), strict=True):
        if j < i:
            earlier[int(i)].append(int(j))
    kept: list[dict] = []
    taken: set[uuid.UUID] = set()  # stored ids a new row has replaced
    for index, (row, shape) in enumerate(zip(rows, shapes, strict=True)):
        twin = None
        if row["id"] not in stored_ids:  # the same id: an update, not a duplicate
            for j in against_stored.get(index, ()):
                if stored[j][0] not in taken and _same(shape, stored[j][2]):
                    twin = stored[j]
                    break
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


# --- the kinds -------------------------------------------------------------------------------


async def _buildings(
    conn: AsyncConnection,
    read: list[BuildingRecord],
    areas: dict[str, BaseGeometry],
    problems: Problems,
    policy: Policy,
    report: FileImport,
    progress: Progress | None,
) -> None:
    inside, outside = _split(read, areas, lambda r: r.footprint)
    if outside:
        problems.add(_outside_refusal(outside, lambda r: r.footprint, areas))
        problems.groups[transfer.group_of(problems.found[-1])].count = len(outside)
    for code, records in inside.items():
        rows = transfer.prepare_buildings(
            records, crs=Crs.WGS84, code=code, boundary=areas[code], problems=problems
        )
        rows = await _deduplicated(conn, rows, code, policy, report)
        if problems.found and not report.partial:
            continue
        outcome = await transfer.write_buildings(conn, rows, progress=progress)
        _count(report, outcome)


async def _zones(
    conn: AsyncConnection,
    read: list[ZoneRecord],
    areas: dict[str, BaseGeometry],
    problems: Problems,
    report: FileImport,
    progress: Progress | None,
) -> None:
    inside, outside = _split(read, areas, lambda r: r.boundary)
    if outside:
        problems.add(_outside_refusal(outside, lambda r: r.boundary, areas))
        problems.groups[transfer.group_of(problems.found[-1])].count = len(outside)
    for code, records in inside.items():
        rows = await transfer.prepare_zones(
            conn, records, crs=Crs.WGS84, code=code, boundary=areas[code], problems=problems
        )
        if problems.found and not report.partial:
            continue
        outcome = await transfer.write_zones(conn, rows, progress=progress)
        _count(report, outcome)


def _count(report: FileImport, outcome: transfer.ImportOutcome) -> None:
    report.imported += outcome.imported - outcome.updated
    report.updated += outcome.updated
    if outcome.skipped:
        report.skip("unchanged", "", outcome.skipped)


async def _boundaries(
    conn: AsyncConnection,
    read: list[BoundaryRecord],
    problems: Problems,
    known: Known | None,
    scope: Scope | None,
    report: FileImport,
    progress: Progress | None,
) -> None:
    seen: dict[str, BoundaryRecord] = {}
    for record in read:
        if scope is not None and not scope(record.code):
            problems.add(
                DomainError(
                    UserErrorCode.RULE_VIOLATION,
                    f"社区 {record.code} 超出管辖范围",
                    f"Community {record.code} is outside your scope",
                    record.field,
                    rule="scope",
                )
            )
            continue
        if record.code in seen:
            problems.add(
                transfer.invalid(
                    f"社区 {record.code} 的边界出现了两次",
                    f"Community {record.code} has two boundaries in the file",
                    record.field,
                )
            )
        seen[record.code] = record
    stored = set(
        (await conn.execute(select(community.c.code).where(community.c.code.in_(list(seen)))))
        .scalars()
        .all()
    )
    new = [c for c in seen if c not in stored]
    accepted = await known(new) if (known is not None and new) else set()
    for code in new:
        if code not in accepted:
            problems.add(
                DomainError(
                    UserErrorCode.NOT_FOUND,
                    f"社区 {code} 不存在：请先导入区划（partygrid import regions）",
                    f"No community {code}: import the region tree first (partygrid import regions)",
                    seen[code].field,
                    rule="community_exists",
                )
            )
    if problems.found and not report.partial:
        return
    for code, record in seen.items():
        if code not in stored and code not in accepted:
            continue
        shape = shapely.to_wkb(record.boundary)
        geometry = func.ST_GeomFromWKB(shape, SRID)
        if code in stored:
            sticking = (
                (
                    await conn.execute(
                        select(zone.c.name).where(
                            zone.c.community_code == code,
                            ~func.ST_Covers(func.ST_Buffer(geometry, 1e-7), zone.c.boundary),
                        )
                    )
                )
                .scalars()
                .first()
            )
            if sticking is not None:
                problems.add(
                    DomainError(
                        UserErrorCode.RULE_VIOLATION,
                        f"新边界未包含社区 {code} 的片区“{sticking}”",
                        f"The new boundary of {code} leaves out its zone '{sticking}'",
                        record.field,
                        rule="inside_community",
                    )
                )
                continue
            changed = await conn.execute(
                update(community)
                .where(
                    community.c.code == code,
                    func.ST_HausdorffDistance(community.c.boundary, geometry) > transfer.SAME_PLACE,
                )
                .values(boundary=geometry, version=community.c.version + 1, updated_at=func.now())
            )
            if changed.rowcount:
                report.updated += 1
            else:
                report.skip("unchanged", code)
        else:
            await conn.execute(
                pg_insert(community).values(
                    code=code, street_code=code[:9], district_code=code[:6], boundary=geometry
                )
            )
            report.imported += 1
        if progress:
            progress(1)


async def import_file(
    conn: AsyncConnection,
    kind: Kind,
    source: SourceFile,
    *,
    community_code: str | None = None,
    policy: Policy = Policy.SKIP,
    check: bool = False,
    partial: bool = False,
    known: Known | None = None,
    scope: Scope | None = None,
    progress: Progress | None = None,
    in_thread: bool = False,
) -> FileImport:
    """Read, check and (unless `check`) write a geometry file in the caller's transaction;
    FileRefusedError (carrying the report) when anything is refused and not `partial`.
    Reading (GDAL, PROJ, GEOS) runs in grid's geometry pool under its budget, or with
    `in_thread` (the CLI: one import, its user can stop it) in a thread, sparing the
    workers' start-up."""
    report = FileImport(kind, check, partial=partial)
    if in_thread:
        read = await asyncio.to_thread(transfer_files.read_file, source, kind)
    else:
        read = await geometry_pool.run(
            transfer_files.read_file,
            source,
            kind,
            budget=geometry_pool.IMPORT_BUDGET,
            field=["file"],
        )
    report.read, report.notes = read.read, list(read.notes)
    problems = read.problems
    if problems.found and not partial:
        raise _refused(report, problems)
    async with conn.begin_nested() as savepoint:
        if kind is Kind.BOUNDARIES:
            await _boundaries(conn, read.records, problems, known, scope, report, progress)
        else:
            shapes = [r.footprint if kind is Kind.BUILDINGS else r.boundary for r in read.records]
            extent = shapely.box(*shapely.total_bounds(shapes)) if shapes else None
            areas = await _communities(conn, community_code, extent, scope)
            if kind is Kind.BUILDINGS:
                await _buildings(conn, read.records, areas, problems, policy, report, progress)
            else:
                await _zones(conn, read.records, areas, problems, report, progress)
        if problems.found and not partial:
            await savepoint.rollback()
            raise _refused(report, problems)
        report.refused = transfer_files.refusals(problems)
        if check:
            await savepoint.rollback()
    return report
