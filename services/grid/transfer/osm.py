"""Building footprints from an OpenStreetMap PBF (or .osm XML) extract, read with pyosmium.

Footprints are closed ways and multipolygon relations tagged `building=*` (osmium assembles
both into areas). Names come from `name`, else the address, else `OSM way/ID`; the address
from `addr:*` tags; households from `building:flats` when it is a whole number. The source key
is `osm:way/ID` or `osm:relation/ID`, so a re-import updates instead of duplicating.

OSM is WGS-84 by definition. Footprints are kept whole (never clipped) when their interior
point lies in the community, the point the database assigns zones by; the rest are skipped
and counted. Every building that cannot be built is reported, grouped by why with a count
and an example OSM id, never dropped silently (real extracts have some; they are reported,
not repaired): ways cut at the extract's edge (nodes missing), unclosed ways, multipolygons
missing members or with rings osmium cannot assemble, shapes GEOS finds invalid, tags
breaking the text rule. osmium assembles areas silently, so the reader watches the tagged
ways and relations itself and reports those that never became an area.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import osmium
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from services.common.errors import DomainError
from services.grid.transfer.records import (
    MAX_ADDRESS,
    MAX_NAME,
    MAX_RECORDS,
    BuildingRecord,
    check_count,
    check_text,
    invalid,
)

ADDRESS_TAGS = ("addr:city", "addr:district", "addr:street", "addr:housenumber", "addr:unit")


# Why a building could not be built: (reason code, Chinese, English).
UNBUILT = {
    "missing_nodes": (
        "条路径被提取范围截断（缺少节点）",
        "ways cut at the extract's edge (nodes missing)",
    ),
    "unclosed_way": ("条路径未闭合", "ways not closed"),
    "missing_members": ("个多边形关系缺少成员", "multipolygon relations missing members"),
    "unassembled": ("个轮廓无法拼合成面", "outlines osmium could not assemble into an area"),
    "invalid_geometry": ("个轮廓几何无效", "footprints with invalid geometry"),
    "invalid_text": ("个楼栋的标签文字无效", "buildings with invalid tag text"),
}


@dataclass
class Unbuilt:
    """Buildings left out for one reason: how many, and the first one's OSM id and detail."""

    reason: str
    count: int
    example: str  # "osm:way/123"
    detail: str = ""

    def note(self) -> str:
        """One line of the CLI summary (English first, then Chinese)."""
        zh, en = UNBUILT[self.reason]
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.count} {en}, e.g. {self.example}{detail} ({self.count} {zh})"


@dataclass
class OsmFootprints:
    """What a reading found: footprints in the community, and what it left out and why."""

    records: list[BuildingRecord] = field(default_factory=list)
    outside: int = 0
    unbuilt: dict[str, Unbuilt] = field(default_factory=dict)  # by reason

    def leave_out(self, reason: str, key: str, detail: str = "") -> None:
        found = self.unbuilt.get(reason)
        if found is None:
            self.unbuilt[reason] = Unbuilt(reason, 1, key, detail)
        else:
            found.count += 1

    @property
    def skipped(self) -> int:
        return self.outside + sum(u.count for u in self.unbuilt.values())

    def notes(self) -> list[str]:
        """The report, one line per reason (what the CLI prints)."""
        lines = [u.note() for u in self.unbuilt.values()]
        if self.outside:
            lines.append(f"{self.outside} footprints outside the community")
        return lines

    def skipped_groups(self) -> list[dict]:
        """The report as the import answer's `skipped` entries (reason, count, example)."""
        groups = [
            {"reason": u.reason, "count": u.count, "example": u.example, "detail": u.detail}
            for u in self.unbuilt.values()
        ]
        if self.outside:
            groups.append({"reason": "outside_community", "count": self.outside, "example": None})
        return groups


def _address(tags: osmium.osm.TagList) -> str:
    return " ".join(value for t in ADDRESS_TAGS if (value := tags.get(t)))[:500]


def _households(tags: osmium.osm.TagList) -> int:
    flats = tags.get("building:flats") or ""
    return int(flats) if flats.isdigit() and int(flats) <= 100_000 else 0


def _is_building(tags: osmium.osm.TagList) -> bool:
    return tags.get("building", "no") != "no"


class _Buildings(osmium.SimpleHandler):
    def __init__(self, boundary: BaseGeometry, seen: Callable[[int], None] | None) -> None:
        super().__init__()
        self.boundary = boundary
        self.found = OsmFootprints()
        self.wkb = osmium.geom.WKBFactory()
        self.seen = seen
        # Buildings that should become areas, and those that did (or were reported already).
        self.ways: dict[int, bool] = {}  # closed building way -> all its nodes located
        self.relations: dict[int, list[int]] = {}  # building multipolygon -> its member ways
        self.untagged: set[int] = set()  # ways without tags: multipolygon members mostly
        self.built: set[str] = set()

    def way(self, way: osmium.osm.Way) -> None:
        if not len(way.tags):
            self.untagged.add(way.id)
        if not _is_building(way.tags) or len(way.nodes) == 0:
            return
        if way.nodes[0].ref != way.nodes[-1].ref:
            self.found.leave_out("unclosed_way", f"osm:way/{way.id}")
            return
        self.ways[way.id] = all(node.location.valid() for node in way.nodes)

    def relation(self, relation: osmium.osm.Relation) -> None:
        tags = relation.tags
        if tags.get("type") in ("multipolygon", "boundary") and _is_building(tags):
            self.relations[relation.id] = [m.ref for m in relation.members if m.type == "w"]

    def report_unbuilt(self) -> None:
        """After the reading: the buildings that never became an area, and why."""
        for way_id, located in self.ways.items():
            key = f"osm:way/{way_id}"
            if key not in self.built:
                self.found.leave_out("missing_nodes" if not located else "unassembled", key)
        for relation_id, members in self.relations.items():
            key = f"osm:relation/{relation_id}"
            if key in self.built:
                continue
            missing = [m for m in members if m not in self.untagged and m not in self.ways]
            if missing or not members:
                detail = f"way {missing[0]} absent" if missing else "no member ways"
                self.found.leave_out("missing_members", key, detail)
            else:
                self.found.leave_out("unassembled", key)

    def area(self, area: osmium.osm.Area) -> None:
        tags = area.tags
        if not _is_building(tags):
            return
        key = f"osm:{'way' if area.from_way() else 'relation'}/{area.orig_id()}"
        self.built.add(key)  # reported here if it goes no further
        if self.seen:
            self.seen(1)
        if area.from_way() and self.ways.get(area.orig_id()) is False:
            self.found.leave_out("missing_nodes", key)  # assembled from undefined locations
            return
        try:
            shape = shapely.from_wkb(self.wkb.create_multipolygon(area))
        except (RuntimeError, shapely.errors.GEOSException) as exc:
            self.found.leave_out("unassembled", key, str(exc))
            return
        if isinstance(shape, MultiPolygon) and len(shape.geoms) == 1:
            shape = shape.geoms[0]
        if not shape.is_valid or shape.is_empty:
            self.found.leave_out("invalid_geometry", key, shapely.is_valid_reason(shape))
            return
        if not self.boundary.covers(shape.point_on_surface()):
            self.found.outside += 1
            return
        check_count(len(self.found.records) + 1)
        try:  # the one text rule: a tag with a control character is a broken record
            address = check_text(_address(tags), ("地址", "address"), MAX_ADDRESS, [key])
            name = check_text(tags.get("name"), ("名称", "name"), MAX_NAME, [key])
        except DomainError as refused:
            self.found.leave_out("invalid_text", key, refused.message_en)
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
    handler.report_unbuilt()
    return handler.found


__all__ = ["MAX_RECORDS", "UNBUILT", "OsmFootprints", "Unbuilt", "read_buildings"]
