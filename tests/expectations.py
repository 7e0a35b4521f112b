"""What the database should hold, computed from the demo data with shapely (not PostGIS)."""

from __future__ import annotations

import re
import uuid

from infra.demo.model import Demo


def expected_zone(demo: Demo) -> dict[uuid.UUID, uuid.UUID | None]:
    """DOMAIN "Places": a building belongs to the zone containing its footprint's interior
    point (shapely's representative_point is GEOS PointOnSurface, as PostGIS uses)."""
    zones_by_community: dict[str, list] = {}
    for z in demo.zones:
        zones_by_community.setdefault(z.community_code, []).append(z)
    result = {}
    for b in demo.buildings:
        point = b.footprint.representative_point()
        hits = [
            z.id for z in zones_by_community.get(b.community_code, []) if z.boundary.covers(point)
        ]
        assert len(hits) <= 1, "demo zones overlap"
        result[b.id] = hits[0] if hits else None
    return result


_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "两": 2}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMERAL = re.compile(r"[0-9]+|[〇零一二两三四五六七八九十百千万]+")


def _chinese_value(run: str) -> int:
    if not any(c in _UNITS or c == "万" for c in run):
        return int("".join(str(_DIGITS[c]) for c in run[:12]))  # 一〇二 reads 102
    total = section = digit = 0
    for c in run:
        if c in _UNITS:
            section += (digit or 1) * _UNITS[c]
            digit = 0
        elif c == "万":
            total += (section + digit) * 10_000
            section = digit = 0
        else:
            digit = _DIGITS[c]
    return total + section + digit


def reading_key(name: str) -> str:
    """A name as people order it (第二 before 第十, 2号楼 before 10号楼): every run of digits or
    Chinese numerals as its value, zero-padded — the test's own reading of the grid's
    `natural_key`, for expected orders."""

    def padded(match: re.Match[str]) -> str:
        run = match.group()
        value = int(run[:12]) if run.isdigit() else _chinese_value(run)
        return str(min(value, 999_999_999_999)).zfill(12)

    return _NUMERAL.sub(padded, name)
