"""The files a new district brings (issue 13, "Done when"), made here the way a district
holds them: its place list as XLSX, community boundaries as a GeoPackage in a CGCS2000
Gauss-Krüger zone, zones as GeoJSON, buildings as a zipped Shapefile in Web Mercator and as an
OSM extract, and rosters filled into the templates the org service hands out."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import shapely
from openpyxl import Workbook, load_workbook
from pyogrio.raw import write
from pyproj import Transformer


def projected(epsg: int, shape: Any) -> Any:
    """`shape` (WGS-84 lon/lat) in `epsg`."""
    forward = Transformer.from_crs(4326, epsg, always_xy=True)
    return shapely.transform(shape, lambda xy: np.column_stack(forward.transform(*xy.T)))


def regions_xlsx(rows: Sequence[Sequence[object]]) -> bytes:
    """The 统计用区划代码 list as a department keeps it: a title row, then code, name, parent."""
    book = Workbook()
    sheet = book.active
    sheet.append(["金水区统计用区划代码"])
    sheet.merge_cells("A1:C1")
    sheet.append(["区划代码", "名称", "上级区划代码"])
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def geometry_file(
    path: Path, shapes: list[Any], columns: dict[str, list], crs: str, driver: str
) -> Path:
    """Polygons (already in `crs`) with attribute columns, written by GDAL."""
    geometry = np.array([shapely.to_wkb(s) for s in shapes], dtype=object)
    fields = list(columns)
    values = [np.array(columns[f], dtype=object) for f in fields]
    write(str(path), geometry, values, fields, geometry_type="Polygon", crs=crs, driver=driver)
    return path


def zipped(folder: Path) -> bytes:
    """A Shapefile's parts in one zip, as districts mail them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, part.name)
    return buffer.getvalue()


def osm_extract(path: Path, buildings: list[tuple[int, Any, dict[str, str]]]) -> Path:
    """An OSM PBF with one closed way per (way id, WGS-84 polygon, tags)."""
    writer = osmium.SimpleWriter(str(path))
    try:
        node_id = 1
        ways = []
        for way_id, shape, tags in buildings:
            refs = []
            for x, y in list(shape.exterior.coords)[:-1]:
                writer.add_node(osmium.osm.mutable.Node(id=node_id, location=(x, y), version=1))
                refs.append(node_id)
                node_id += 1
            ways.append((way_id, [*refs, refs[0]], tags))
        for way_id, refs, tags in ways:
            writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags, version=1))
    finally:
        writer.close()
    return path


def filled_template(template: bytes, rows: Sequence[dict[str, object]]) -> bytes:
    """The downloaded template with `rows` (header → value) written under its header; the
    hidden code sheet and notes stay as they were."""
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    unknown = {k for row in rows for k in row} - set(header)
    assert not unknown, f"not in the template: {unknown}"
    for row in rows:
        sheet.append([row.get(h) for h in header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
