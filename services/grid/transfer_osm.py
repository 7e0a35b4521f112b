"""Building footprints from an OpenStreetMap PBF (or .osm XML) extract, read with pyosmium.

Footprints are closed ways and multipolygon relations tagged `building=*` (osmium assembles
both into areas). Names come from `name`, else the address, else `OSM way/ID`; the address
from `addr:*` tags; households from `building:flats` when it is a whole number. The source key
is `osm:way/ID` or `osm:relation/ID`, so a re-import updates instead of duplicating.

OSM is WGS-84 by definition. Footprints are kept whole (never clipped) when their interior
point lies in the community, the point the database assigns zones by; the rest are skipped
and counted, as are footprints osmium cannot assemble or GEOS finds invalid (real extracts
have a few; they are reported, not repaired).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import osmium
import shapely
from shapely.geometry.base import BaseGeometry

from services.common.errors import DomainError
from services.grid.transfer import (
    MAX_ADDRESS,
    MAX_NAME,
    MAX_RECORDS,
    BuildingRecord,
    check_count,
    check_text,
    invalid,
)

ADDRESS_TAGS = ("addr:city", "addr:district", "addr:street", "addr:housenumber", "addr:unit")


@dataclass
class OsmFootprints:
    """What a reading found: footprints in the community, and what it left out and why."""

    records: list[BuildingRecord] = field(default_factory=list)
    outside: int = 0
    broken: list[str] = field(default_factory=list)  # "osm:way/1: Self-intersection[...]"

    @property
    def skipped(self) -> int:
        return self.outside + len(self.broken)


def _address(tags: osmium.osm.TagList) -> str:
    return " ".join(tags.get(t) for t in ADDRESS_TAGS if tags.get(t))[:500]


def _households(tags: osmium.osm.TagList) -> int:
    flats = tags.get("building:flats", "")
    return int(flats) if flats.isdigit() and int(flats) <= 100_000 else 0


class _Buildings(osmium.SimpleHandler):
    def __init__(self, boundary: BaseGeometry, seen: Callable[[int], None] | None) -> None:
        super().__init__()
        self.boundary = boundary
        self.found = OsmFootprints()
        self.wkb = osmium.geom.WKBFactory()
        self.seen = seen

    def area(self, area: osmium.osm.Area) -> None:
        tags = area.tags
        if tags.get("building", "no") == "no":
            return
        key = f"osm:{'way' if area.from_way() else 'relation'}/{area.orig_id()}"
        if self.seen:
            self.seen(1)
        try:
            shape = shapely.from_wkb(self.wkb.create_multipolygon(area))
        except (RuntimeError, shapely.errors.GEOSException) as exc:
            self.found.broken.append(f"{key}: {exc}")
            return
        if len(shape.geoms) == 1:
            shape = shape.geoms[0]
        if not shape.is_valid or shape.is_empty:
            self.found.broken.append(f"{key}: {shapely.is_valid_reason(shape)}")
            return
        if not self.boundary.covers(shape.point_on_surface()):
            self.found.outside += 1
            return
        check_count(len(self.found.records) + 1)
        try:  # the one text rule: a tag with a control character is a broken record
            address = check_text(_address(tags), ("地址", "address"), MAX_ADDRESS, [key])
            name = check_text(tags.get("name"), ("名称", "name"), MAX_NAME, [key])
        except DomainError as refused:
            self.found.broken.append(f"{key}: {refused.message_en}")
            return
        name = name or address or key.removeprefix("osm:")
        self.found.records.append(
            BuildingRecord(
                name=name,
                address=address,
                households=_households(tags),
                footprint=shape,
                field=["file", key],
                source_key=key,
            )
        )


def read_buildings(
    path: Path, boundary: BaseGeometry, *, seen: Callable[[int], None] | None = None
) -> OsmFootprints:
    """Building footprints of an extract whose interior point is in `boundary`.

    `seen` is called once per building footprint read (for a progress bar). More than
    MAX_RECORDS footprints inside the community is refused.
    """
    shapely.prepare(boundary)
    handler = _Buildings(boundary, seen)
    try:
        handler.apply_file(str(path), locations=True)
    except RuntimeError as exc:  # osmium's reading errors: not PBF/OSM XML, truncated...
        raise invalid(
            "无法读取 OpenStreetMap 文件（应为 .osm.pbf 或 .osm）",
            f"Not a readable OpenStreetMap file (.osm.pbf or .osm): {exc}",
            ["file"],
        ) from None
    return handler.found


__all__ = ["MAX_RECORDS", "OsmFootprints", "read_buildings"]
