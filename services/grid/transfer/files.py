"""Geometry files read through GDAL (pyogrio): GeoPackage, zipped Shapefile, GeoJSON, KML,
CSV with a WKT column (or lon/lat columns), into WGS-84 records for `transfer`.

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

import io
import math
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from services.common.auth import is_region_code
from services.common.cells import code_cell, text_cell
from services.common.errors import DomainError
from services.common.settings import import_too_large, max_import_bytes
from services.grid.gc_paused import gc_paused
from services.grid.transfer import records as transfer
from services.grid.transfer.coordinates import Crs, Declared, ProjCrs, geometry_to_wgs84
from services.grid.transfer.records import BuildingRecord, Problems, ZoneRecord, invalid
from services.grid.validation import ZONE_TYPES, parse_shape

UNPACKED_FACTOR = 4  # a zip may unpack to at most 4 times the import cap
WKT_NAMES = ("wkt", "geom", "geometry", "the_geom", "shape", "几何", "坐标串")
LON_NAMES = ("lon", "lng", "longitude", "x", "经度")
LAT_NAMES = ("lat", "latitude", "y", "纬度")
COLUMNS = {
    "name": ("name", "名称", "楼栋名称", "片区名称", "社区名称", "楼栋", "building"),
    "address": ("address", "地址", "addr", "楼栋地址"),
    "households": ("households", "户数"),
    "id": ("id", "编号", "楼栋编号", "building_id", "uid"),
    "code": ("code", "社区代码", "区划代码", "统计用区划代码", "community_code", "region_code"),
}


class FileFormat(Enum):
    GPKG = "GeoPackage"
    SHAPEFILE = "zipped Shapefile"
    GEOJSON = "GeoJSON"
    KML = "KML"
    CSV = "CSV"


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


def _refuse(zh: str, en: str) -> DomainError:
    return invalid(zh, en, ["file"])


# --- the format ------------------------------------------------------------------------------


def detect(data: bytes, filename: str) -> FileFormat:
    """The file's format from its first bytes (and its name's extension for text)."""
    suffix = PurePosixPath(filename.lower()).suffix
    if data.startswith(b"SQLite format 3\x00"):
        return FileFormat.GPKG
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            raise _refuse("ZIP 文件已损坏", "The zip file is damaged") from None
        if any(n.lower().endswith(".shp") for n in names):
            return FileFormat.SHAPEFILE
        shown = ", ".join(names[:8]) or "nothing"
        raise _refuse(
            f"ZIP 中没有 .shp 文件（其中有：{shown}）；Shapefile 请将 .shp .shx .dbf .prj 一起压缩",
            f"A zip without a .shp inside was found (it holds: {shown}); zip a Shapefile's "
            ".shp, .shx, .dbf and .prj together",
        )
    if data[:4] == b"\x00\x00\x27\x0a":
        raise _refuse(
            "这是单独的 .shp 文件：请将 .shp .shx .dbf .prj（及 .cpg）一起压缩成 ZIP 再导入",
            "A bare .shp was found: zip it with its .shx, .dbf and .prj (and .cpg) and import "
            "the zip",
        )
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<") and b"<kml" in head:
        return FileFormat.KML
    if head.startswith(b"<") and b"<osm" in head:
        raise _refuse(
            "这是 OpenStreetMap XML：请用 --format osm 导入楼栋",
            "An OpenStreetMap XML file was found: import its buildings with --format osm",
        )
    if head.startswith(b"{"):
        return FileFormat.GEOJSON
    if b"\x00" in data[:4096] or suffix in (".gpkg", ".shp", ".zip", ".kmz", ".pbf"):
        raise _refuse(
            f"无法识别的文件（扩展名 {suffix or '无'}，开头字节 {data[:8]!r}）：支持 GeoPackage、"
            "ZIP 压缩的 Shapefile、GeoJSON、KML、带 WKT 列的 CSV",
            f"Unrecognised file (extension {suffix or 'none'}, first bytes {data[:8]!r}): "
            "GeoPackage, zipped Shapefile, GeoJSON, KML or CSV with a WKT column are read",
        )
    return FileFormat.CSV


# --- text encodings --------------------------------------------------------------------------


def _decode_guess(data: bytes, given: str | None) -> str:
    """UTF-8 when the bytes are strictly UTF-8, else GB18030 (GBK's superset), or `given`."""
    if given:
        return given
    try:
        data.decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
        return "GB18030"
    except UnicodeDecodeError:
        raise _refuse(
            "文本既不是 UTF-8 也不是 GBK/GB18030：请用 --encoding 声明编码",
            "The text is neither UTF-8 nor GBK/GB18030: declare it with --encoding",
        ) from None


def _dbf_encoding(dbf: bytes, given: str | None) -> str:
    """The encoding of a .dbf without a .cpg: its header (field names) and records."""
    header_length = int.from_bytes(dbf[8:10], "little") if len(dbf) >= 10 else 0
    names = b"".join(dbf[i : i + 11].split(b"\x00")[0] for i in range(32, header_length - 1, 32))
    return _decode_guess(names + dbf[header_length:], given)


# --- reading ---------------------------------------------------------------------------------


def _unzip(data: bytes, into: Path) -> tuple[Path, str | None]:
    """The .shp of a zipped Shapefile extracted under `into`, and the encoding to read it in
    when it has no .cpg (None: GDAL reads the .cpg)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    members = [m for m in archive.infolist() if not m.is_dir()]
    if sum(m.file_size for m in members) > UNPACKED_FACTOR * max_import_bytes():
        raise _refuse("ZIP 解压后过大", "The zip unpacks to too much data")
    shps = [m for m in members if m.filename.lower().endswith(".shp")]
    if len(shps) > 1:
        shown = ", ".join(m.filename for m in shps[:5])
        raise _refuse(
            f"ZIP 中有多个 Shapefile（{shown}），请每次导入一个",
            f"The zip holds several Shapefiles ({shown}); import one at a time",
        )
    stem = shps[0].filename[: -len(".shp")]
    found: dict[str, Path] = {}
    for member in members:
        if not member.filename.startswith(stem) or "." not in member.filename[len(stem) :]:
            continue
        extension = member.filename[len(stem) :].lower()
        target = into / f"layer{extension}"  # our own name: never a path from the archive
        target.write_bytes(archive.read(member))
        found[extension] = target
    missing = [e for e in (".shx", ".dbf") if e not in found]
    if missing:
        raise _refuse(
            f"Shapefile 缺少 {'、'.join(missing)} 文件：请与 .shp 一起压缩",
            f"The Shapefile lacks its {', '.join(missing)}: zip it together with the .shp",
        )
    encoding = None if ".cpg" in found else _dbf_encoding(found[".dbf"].read_bytes(), None)
    return found[".shp"], encoding


def _csv_columns(text: str) -> list[str]:
    import csv

    return next(csv.reader(io.StringIO(text)), [])


def _csv_refusal(text: str) -> DomainError:
    import csv

    columns = _csv_columns(text)
    first = next(iter(csv.DictReader(io.StringIO(text))), {}) or {}
    holds_wkt = [
        c
        for c, v in first.items()
        if isinstance(v, str) and re.match(r"(?i)\s*(multi)?(polygon|point)\s*(z\s*)?\(", v)
    ]
    if holds_wkt:
        zh_hint = f"列“{holds_wkt[0]}”是 WKT 形状：请将其列名改为 WKT"
        en_hint = f"the column '{holds_wkt[0]}' holds WKT shapes: name it WKT"
    else:
        zh_hint = "请提供 WKT 列（多边形）或 lon、lat 两列"
        en_hint = "give a WKT column (polygons) or lon and lat columns"
    shown = ", ".join(columns[:12]) or "none"
    return _refuse(
        f"CSV（列：{shown}）中没有找到几何列：{zh_hint}",
        f"A CSV with columns ({shown}) was found but no geometry in it: {en_hint} "
        f"(WKT may also be named {', '.join(WKT_NAMES[1:5])})",
    )


def _raw(path: Path, fmt: FileFormat, encoding: str | None) -> list[tuple[dict, Any, dict]]:
    """(meta, geometries as WKB, columns) of each layer to read."""
    import pyogrio
    from pyogrio.raw import read

    options: dict[str, Any] = {}
    if fmt is FileFormat.CSV:
        options = {
            "GEOM_POSSIBLE_NAMES": ",".join(WKT_NAMES),
            "X_POSSIBLE_NAMES": ",".join(LON_NAMES),
            "Y_POSSIBLE_NAMES": ",".join(LAT_NAMES),
            "KEEP_GEOM_COLUMNS": "NO",
        }
    layers = [
        str(name)
        for name, kind in pyogrio.list_layers(path)
        if kind is not None or fmt is FileFormat.CSV
    ]
    if fmt is not FileFormat.KML:  # KML folders are layers of one file; others: the first
        layers = layers[:1]
    out = []
    for layer in layers:
        meta, _, geometry, columns = read(
            path, layer=layer, encoding=encoding, force_2d=True, **options
        )
        out.append((meta, geometry, dict(zip(meta["fields"], columns, strict=True))))
    return out


def _crs_of(meta: dict) -> Declared | None:
    text = meta.get("crs")
    if not text:
        return None
    if text.upper() in ("EPSG:4326", "OGC:CRS84"):
        return Crs.WGS84
    if text.upper() == "EPSG:4490":
        return Crs.CGCS2000
    return ProjCrs(text)


def _projected_hint(bounds: np.ndarray) -> tuple[str, str]:
    """What the numbers of an undeclared projected file suggest (zh, en)."""
    x = (bounds[0] + bounds[2]) / 2
    y = (bounds[1] + bounds[3]) / 2
    seen = f"x ≈ {x:,.0f}, y ≈ {y:,.0f}"
    zone = int(x // 1_000_000)
    if 25 <= zone <= 45:
        epsg = 4513 + zone - 25
        return (
            f"{seen}：像是带带号的 3 度高斯-克吕格投影（第 {zone} 带，CGCS2000 为 EPSG:{epsg}）",
            f"{seen}: looks like a 3-degree Gauss-Krüger zone with its zone prefix (zone "
            f"{zone}; CGCS2000: EPSG:{epsg})",
        )
    if 13 <= zone <= 23:
        epsg = 4491 + zone - 13
        return (
            f"{seen}：像是带带号的 6 度高斯-克吕格投影（第 {zone} 带，CGCS2000 为 EPSG:{epsg}），"
            "或 Web 墨卡托（EPSG:3857）",
            f"{seen}: looks like a 6-degree Gauss-Krüger zone with its prefix (zone {zone}; "
            f"CGCS2000: EPSG:{epsg}) or Web Mercator (EPSG:3857)",
        )
    if 0 < x < 1_000_000:
        return (
            f"{seen}：像是不带带号的高斯-克吕格投影（CGCS2000 按中央经线为 EPSG:4534–4554）或 UTM",
            f"{seen}: looks like Gauss-Krüger without a zone prefix (CGCS2000 by central "
            "meridian: EPSG:4534–4554) or UTM (EPSG:326xx)",
        )
    return (f"{seen}：是投影坐标", f"{seen}: projected coordinates")


def _system(
    declared: Declared | None, of_file: Declared | None, bounds: np.ndarray, notes: list[str]
) -> Declared:
    if declared is not None:
        if of_file is not None and of_file != declared:
            notes.append(f"read in the declared {declared} instead of the file's {of_file}")
        return declared
    if of_file is not None:
        notes.append(f"coordinate system from the file: {of_file}")
        return of_file
    looks_geographic = not np.isfinite(bounds).all() or (
        (abs(bounds[0]) <= 180 and abs(bounds[2]) <= 180)
        and (abs(bounds[1]) <= 90 and abs(bounds[3]) <= 90)
    )
    if looks_geographic:
        notes.append(
            "the file declares no coordinate system; its numbers are longitudes/latitudes: "
            "read as WGS-84 (declare --crs gcj02/bd09/EPSG:N if not)"
        )
        return Crs.WGS84
    zh, en = _projected_hint(bounds)
    raise _refuse(
        f"文件没有声明坐标系，坐标是投影坐标（{zh}）：请用 --crs EPSG:N（接口参数 crs=EPSG:N）声明",
        f"The file declares no coordinate system and its coordinates are projected ({en}); "
        "declare it with --crs EPSG:N (crs=EPSG:N)",
    )


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
            path, guessed = _unzip(source.data, Path(folder))
            encoding = encoding or guessed
            if guessed:
                notes.append(f"no .cpg: attributes read as {encoding}")
        elif fmt is FileFormat.CSV:
            text = source.data.decode(_decode_guess(source.data, encoding)).lstrip("\ufeff")
            path = Path(folder, "layer.csv")
            path.write_text(text, encoding="utf-8")
            encoding = "UTF-8"
        else:
            extension = {FileFormat.GPKG: ".gpkg", FileFormat.GEOJSON: ".geojson"}
            path = Path(folder, "layer" + extension.get(fmt, ".kml"))
            path.write_bytes(source.data)
        try:
            layers = _raw(path, fmt, encoding)
        except Exception as exc:  # GDAL's DataSourceError and friends: an unreadable file
            raise _refuse(
                f"无法读取{fmt.value}文件：{exc}", f"The {fmt.value} file cannot be read: {exc}"
            ) from None
    if fmt is FileFormat.CSV and all(meta["geometry_type"] is None for meta, _, _ in layers):
        raise _csv_refusal(text)
    wkbs = [w for _, geometry, _ in layers for w in geometry]
    transfer.check_count(len(wkbs))
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
    crs = _system(source.crs, _crs_of(layers[0][0]) if layers else None, bounds, notes)
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
        raise _refuse(
            f"边界文件需要社区代码列（code 或 社区代码），现有列：{shown}",
            f"A boundary file needs a community code column (code or 社区代码); its columns: "
            f"{shown}",
        )
    records: list[Any] = []
    unnamed = 0
    for index, shape in enumerate(shapes):
        where = ["file", "features", str(index + 1)]
        try:
            name = transfer.check_text(
                _cell(names, index),
                ("名称", "name"),
                transfer.MAX_NAME,
                [*where, "name"],
            )
            key = (code_cell(ids[index]) if ids is not None else "") or None
            if kind is Kind.BOUNDARIES:
                code = code_cell(codes[index])  # type: ignore[index]
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
            address = transfer.check_text(
                _cell(addresses, index),
                ("地址", "address"),
                transfer.MAX_ADDRESS,
                [*where, "address"],
            )
            if not name:  # an unnamed building: its address, else an ordinal
                if address:
                    name = address[: transfer.MAX_NAME]
                else:
                    unnamed += 1
                    name = f"未命名楼栋 {unnamed}"
            count = _cell(households, index)
            records.append(
                BuildingRecord(
                    name=name,
                    address=address,
                    households=transfer.check_households(count, [*where, "households"]),
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
