"""A drawn zone against its community's boundary (issue 15 item 6), through the real grid.

A zone drawn a hair outside the community (less than `SNAP_TOLERANCE_M`) is clipped to it and
accepted, with an INFO finding saying so; beyond that it is refused as before ("片区超出社区范
围"), offering the drawing clipped to the community, less the other zones, which the planner
may preview and commit instead. Shapes and expectations come from the demo data.
"""

from __future__ import annotations

import shapely
import shapely.geometry
from planner_api import COMMUNITY, CREATE, REDRAW, UNDO, Grid, call, geojson
from shapely import affinity
from shapely.geometry.base import BaseGeometry

from infra.demo.model import Demo, Zone
from services.grid.validation import SNAP_TOLERANCE_M
from stack import Running

M_PER_DEG_LAT = 110_574.0  # metres in a degree of latitude, the shorter way to measure
AREA = 1e-11  # the zone shape trigger's tolerance, square degrees


def degrees(metres: float) -> float:
    """`metres` as degrees, at most that far in any direction (a degree of longitude is
    shorter than one of latitude here)."""
    return metres / M_PER_DEG_LAT


def community_of(demo: Demo, code: str) -> BaseGeometry:
    return next(c.boundary for c in demo.communities if c.code == code)


def others(demo: Demo, zone: Zone | None, code: str = COMMUNITY) -> BaseGeometry:
    return shapely.union_all(
        [z.boundary for z in demo.zones if z.community_code == code and z is not zone]
    )


def reaching(demo: Demo, zone: Zone, beyond_m: float) -> BaseGeometry:
    """The zone grown to the community boundary and `beyond_m` past it (DOMAIN zones sit a
    little inside their community), kept off the other zones."""
    community = community_of(demo, zone.community_code)
    inset = zone.boundary.exterior.distance(community.exterior)
    grown = zone.boundary.buffer(inset + degrees(beyond_m))
    return grown.difference(others(demo, zone, zone.community_code))


def outer_zone(demo: Demo) -> Zone:
    """A zone of COMMUNITY nearest its community's edge."""
    community = community_of(demo, COMMUNITY)
    zones = [z for z in demo.zones if z.community_code == COMMUNITY]
    return min(zones, key=lambda z: (z.boundary.exterior.distance(community.exterior), z.name))


def by_code(result: dict) -> dict[str, dict]:
    return {f["code"]: f for f in result["findings"]}


def test_a_redraw_a_hair_outside_is_clipped_to_the_community(
    running: Running, grid: Grid, demo: Demo, untouched: None
) -> None:
    zone = outer_zone(demo)
    drawn = reaching(demo, zone, 0.6 * SNAP_TOLERANCE_M)
    community = community_of(demo, COMMUNITY)
    assert drawn.difference(community).area > AREA, "the drawing must stick out"
    version = grid.zone(zone.id)["version"]
    args = {"z": str(zone.id), "b": geojson(drawn), "v": version}
    preview = call(running, REDRAW, dry=True, **args)
    assert preview["errors"] == []
    (snapped,) = [f for f in preview["findings"] if f["code"] == "SNAPPED_TO_COMMUNITY"]
    assert "已裁去" in snapped["message"]
    commit = call(running, REDRAW, dry=False, **args)
    assert commit["errors"] == [] and commit["changeSet"]
    stored = grid.shape(zone.id)
    assert stored.hausdorff_distance(drawn.intersection(community)) < 1e-7
    assert stored.difference(community).area <= AREA
    grid.assert_invariants()
    assert call(running, UNDO, c=COMMUNITY)["errors"] == []


def test_a_new_zone_a_hair_outside_is_clipped_to_the_community(
    running: Running, grid: Grid, demo: Demo, untouched: None
) -> None:
    community = community_of(demo, COMMUNITY)
    zones = others(demo, None)
    land = max(shapely.get_parts(community.difference(zones)), key=lambda p: p.area)
    drawn = land.buffer(degrees(0.6 * SNAP_TOLERANCE_M)).difference(zones)
    assert drawn.difference(community).area > AREA
    args = {"c": COMMUNITY, "n": "边缘片区", "b": geojson(drawn), "o": None}
    preview = call(running, CREATE, dry=True, **args)
    assert preview["errors"] == []
    assert "SNAPPED_TO_COMMUNITY" in by_code(preview)
    commit = call(running, CREATE, dry=False, **args)
    assert commit["errors"] == []
    (created,) = commit["diff"]["zonesCreated"]
    assert grid.shape(created).difference(community).area <= AREA
    grid.assert_invariants()
    assert call(running, UNDO, c=COMMUNITY)["errors"] == []


def test_a_redraw_beyond_the_tolerance_is_refused_offering_the_clipped_shape(
    running: Running, grid: Grid, demo: Demo
) -> None:
    zone = outer_zone(demo)
    community = community_of(demo, COMMUNITY)
    # Well past the boundary, and over the neighbours too: the offer leaves both out.
    inset = zone.boundary.exterior.distance(community.exterior)
    drawn = zone.boundary.buffer(inset + degrees(20))
    assert drawn.intersection(others(demo, zone)).area > AREA
    version = grid.zone(zone.id)["version"]
    before, sets = grid.fingerprint(), grid.change_sets()
    for dry in (True, False):
        result = call(running, REDRAW, dry=dry, z=str(zone.id), b=geojson(drawn), v=version)
        assert [e["code"] for e in result["errors"]] == ["RULE_VIOLATION"]
        assert result["errors"][0]["message"].startswith("片区超出社区范围")
        assert result["errors"][0]["rule"] == "zone.outside_community"
        (finding,) = result["findings"]
        assert finding["code"] == "OUTSIDE_COMMUNITY"
        offered = shapely.geometry.shape(finding["repaired"])
        wanted = drawn.intersection(community).difference(others(demo, zone))
        assert offered.symmetric_difference(wanted).area < 1e-10
        assert offered.difference(community).area <= AREA
        assert offered.intersection(others(demo, zone)).area <= AREA
    assert (grid.fingerprint(), grid.change_sets()) == (before, sets)
    # The offered shape is one the grid takes.
    preview = call(running, REDRAW, dry=True, z=str(zone.id), b=finding["repaired"], v=version)
    assert preview["errors"] == []
    assert preview["diff"] is not None


def test_a_new_zone_beyond_the_tolerance_is_refused_offering_the_clipped_shape(
    running: Running, grid: Grid, demo: Demo
) -> None:
    community = community_of(demo, COMMUNITY)
    minx, miny, maxx, maxy = community.bounds
    # A box across the community's eastern edge, tens of metres out.
    box = shapely.box(maxx - (maxx - minx) / 4, miny + (maxy - miny) / 3, maxx + degrees(30),
                      miny + (maxy - miny) / 2)  # fmt: skip
    before = grid.fingerprint()
    result = call(running, CREATE, dry=True, c=COMMUNITY, n="越界", b=geojson(box), o=None)
    assert [e["code"] for e in result["errors"]] == ["RULE_VIOLATION"]
    offered = shapely.geometry.shape(by_code(result)["OUTSIDE_COMMUNITY"]["repaired"])
    wanted = box.intersection(community).difference(others(demo, None))
    assert offered.symmetric_difference(wanted).area < 1e-10
    preview = call(running, CREATE, dry=True, c=COMMUNITY, n="越界", b=geojson(offered), o=None)
    assert preview["errors"] == []
    # A zone nowhere near its community has nothing in it to offer.
    far = affinity.translate(community, 0.5, 0.5)
    result = call(running, CREATE, dry=True, c=COMMUNITY, n="远处", b=geojson(far), o=None)
    assert [e["code"] for e in result["errors"]] == ["RULE_VIOLATION"]
    assert [(f["code"], f["repaired"]) for f in result["findings"]] == [("OUTSIDE_COMMUNITY", None)]
    assert grid.fingerprint() == before
