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

`check` runs everything, writes included, in a transaction that is rolled back: the report
is the one a real import would give, and nothing changes.

The phases, so that no database connection waits on geometry work and grid's event loop does
none of it: the file is read in a geometry worker (or the CLI's thread) with no connection
held; the communities' boundaries and their stored footprints/zones are fetched in one short
read; splitting, checking and duplicate detection run in a worker as one job (`_plan`;
into one named `community`, whose stored data is fetched first, reading and planning are one
job); only the write runs in the transaction: buildings new to their community by one binary
COPY the worker built (transfer.copy_buildings), the ones it held by an upsert. Refused
features (with `partial`, or on refusal) come back as a GeoJSON file to fix and re-import
(services/grid/refused_features.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np
import shapely
from geoalchemy2.elements import WKBElement
from shapely.geometry.base import BaseGeometry
from sqlalchemy import case, func, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.common.errors import DomainError, UserErrorCode
from services.common.import_report import ImportReport
from services.grid import geometry_pool
from services.grid.gc_paused import gc_paused
from services.grid.models import SRID, building, community, zone
from services.grid.transfer import files as transfer_files
from services.grid.transfer import records as transfer
from services.grid.transfer import refusals as refused_features
from services.grid.transfer.coordinates import Crs
from services.grid.transfer.files import BoundaryRecord, FileRead, Kind, SourceFile
from services.grid.transfer.records import Problems, Progress

DUPLICATE_SHARE = 0.9  # footprints overlapping at least this share of the larger are one

Known = Callable[[list[str]], Awaitable[set[str]]]  # which new community codes org has
Scope = Callable[[str], bool]  # the communities the caller may write (route callers)
BeforeCommit = Callable[[AsyncConnection, "FileImport"], Awaitable[None]]  # see import_file


class Policy(Enum):
    SKIP = "skip"
    KEEP = "keep"
    REPLACE = "replace"


class FileImport(ImportReport):
    """The one import report (services.common.import_report) of a geometry file: written
    when anything new or changed was stored (a check writes nothing)."""

    def __init__(self, kind: Kind, check_only: bool, partial: bool = False) -> None:
        super().__init__(kind.value, check_only, partial=partial)

    @property
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


class FeatureProblems(Problems):
    """Problems that also keep the first reason of every refused feature (by its number in
    the file, `field` ["file", "features", N, ...]), all of them: `found` stops at
    MAX_ERRORS, the file of refused features must not."""

    def __init__(self) -> None:
        super().__init__()
        self.reasons: dict[int, tuple[str, str]] = {}

    def add(self, error: DomainError) -> None:
        super().add(error)
        self.refuse(error.field, error.message, error.message_en)

    def refuse(self, where: list[str] | None, zh: str, en: str) -> None:
        if where and len(where) > 2 and where[:2] == ["file", "features"] and where[2].isdigit():
            self.reasons.setdefault(int(where[2]), (zh, en))

    def __getstate__(self) -> dict:
        return {**super().__getstate__(), "reasons": self.reasons}

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        self.reasons = state["reasons"]


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
    only those can overlap a new footprint) or its zones (transfer.existing_zones)."""

    areas: dict[str, BaseGeometry]
    buildings: dict[str, list[tuple[uuid.UUID, str, bytes | None]]] = field(default_factory=dict)
    zones: dict[str, list[tuple[uuid.UUID, str, bytes]]] = field(default_factory=dict)


async def _stored(
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
                stored.zones[area] = await transfer.existing_zones(conn, area)
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
            # database's rule (transfer.new_buildings), which the database then checks.
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
    problems.groups[transfer.group_of(problems.found[-1])].count = len(outside)


# --- duplicates ------------------------------------------------------------------------------


def _same(a: BaseGeometry, b: BaseGeometry) -> bool:
    if a.geom_type == "Point" or b.geom_type == "Point":
        return a.geom_type == b.geom_type and a.distance(b) < transfer.SAME_PLACE
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


def _read(source: SourceFile, kind: Kind) -> tuple[FileRead, tuple | None]:
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
        copies: dict[str, transfer.NewBuildings] | None = None,
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
def _plan(
    kind: Kind, read: FileRead, stored: Stored, policy: Policy, report: FileImport
) -> Planned:
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
    copies: dict[str, transfer.NewBuildings] = {}
    for code, records in inside.items():
        if kind is Kind.BUILDINGS:
            prepared = transfer.prepare_buildings(
                records, crs=Crs.WGS84, code=code, boundary=areas[code], problems=problems
            )
            held = stored.buildings.get(code, [])
            kept = _deduplicated(prepared, held, policy, report)
            # Ids the community held at the short read may be updates (upserted); the
            # others are new and go in by COPY (transfer.copy_buildings).
            ids = {s[0] for s in held}
            rows[code] = [r for r in kept if r["id"] in ids]
            copies[code] = transfer.new_buildings(
                [r for r in kept if r["id"] not in ids], stored.zones.get(code, [])
            )
        else:
            rows[code] = transfer.zone_rows(
                records,
                crs=Crs.WGS84,
                code=code,
                boundary=areas[code],
                stored=stored.zones.get(code, []),
                problems=problems,
            )
    return Rows(kind, rows, copies), problems, report


def _read_and_plan(
    source: SourceFile,
    kind: Kind,
    stored: Stored,
    policy: Policy,
    report: FileImport,
    partial: bool,
) -> tuple[Rows | None, FeatureProblems, FileImport]:
    """Into one named community, whose stored data can be fetched before the file is read:
    `_read` and `_plan` as one job (the records need not cross to grid and back)."""
    read, _ = _read(source, kind)
    report.read, report.notes = read.read, list(read.notes)
    assert isinstance(read.problems, FeatureProblems)  # _read gives a file's feature problems
    if read.problems.found and not partial:
        return None, read.problems, report
    return _plan(kind, read, stored, policy, report)


# --- the writes (in the one transaction) -----------------------------------------------------


def _count(report: FileImport, outcome: transfer.ImportOutcome) -> None:
    report.imported += outcome.imported - outcome.updated
    report.updated += outcome.updated
    if outcome.skipped:
        report.skip("unchanged", "", outcome.skipped)


async def _write(
    conn: AsyncConnection,
    kind: Kind,
    planned: Rows,
    report: FileImport,
    progress: Progress | None,
) -> None:
    write = transfer.write_buildings if kind is Kind.BUILDINGS else transfer.write_zones
    for community_rows in planned.rows.values():
        if community_rows:
            _count(report, await write(conn, community_rows, progress=progress))
    for new in planned.copies.values():
        _count(report, await transfer.copy_buildings(conn, new, progress=progress))


def _checked_boundaries(
    read: list[BoundaryRecord], problems: Problems, scope: Scope | None
) -> dict[str, BoundaryRecord]:
    """The boundaries by community code: in scope, each code once."""
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
    return seen


async def _new_communities(
    engine: AsyncEngine,
    seen: dict[str, BoundaryRecord],
    problems: Problems,
    known: Known | None,
) -> tuple[set[str], set[str]]:
    """The codes grid has, and the new ones org's tree holds (asked before the transaction:
    no transaction waits on the org service)."""
    async with engine.connect() as conn:
        query = select(community.c.code).where(community.c.code.in_(list(seen)))
        stored = set((await conn.execute(query)).scalars().all())
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
    return stored, accepted


async def _zone_left_out(conn: AsyncConnection, code: str, boundary: BaseGeometry) -> str | None:
    """The name of a zone of `code` that `boundary` would leave out, if any."""
    geometry = func.ST_GeomFromWKB(shapely.to_wkb(boundary), SRID)
    query = select(zone.c.name).where(
        zone.c.community_code == code,
        ~func.ST_Covers(func.ST_Buffer(geometry, 1e-7), zone.c.boundary),
    )
    return (await conn.execute(query)).scalars().first()


async def _zones_left_out(
    engine: AsyncEngine, seen: dict[str, BoundaryRecord], stored: set[str], problems: Problems
) -> set[str]:
    """The stored communities whose new boundary leaves out one of their zones (refused), in
    a short read before the write."""
    left_out = set()
    async with engine.connect() as conn:
        for code in sorted(stored & set(seen)):
            sticking = await _zone_left_out(conn, code, seen[code].boundary)
            if sticking is not None:
                left_out.add(code)
                problems.add(
                    DomainError(
                        UserErrorCode.RULE_VIOLATION,
                        f"新边界未包含社区 {code} 的片区“{sticking}”",
                        f"The new boundary of {code} leaves out its zone '{sticking}'",
                        seen[code].field,
                        rule="inside_community",
                    )
                )
    return left_out


async def _write_boundaries(
    conn: AsyncConnection,
    seen: dict[str, BoundaryRecord],
    stored: set[str],
    accepted: set[str],
    report: FileImport,
    progress: Progress | None,
) -> None:
    for code, record in seen.items():
        if code not in stored and code not in accepted:
            continue
        geometry = func.ST_GeomFromWKB(shapely.to_wkb(record.boundary), SRID)
        if code in stored:
            if await _zone_left_out(conn, code, record.boundary) is not None:
                # A zone drawn or moved since the check: the whole write is undone.
                raise DomainError(
                    UserErrorCode.CONFLICT,
                    f"社区 {code} 的片区在导入期间发生了变化，请重新导入",
                    f"The zones of {code} changed during the import: import again",
                    record.field,
                    rule="inside_community",
                )
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


def _refuse_unless_partial(report: FileImport, problems: Problems, partial: bool) -> None:
    if problems.found and not partial:
        raise _refused(report, problems)


async def _commit(
    engine: AsyncEngine,
    write: Callable[[AsyncConnection], Awaitable[None]],
    report: FileImport,
    *,
    check: bool,
    before_commit: BeforeCommit | None,
) -> None:
    """`write` in one transaction, rolled back for a `check`, else handed to `before_commit`
    with the finished report and committed."""
    async with engine.begin() as conn:
        await write(conn)
        if check:
            await conn.rollback()
        elif before_commit is not None:
            await before_commit(conn, report)


@dataclass(frozen=True)
class ImportOptions:
    """How one file is imported (each defaulted: callers name the few they set).

    `community_code`: the community the zones or buildings go to (else found by place);
    `check`: read and check, write nothing; `partial`: write what passes, report the rest;
    `known`/`scope`: which community codes org knows and the caller may write; `progress`:
    told of rows written; `in_thread` (the CLI: one import, its user can stop it): the
    geometry work in a thread rather than grid's geometry pool, sparing the workers'
    start-up; `before_commit` gets the write's connection and the finished report just
    before the write commits (a route stores its answer there, so a retry finds the answer
    with it)."""

    community_code: str | None = None
    policy: Policy = Policy.SKIP
    check: bool = False
    partial: bool = False
    known: Known | None = None
    scope: Scope | None = None
    progress: Progress | None = None
    in_thread: bool = False
    before_commit: BeforeCommit | None = None


def _jobs(source: SourceFile, in_thread: bool) -> Callable[..., Awaitable[Any]]:
    """How the import's geometry work runs: in grid's pool under the import budget, or in a
    thread."""

    async def job(function: Callable[..., Any], *args: Any) -> Any:
        if in_thread:
            return await asyncio.to_thread(function, *args)
        return await geometry_pool.run_import(
            function, *args, size=len(source.data), field=["file"]
        )

    return job


async def import_file(
    engine: AsyncEngine,
    kind: Kind,
    source: SourceFile,
    options: ImportOptions = ImportOptions(),  # frozen: one shared default is safe
) -> FileImport:
    """Read, check and (unless `check`) write a geometry file, all-or-nothing in one
    transaction of `engine` (see the module docstring for the phases); FileRefusedError
    (carrying the report) when anything is refused and not `partial`."""
    community_code, policy, check, partial = (
        options.community_code,
        options.policy,
        options.check,
        options.partial,
    )
    known, scope, progress = options.known, options.scope, options.progress
    job = _jobs(source, options.in_thread)

    report = FileImport(kind, check, partial=partial)
    planned: Rows | None = None
    if community_code is not None and kind is not Kind.BOUNDARIES:
        stored_data = await _stored(engine, kind, community_code, None, scope)
        planned, problems, report = await job(
            _read_and_plan, source, kind, stored_data, policy, report, partial
        )
    else:
        read, bounds = await job(_read, source, kind)
        report.read, report.notes = read.read, list(read.notes)
        problems = read.problems
    try:
        _refuse_unless_partial(report, problems, partial)
        write: Callable[[AsyncConnection], Awaitable[None]]
        if kind is Kind.BOUNDARIES:
            seen = _checked_boundaries(read.records, problems, scope)
            stored, accepted = await _new_communities(engine, seen, problems, known)
            for code in await _zones_left_out(engine, seen, stored, problems):
                del seen[code]

            async def write(conn: AsyncConnection) -> None:
                await _write_boundaries(conn, seen, stored, accepted, report, progress)
        else:
            if planned is None:
                stored_data = await _stored(engine, kind, community_code, bounds, scope)
                planned, problems, report = await job(
                    _plan, kind, read, stored_data, policy, report
                )
            rows = planned

            async def write(conn: AsyncConnection) -> None:
                await _write(conn, kind, rows, report, progress)

        _refuse_unless_partial(report, problems, partial)
        await _finish(report, problems, source, job)  # before the write: no connection held
        await _commit(engine, write, report, check=check, before_commit=options.before_commit)
        _refuse_unless_partial(report, problems, partial)
        await _finish(report, problems, source, job)
    except FileRefusedError as refused:
        if problems.reasons:  # the refusal stands even if its file cannot be made
            with contextlib.suppress(DomainError):
                await _finish(refused.report, problems, source, job, refusals=False)
        raise
    return report


async def _finish(
    report: FileImport,
    problems: Problems,
    source: SourceFile,
    job: Callable[..., Awaitable[Any]],
    refusals: bool = True,
) -> None:
    """The report's grouped refusals and its file of refused features (made once)."""
    if refusals:
        report.refused = transfer_files.refusals(problems)
    reasons = getattr(problems, "reasons", None)
    if reasons and report.refused_rows_file is None:
        report.refused_rows_file = await job(refused_features.build, source, reasons)
        report.refused_rows_name = refused_features.file_name(report.kind)
