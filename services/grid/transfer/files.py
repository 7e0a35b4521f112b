"""Geometry files read through GDAL (pyogrio): GeoPackage, zipped Shapefile, GeoJSON, KML,
CSV with a WKT column (or lon/lat columns), into WGS-84 records for `upsert`.

The format is found from the content (SQLite header: GeoPackage; a zip holding a .shp:
Shapefile; `<kml`: KML; `{`: GeoJSON; other text: CSV), the name's extension only breaking
ties; what cannot be read is refused naming what was found and what to do.

Coordinate systems, in order: the caller's declaration (`--crs EPSG:N|WGS84|GCJ02|...`), the
file's own (.prj, the GeoPackage srs); a file with neither is read as longitude/latitude when
its numbers fit, and refused as projected otherwise, with the zone its numbers suggest.

Text of Shapefiles without a .cpg (Chinese ones are often GBK/GB18030) is decoded as UTF-8 when
every byte of the .dbf is valid UTF-8, else as GB18030 (a superset of GBK), or as `encoding`.

Columns (any case, Chinese or English): name/名称, address/地址, households/户数,
id/编号 (a re-import with the same ids updates), code/社区代码/区划代码 (boundaries).
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from services.common.auth import is_region_code
from services.common.cells import code_cell, text_cell
from services.common.errors import DomainError
from services.common.settings import import_too_large, max_import_bytes
from services.grid.gc_paused import gc_paused
from services.grid.transfer.coordinates import Declared, geometry_to_wgs84
from services.grid.transfer.file_formats import (
    FORMAT_NAMES_ZH,
    FileFormat,
    choose_system,
    crs_of,
    csv_refusal,
    decode_guess,
    detect,
    raw_layers,
    refuse_file,
    unzip,
)
from services.grid.transfer.records import (
    MAX_ADDRESS,
    MAX_NAME,
    BuildingRecord,
    Problems,
    ZoneRecord,
    check_count,
    check_households,
    check_text,
    invalid,
)
from services.grid.validation import ZONE_TYPES, parse_shape

COLUMNS = {
    "name": ("name", "名称", "楼栋名称", "片区名称", "社区名称", "楼栋", "building"),
    "address": ("address", "地址", "addr", "楼栋地址"),
    "households": ("households", "户数"),
    "id": ("id", "编号", "楼栋编号", "building_id", "uid"),
    "code": ("code", "社区代码", "区划代码", "统计用区划代码", "community_code", "region_code"),
}


class Kind(Enum):
    """What a file brings in."""

    BOUNDARIES = "boundaries"
    ZONES = "zones"
    BUILDINGS = "buildings"


@dataclass(frozen=True)
class SourceFile:
    data: bytes
    filename: str = ""
    crs: Declared | None = None  # the caller's declaration
    encoding: str | None = None  # the caller's, for text without a declared encoding


@dataclass(frozen=True)
class BoundaryRecord:
    code: str
    name: str
    boundary: BaseGeometry  # WGS-84
    field: list[str]


@dataclass
class FileRead:
    """A file's records in WGS-84, what was assumed on the way, and what was refused."""

    fmt: FileFormat
    read: int
    records: list[Any]
    notes: list[str] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)

    # A FileRead crosses back from a geometry worker: its shapes as one WKB array and its
    # records' other fields as plain dicts pickle ~10× faster than 20,000 dataclasses each
    # holding a geometry; they are rebuilt as pickle rebuilds any object, by filling the
    # instance's __dict__ (the frozen dataclasses' __init__ cost more than the rest).
    @gc_paused()
    def __getstate__(self) -> dict:
        state = dict(vars(self))
        records = state.pop("records")
        kinds = {type(r) for r in records}
        kind = kinds.pop() if len(kinds) == 1 else None
        if kind is None:
            return {**state, "records": records}
        slot = _GEOMETRY_FIELD[kind]
        shapes = np.empty(len(records), dtype=object)
        shapes[:] = [getattr(r, slot) for r in records]
        rest = [vars(r).copy() for r in records]
        for fields in rest:
            del fields[slot]
        return {**state, "packed": (kind, shapely.to_wkb(shapes), rest)}

    @gc_paused()
    def __setstate__(self, state: dict) -> None:
        packed = state.pop("packed", None)
        if packed is not None:
            kind, wkbs, rest = packed
            slot = _GEOMETRY_FIELD[kind]
            records = []
            for fields, shape in zip(rest, shapely.from_wkb(wkbs), strict=True):
                fields[slot] = shape
                record = object.__new__(kind)
                record.__dict__.update(fields)
                records.append(record)
            state["records"] = records
        self.__dict__.update(state)


_GEOMETRY_FIELD = {BuildingRecord: "footprint", ZoneRecord: "boundary", BoundaryRecord: "boundary"}


def _cell(values: list | None, index: int) -> str:
    """A column's text at `index` ("" when blank or when the file has no such column)."""
    return "" if values is None else text_cell(values[index])


def _column(columns: dict[str, Any], what: str) -> Any | None:
    lowered = {str(k).strip().lower(): v for k, v in columns.items()}
    for alias in COLUMNS[what]:
        if alias.lower() in lowered:
            return lowered[alias.lower()]
    return None


@gc_paused()
def read_file(source: SourceFile, kind: Kind, problems: Problems | None = None) -> FileRead:
    """The records of a geometry file in WGS-84 (in a geometry worker: GDAL and GEOS work).
    Refusals of single records are collected in `problems` (the caller's, or a new one); a
    file-level refusal raises."""
    fmt, converted, columns, notes = read_features(source)
    problems = Problems() if problems is None else problems
    records = _records(kind, converted, columns, problems)
    return FileRead(fmt, len(converted), records, notes, problems)


def read_features(
    source: SourceFile,
) -> tuple[FileFormat, np.ndarray, dict[str, list], list[str]]:
    """A file's shapes in WGS-84 (None where missing) and its columns as read, unchecked:
    the format, the shapes, the columns by their own names, the notes."""
    if len(source.data) > max_import_bytes():
        raise import_too_large()
    fmt = detect(source.data, source.filename)
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="partygrid-import-") as folder:
        encoding = source.encoding
        if fmt is FileFormat.SHAPEFILE:
            path, guessed = unzip(source.data, Path(folder))
            encoding = encoding or guessed
            if guessed:
                notes.append(f"no .cpg: attributes read as {encoding}")
        elif fmt is FileFormat.CSV:
            text = source.data.decode(decode_guess(source.data, encoding)).lstrip("\ufeff")
            path = Path(folder, "layer.csv")
            path.write_text(text, encoding="utf-8")
            encoding = "UTF-8"
        else:
            extension = {FileFormat.GPKG: ".gpkg", FileFormat.GEOJSON: ".geojson"}
            path = Path(folder, "layer" + extension.get(fmt, ".kml"))
            path.write_bytes(source.data)
        try:
            layers = raw_layers(path, fmt, encoding)
        except Exception as exc:  # GDAL's DataSourceError and friends: an unreadable file
            # GDAL's reason is English: it goes in the English message only.
            raise refuse_file(
                f"无法读取该{FORMAT_NAMES_ZH[fmt]}文件，文件可能已损坏或格式不符",
                f"The {fmt.value} file cannot be read: {exc}",
            ) from None
    if fmt is FileFormat.CSV and all(meta["geometry_type"] is None for meta, _, _ in layers):
        raise csv_refusal(text)
    wkbs = [w for _, geometry, _ in layers for w in geometry]
    check_count(len(wkbs))
    shapes = shapely.from_wkb(np.asarray(wkbs, dtype=object), on_invalid="ignore")
    columns: dict[str, list] = {}
    total = 0
    for _, geometry, layer_columns in layers:  # KML folders may differ in their columns
        for name in layer_columns:
            columns.setdefault(name, [None] * total)
        for name, values in columns.items():
            found = layer_columns.get(name)
            values.extend(list(found) if found is not None else [None] * len(geometry))
        total += len(geometry)
    present = shapes[~shapely.is_missing(shapes)]
    bounds = shapely.total_bounds(present) if len(present) else np.array([0.0, 0.0, 0.0, 0.0])
    crs = choose_system(source.crs, crs_of(layers[0][0]) if layers else None, bounds, notes)
    return fmt, geometry_to_wgs84(crs, shapes), columns, notes


# --- records ---------------------------------------------------------------------------------

_BUILDING_TYPES = ("Polygon", "MultiPolygon", "Point")


def _shape(shape: BaseGeometry | None, allowed: tuple[str, ...], where: list[str]) -> BaseGeometry:
    if shape is None or shape.is_empty:
        raise invalid("缺少几何", "The feature has no geometry", where)
    if shape.geom_type not in allowed:
        raise invalid(
            f"几何类型应为 {'/'.join(allowed)}，而不是 {shape.geom_type}",
            f"The geometry must be {'/'.join(allowed)}, not {shape.geom_type}",
            where,
        )
    x0, y0, x1, y1 = shape.bounds
    if not (math.isfinite(x0 + y0 + x1 + y1) and -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise invalid(
            "坐标换算后不在经纬度范围内，请检查坐标系",
            "The coordinates fall outside longitude/latitude once converted: check the system",
            where,
        )
    if shape.geom_type != "Point" and not shape.is_valid:
        # The one check that offers the repaired shape (services.grid.validation).
        parse_shape(shapely.to_geojson(shape), ZONE_TYPES, where)
    return shape


_TYPE_IDS = {"Point": 0, "Polygon": 3, "MultiPolygon": 6}


def _passing(shapes: np.ndarray, allowed: tuple[str, ...]) -> np.ndarray:
    """Which shapes `_shape` takes as they are, found set-wise (one GEOS call per check for
    the whole file instead of one per feature); `_shape` still words each refusal."""
    present = ~shapely.is_missing(shapes)
    present[present] = ~shapely.is_empty(shapes[present])
    kinds = shapely.get_type_id(shapes)
    fine = present & np.isin(kinds, [_TYPE_IDS[t] for t in allowed])
    x0, y0, x1, y1 = shapely.bounds(shapes).T
    with np.errstate(invalid="ignore"):  # NaN bounds of missing shapes: not fine anyway
        fine &= np.isfinite(x0 + y0 + x1 + y1)
        fine &= (x0 >= -180) & (x0 <= x1) & (x1 <= 180) & (y0 >= -90) & (y0 <= y1) & (y1 <= 90)
    areas = fine & (kinds != _TYPE_IDS["Point"])
    fine[areas] = shapely.is_valid(shapes[areas])
    return fine


def _records(
    kind: Kind, shapes: np.ndarray, columns: dict[str, list], problems: Problems
) -> list[Any]:
    allowed = _BUILDING_TYPES if kind is Kind.BUILDINGS else ZONE_TYPES
    fine = _passing(shapes, allowed).tolist()
    names, addresses = _column(columns, "name"), _column(columns, "address")
    households, ids, codes = (_column(columns, k) for k in ("households", "id", "code"))
    if kind is Kind.BOUNDARIES and codes is None:
        shown = ", ".join(map(str, columns)) or "none"
        raise refuse_file(
            f"边界文件需要社区代码列（code 或 社区代码），现有列：{shown}",
            f"A boundary file needs a community code column (code or 社区代码); its columns: "
            f"{shown}",
        )
    records: list[Any] = []
    unnamed = 0
    for index, shape in enumerate(shapes):
        where = ["file", "features", str(index + 1)]
        try:
            name = check_text(
                _cell(names, index),
                ("名称", "name"),
                MAX_NAME,
                [*where, "name"],
            )
            key = (code_cell(ids[index]) if ids is not None else "") or None
            if kind is Kind.BOUNDARIES:
                assert codes is not None  # a boundary file without a code column was refused above
                code = code_cell(codes[index])
                # The one code rule (ASCII digits only: `\d` took full-width digits too).
                if not (is_region_code(code) and len(code) == 12):
                    raise invalid(
                        f"社区代码应为 12 位数字，而不是“{code}”（网格只保存社区边界）",
                        f"A community code is 12 digits, not '{code}' (grid stores community "
                        "boundaries only)",
                        [*where, "code"],
                    )
                boundary = shape if fine[index] else _shape(shape, ZONE_TYPES, where)
                records.append(BoundaryRecord(code, name, boundary, where))
                continue
            if kind is Kind.ZONES:
                boundary = shape if fine[index] else _shape(shape, ZONE_TYPES, where)
                if not name:
                    unnamed += 1
                    name = f"未命名片区 {unnamed}"
                records.append(ZoneRecord(name, boundary, where, key))
                continue
            footprint = shape if fine[index] else _shape(shape, _BUILDING_TYPES, where)
            address = check_text(
                _cell(addresses, index),
                ("地址", "address"),
                MAX_ADDRESS,
                [*where, "address"],
            )
            if not name:  # an unnamed building: its address, else an ordinal
                if address:
                    name = address[:MAX_NAME]
                else:
                    unnamed += 1
                    name = f"未命名楼栋 {unnamed}"
            count = _cell(households, index)
            records.append(
                BuildingRecord(
                    name=name,
                    address=address,
                    households=check_households(count, [*where, "households"]),
                    footprint=footprint,
                    field=where,
                    source_key=key,
                )
            )
        except DomainError as refused:
            problems.add(refused)
    return records


def refusals(problems: Problems) -> list[dict[str, Any]]:
    """Refusals grouped by kind, with a total and an example each (the import contract)."""
    out = []
    for key, group in problems.groups.items():
        example = group.example
        where = example.field or []
        row = next((int(p) for p in where if p.isdigit()), None)
        findings = getattr(example, "findings", None) or []
        repaired = next((f.repaired for f in findings if f.repaired), None)
        out.append(
            {
                "rule": example.rule or key,
                "count": group.count,
                "example": "/".join(where),
                "row": row,
                "column": where[-1] if where and not where[-1].isdigit() else None,
                "message": example.message,
                "messageEn": example.message_en,
                **({"repaired": repaired} if repaired else {}),
            }
        )
    return out
