"""How a geometry file is read through GDAL (pyogrio): its format found from the content,
its text encoding, a zipped Shapefile unpacked, its layers read raw, and the coordinate system
it is taken to be in (services/grid/transfer/files.py describes the rules; it turns what is
read here into records)."""

from __future__ import annotations

import io
import re
import zipfile
from enum import Enum
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from services.common.errors import DomainError
from services.common.settings import max_import_bytes
from services.grid.transfer.coordinates import Crs, Declared, ProjCrs
from services.grid.transfer.records import invalid

UNPACKED_FACTOR = 4  # a zip may unpack to at most 4 times the import cap
WKT_NAMES = ("wkt", "geom", "geometry", "the_geom", "shape", "几何", "坐标串")
LON_NAMES = ("lon", "lng", "longitude", "x", "经度")
LAT_NAMES = ("lat", "latitude", "y", "纬度")


class FileFormat(Enum):
    GPKG = "GeoPackage"
    SHAPEFILE = "zipped Shapefile"
    GEOJSON = "GeoJSON"
    KML = "KML"
    CSV = "CSV"


# A format as a Chinese message names it (the values above are the English names).
FORMAT_NAMES_ZH = {
    FileFormat.GPKG: "GeoPackage",
    FileFormat.SHAPEFILE: "Shapefile（ZIP 压缩）",
    FileFormat.GEOJSON: "GeoJSON",
    FileFormat.KML: "KML",
    FileFormat.CSV: "CSV",
}


def refuse_file(zh: str, en: str) -> DomainError:
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
            raise refuse_file("ZIP 文件已损坏", "The zip file is damaged") from None
        if any(n.lower().endswith(".shp") for n in names):
            return FileFormat.SHAPEFILE
        shown = ", ".join(names[:8]) or "nothing"
        raise refuse_file(
            f"ZIP 中没有 .shp 文件（其中有：{shown}）；Shapefile 请将 .shp .shx .dbf .prj 一起压缩",
            f"A zip without a .shp inside was found (it holds: {shown}); zip a Shapefile's "
            ".shp, .shx, .dbf and .prj together",
        )
    if data[:4] == b"\x00\x00\x27\x0a":
        raise refuse_file(
            "这是单独的 .shp 文件：请将 .shp .shx .dbf .prj（及 .cpg）一起压缩成 ZIP 再导入",
            "A bare .shp was found: zip it with its .shx, .dbf and .prj (and .cpg) and import "
            "the zip",
        )
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<") and b"<kml" in head:
        return FileFormat.KML
    if head.startswith(b"<") and b"<osm" in head:
        raise refuse_file(
            "这是 OpenStreetMap XML：请用 --format osm 导入楼栋",
            "An OpenStreetMap XML file was found: import its buildings with --format osm",
        )
    if head.startswith(b"{"):
        return FileFormat.GEOJSON
    if b"\x00" in data[:4096] or suffix in (".gpkg", ".shp", ".zip", ".kmz", ".pbf"):
        raise refuse_file(
            f"无法识别的文件（扩展名 {suffix or '无'}，开头字节 {data[:8]!r}）：支持 GeoPackage、"
            "ZIP 压缩的 Shapefile、GeoJSON、KML、带 WKT 列的 CSV",
            f"Unrecognised file (extension {suffix or 'none'}, first bytes {data[:8]!r}): "
            "GeoPackage, zipped Shapefile, GeoJSON, KML or CSV with a WKT column are read",
        )
    return FileFormat.CSV


# --- text encodings --------------------------------------------------------------------------


def decode_guess(data: bytes, given: str | None) -> str:
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
        raise refuse_file(
            "文本既不是 UTF-8 也不是 GBK/GB18030：请用 --encoding 声明编码",
            "The text is neither UTF-8 nor GBK/GB18030: declare it with --encoding",
        ) from None


def _dbf_encoding(dbf: bytes, given: str | None) -> str:
    """The encoding of a .dbf without a .cpg: its header (field names) and records."""
    header_length = int.from_bytes(dbf[8:10], "little") if len(dbf) >= 10 else 0
    names = b"".join(dbf[i : i + 11].split(b"\x00")[0] for i in range(32, header_length - 1, 32))
    return decode_guess(names + dbf[header_length:], given)


# --- reading ---------------------------------------------------------------------------------


def unzip(data: bytes, into: Path) -> tuple[Path, str | None]:
    """The .shp of a zipped Shapefile extracted under `into`, and the encoding to read it in
    when it has no .cpg (None: GDAL reads the .cpg)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    members = [m for m in archive.infolist() if not m.is_dir()]
    if sum(m.file_size for m in members) > UNPACKED_FACTOR * max_import_bytes():
        raise refuse_file("ZIP 解压后过大", "The zip unpacks to too much data")
    shps = [m for m in members if m.filename.lower().endswith(".shp")]
    if len(shps) > 1:
        shown = ", ".join(m.filename for m in shps[:5])
        raise refuse_file(
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
        raise refuse_file(
            f"Shapefile 缺少 {'、'.join(missing)} 文件：请与 .shp 一起压缩",
            f"The Shapefile lacks its {', '.join(missing)}: zip it together with the .shp",
        )
    encoding = None if ".cpg" in found else _dbf_encoding(found[".dbf"].read_bytes(), None)
    return found[".shp"], encoding


def _csv_columns(text: str) -> list[str]:
    import csv

    return next(csv.reader(io.StringIO(text)), [])


def csv_refusal(text: str) -> DomainError:
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
    return refuse_file(
        f"CSV（列：{shown}）中没有找到几何列：{zh_hint}",
        f"A CSV with columns ({shown}) was found but no geometry in it: {en_hint} "
        f"(WKT may also be named {', '.join(WKT_NAMES[1:5])})",
    )


def raw_layers(path: Path, fmt: FileFormat, encoding: str | None) -> list[tuple[dict, Any, dict]]:
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


def crs_of(meta: dict) -> Declared | None:
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


def choose_system(
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
    raise refuse_file(
        f"文件没有声明坐标系，坐标是投影坐标（{zh}）：请用 --crs EPSG:N（接口参数 crs=EPSG:N）声明",
        f"The file declares no coordinate system and its coordinates are projected ({en}); "
        "declare it with --crs EPSG:N (crs=EPSG:N)",
    )
