"""Planner operations on the grid subgraph: preview, commit, and typed refusals of bad input.

Each test leaves the demo as it found it (it undoes what it committed); after every refused
call the grid's invariants still hold and nothing at all was written.
"""

from __future__ import annotations

import json
import math

import httpx
import pytest
import shapely
from planner_api import (
    ASSIGN,
    ASSIGN_ZONE,
    BRANCH_COMMUNITY,
    COMMUNITY,
    CREATE,
    DELETE,
    MERGE,
    OTHER,
    REDRAW,
    SPLIT,
    UNASSIGN,
    UNDO,
    Grid,
    buildings_of,
    call,
    geojson,
    ok,
    organizations,
    refused,
)
from shapely import affinity
from shapely.geometry import LineString, box

from infra.demo.model import Demo
from services.grid import validation
from stack import DISTRICT, Running


def busiest_zone(grid: Grid, code: str = COMMUNITY) -> dict:
    zone_id = grid.scalar(
        "SELECT zone_id FROM grid.building WHERE community_code = :c AND zone_id IS NOT NULL "
        "GROUP BY zone_id ORDER BY count(*) DESC, zone_id LIMIT 1",
        c=code,
    )
    return grid.zone(zone_id)


def undo(running: Running, code: str = COMMUNITY) -> dict:
    return ok(call(running, UNDO, c=code))


# --- bad input: typed errors, nothing written, invariants hold -----------------------------

SQUARE = [[113.0, 34.0], [113.001, 34.0], [113.001, 34.001], [113.0, 34.001], [113.0, 34.0]]
BAD_BOUNDARIES = {
    "self-intersecting": {
        "type": "Polygon",
        "coordinates": [
            [[113.0, 34.0], [113.001, 34.001], [113.001, 34.0], [113.0, 34.001], [113.0, 34.0]]
        ],
    },
    "unclosed": {"type": "Polygon", "coordinates": [SQUARE[:-1]]},
    "too few points": {"type": "Polygon", "coordinates": [[SQUARE[0], SQUARE[1], SQUARE[0]]]},
    "empty": {"type": "Polygon", "coordinates": []},
    "no coordinates": {"type": "Polygon"},
    "latitude beyond 90": {
        "type": "Polygon",
        "coordinates": [[[113.0, 91.0], [113.001, 91.0], [113.001, 92.0], [113.0, 91.0]]],
    },
    "longitude beyond 180": {
        "type": "Polygon",
        "coordinates": [[[181.0, 34.0], [182.0, 34.0], [182.0, 35.0], [181.0, 34.0]]],
    },
    "a string coordinate": {
        "type": "Polygon",
        "coordinates": [[["113", 34.0], [113.001, 34.0], [113.001, 34.001], ["113", 34.0]]],
    },
    "a Point": {"type": "Point", "coordinates": [113.0, 34.0]},
    "a LineString": {"type": "LineString", "coordinates": SQUARE},
    "a Feature": {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [SQUARE]}},
    "not an object": [1, 2, 3],
    "not JSON": "{nope",
    "too many vertices": {
        "type": "Polygon",
        "coordinates": [
            [
                [113.0 + 1e-3 * math.cos(t / 1e4), 34.0 + 1e-3 * math.sin(t / 1e4)]
                for t in range(validation.MAX_VERTICES)
            ]
            + [[113.001, 34.0]]
        ],
    },
}


@pytest.mark.parametrize("name", list(BAD_BOUNDARIES))
def test_a_bad_boundary_is_refused_and_nothing_written(
    running: Running, grid: Grid, name: str
) -> None:
    zone = busiest_zone(grid)
    before, sets = grid.fingerprint(), grid.change_sets()
    for dry in (True, False):
        result = call(
            running, REDRAW, z=str(zone["id"]), b=BAD_BOUNDARIES[name], v=zone["version"], dry=dry
        )
        refused(result, "INVALID")
        assert result["errors"][0]["field"] == ["boundary"]
    assert (grid.fingerprint(), grid.change_sets()) == (before, sets)
    grid.assert_invariants()


def test_a_self_intersecting_boundary_is_offered_a_repair_never_applied(
    running: Running, grid: Grid
) -> None:
    zone = busiest_zone(grid)
    result = refused(
        call(
            running,
            REDRAW,
            z=str(zone["id"]),
            b=BAD_BOUNDARIES["self-intersecting"],
            v=zone["version"],
            dry=False,
        ),
        "INVALID",
    )
    (finding,) = result["findings"]
    assert finding["code"] == "INVALID_SHAPE" and "Self-intersection" in finding["messageEn"]
    repaired = shapely.from_geojson(json.dumps(finding["repaired"]))
    assert repaired.is_valid and repaired.area > 0
    assert grid.zone(zone["id"])["version"] == zone["version"]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_nan_and_infinite_coordinates_are_refused(
    running: Running, grid: Grid, value: float
) -> None:
    zone = busiest_zone(grid)
    before = grid.fingerprint()
    boundary = {"type": "Polygon", "coordinates": [[[113.0, value], *SQUARE[1:]]]}
    variables = {"z": str(zone["id"]), "b": boundary, "v": zone["version"], "dry": False}
    # JSON has no NaN; Python's decoder (the server's) accepts the common extension.
    body = json.dumps({"query": REDRAW, "variables": variables}, allow_nan=True)
    response = httpx.post(
        running.subgraphs["grid"],
        content=body,
        headers={
            "content-type": "application/json",
            **running.headers(running.subgraphs["grid"], DISTRICT),
        },
        timeout=30,
    )
    result = response.json()["data"]["redrawZone"]
    refused(result, "INVALID")
    assert "NaN or infinite" in result["errors"][0]["messageEn"]
    assert grid.fingerprint() == before


def test_a_million_vertex_polygon_is_refused_before_parsing() -> None:
    ring = [[113.0 + i * 1e-9, 34.0] for i in range(1_000_000)] + [[113.0, 34.0]]
    with pytest.raises(validation.PlanRefusedError, match="Too many vertices"):
        validation.parse_shape(
            {"type": "Polygon", "coordinates": [ring]}, validation.ZONE_TYPES, ["boundary"]
        )


def test_a_split_line_must_be_a_linestring(running: Running, grid: Grid) -> None:
    zone = busiest_zone(grid)
    result = call(
        running,
        SPLIT,
        z=str(zone["id"]),
        l={"type": "Polygon", "coordinates": [SQUARE]},
        v=zone["version"],
        dry=False,
        n="x",
    )
    assert refused(result, "INVALID")["errors"][0]["field"] == ["line"]


def test_zones_outside_the_community_or_overlapping_are_refused_by_the_database(
    running: Running, grid: Grid
) -> None:
    zone, other = grid.zones(COMMUNITY)[:2]
    before, sets = grid.fingerprint(), grid.change_sets()
    far = affinity.translate(grid.shape(zone["id"]), 0.5, 0.5)
    for dry in (True, False):
        result = refused(
            call(running, REDRAW, z=str(zone["id"]), b=geojson(far), v=zone["version"], dry=dry),
            "RULE_VIOLATION",
        )
        assert [f["code"] for f in result["findings"]] == ["OUTSIDE_COMMUNITY"]
        grown = grid.shape(zone["id"]).union(grid.shape(other["id"]))
        result = refused(
            call(running, REDRAW, z=str(zone["id"]), b=geojson(grown), v=zone["version"], dry=dry),
            "RULE_VIOLATION",
        )
        (finding,) = result["findings"]
        assert finding["code"] == "OVERLAP" and finding["zoneId"] == str(other["id"])
        result = refused(
            call(
                running,
                CREATE,
                c=COMMUNITY,
                n="重叠片区",
                b=geojson(grid.shape(other["id"])),
                o=None,
                dry=dry,
            ),
            "RULE_VIOLATION",
        )
        assert result["findings"][0]["zoneId"] == str(other["id"])
    assert (grid.fingerprint(), grid.change_sets()) == (before, sets)
    grid.assert_invariants()


def test_a_stale_version_is_a_conflict_carrying_the_current_version(
    running: Running, grid: Grid
) -> None:
    zone = busiest_zone(grid)
    before = grid.fingerprint()
    smaller = affinity.scale(grid.shape(zone["id"]), 0.9, 0.9, origin="centroid")
    for query, variables in (
        (REDRAW, {"b": geojson(smaller)}),
        (DELETE, {}),
        (ASSIGN_ZONE, {"o": None}),
    ):
        result = call(
            running, query, z=str(zone["id"]), v=zone["version"] - 1, dry=False, **variables
        )
        refused(result, "STALE")
        assert result["currentVersion"] == zone["version"]
        assert str(zone["version"]) in result["errors"][0]["messageEn"]
    assert grid.fingerprint() == before


def test_assignments_only_to_organizations_and_buildings_of_the_community(
    running: Running, grid: Grid, demo: Demo
) -> None:
    before, sets = grid.fingerprint(), grid.change_sets()
    group = organizations(demo, COMMUNITY, "party_group")[0]
    foreign_group = organizations(demo, OTHER, "party_group")[0]
    branch = organizations(demo, COMMUNITY, "grid_branch")[0]
    mine = str(buildings_of(demo, COMMUNITY)[0].id)
    foreign = str(buildings_of(demo, OTHER)[0].id)
    cases = [
        ({"g": str(group), "ids": [mine, foreign]}, "RULE_VIOLATION"),  # another community's
        ({"g": str(foreign_group), "ids": [mine]}, "RULE_VIOLATION"),
        ({"g": str(branch), "ids": [mine]}, "RULE_VIOLATION"),  # a branch is no group
        ({"g": "00000000-0000-0000-0000-000000000001", "ids": [mine]}, "NOT_FOUND"),
        ({"g": str(group), "ids": ["00000000-0000-0000-0000-000000000002"]}, "NOT_FOUND"),
        ({"g": str(group), "ids": ["not-an-id"]}, "INVALID"),
        ({"g": str(group)}, "INVALID"),  # neither ids nor area
        ({"g": str(group), "ids": [mine], "vs": [999]}, "STALE"),
    ]
    for variables, code in cases:
        refused(call(running, ASSIGN, c=COMMUNITY, dry=False, **variables), code)
    zone = busiest_zone(grid)
    for org, code in ((group, "RULE_VIOLATION"), (foreign_group, "RULE_VIOLATION")):
        refused(
            call(running, ASSIGN_ZONE, z=str(zone["id"]), o=str(org), v=zone["version"], dry=False),
            code,
        )
    assert (grid.fingerprint(), grid.change_sets()) == (before, sets)
    grid.assert_invariants()


# --- operations: preview, then commit, then undo -------------------------------------------


def test_redraw_previews_exactly_what_it_commits(
    running: Running, grid: Grid, untouched: None
) -> None:
    zone = busiest_zone(grid)
    before = grid.fingerprint()
    smaller = affinity.scale(grid.shape(zone["id"]), 0.6, 0.6, origin="centroid")
    args = {"z": str(zone["id"]), "b": geojson(smaller), "v": zone["version"]}
    preview = ok(call(running, REDRAW, dry=True, **args))
    assert preview["changeSet"] is None and grid.fingerprint() == before
    moved = preview["diff"]["buildings"]
    assert moved and all(
        m["before"]["zoneId"] == str(zone["id"]) and m["after"]["zoneId"] is None for m in moved
    )
    assert preview["coverageAfter"]["orphans"] == preview["coverageBefore"]["orphans"] + len(moved)
    assert "ORPHANS_CREATED" in [f["code"] for f in preview["findings"]]

    commit = ok(call(running, REDRAW, dry=False, r="缩小片区", **args))
    assert commit["diff"] == preview["diff"] and commit["coverageAfter"] == preview["coverageAfter"]
    change_set = commit["changeSet"]
    assert (change_set["kind"], change_set["author"], change_set["reason"]) == (
        "redraw_zone",
        DISTRICT.subject,
        "缩小片区",
    )
    (item,) = change_set["items"]
    assert item["before"]["version"] == zone["version"]
    assert item["after"]["version"] == zone["version"] + 1
    assert grid.zone(zone["id"])["version"] == zone["version"] + 1
    grid.assert_invariants()
    # A second edit against the version the first one used is a conflict, not a lost update.
    again = call(running, REDRAW, dry=False, **args)
    assert refused(again, "STALE")["currentVersion"] == zone["version"] + 1
    undone = undo(running)
    assert undone["diff"]["buildings"] and len(undone["diff"]["buildings"]) == len(moved)


def test_split_then_merge_back(running: Running, grid: Grid, untouched: None) -> None:
    zone = busiest_zone(grid)
    shape = grid.shape(zone["id"])
    minx, miny, maxx, maxy = shape.bounds
    middle = (minx + maxx) / 2
    line = LineString([(middle, miny - 0.01), (middle, maxy + 0.01)])
    args = {"z": str(zone["id"]), "l": geojson(line), "v": zone["version"], "n": "新片区"}
    preview = ok(call(running, SPLIT, dry=True, **args))
    (created,) = preview["diff"]["zonesCreated"]
    assert grid.zone(created) is None  # a preview leaves nothing behind
    commit = ok(call(running, SPLIT, dry=False, **args))
    (new_zone,) = commit["diff"]["zonesCreated"]
    assert {m["after"]["zoneId"] for m in commit["diff"]["buildings"]} == {new_zone}
    halves = grid.shape(zone["id"]), grid.shape(new_zone)
    assert abs(halves[0].area + halves[1].area - shape.area) < 1e-12
    assert "ZONE_WITHOUT_ORGANIZATION" in [f["code"] for f in commit["findings"]]
    grid.assert_invariants()
    # A line that misses the zone cuts nothing.
    miss = LineString([(maxx + 0.01, miny), (maxx + 0.01, maxy)])
    kept = grid.zone(zone["id"])
    refused(
        call(
            running, SPLIT, dry=False, z=str(zone["id"]), l=geojson(miss), v=kept["version"], n="x"
        ),
        "INVALID",
    )
    # Merge the halves back: the first keeps its id; the other goes.
    merged = ok(
        call(
            running,
            MERGE,
            dry=False,
            z=[str(zone["id"]), new_zone],
            v=[kept["version"], grid.zone(new_zone)["version"]],
        )
    )
    assert merged["diff"]["zonesDeleted"] == [new_zone]
    assert grid.zone(new_zone) is None
    assert abs(grid.shape(zone["id"]).area - shape.area) < 1e-12
    grid.assert_invariants()
    undo(running)  # the merge
    assert grid.zone(new_zone) is not None
    undo(running)  # the split
    assert grid.zone(new_zone) is None


def test_merge_refuses_zones_that_are_not_adjacent(running: Running, grid: Grid) -> None:
    zones = grid.zones(COMMUNITY)
    shapes = {z["id"]: grid.shape(z["id"]) for z in zones}
    pair = next(
        (a, b)
        for a in zones
        for b in zones
        if a["id"] != b["id"] and shapes[a["id"]].distance(shapes[b["id"]]) > 1e-3
    )
    before = grid.fingerprint()
    result = call(
        running,
        MERGE,
        dry=False,
        z=[str(pair[0]["id"]), str(pair[1]["id"])],
        v=[pair[0]["version"], pair[1]["version"]],
    )
    refused(result, "RULE_VIOLATION")
    other = grid.zones(OTHER)[0]
    refused(
        call(
            running,
            MERGE,
            dry=False,
            z=[str(pair[0]["id"]), str(other["id"])],
            v=[pair[0]["version"], other["version"]],
        ),
        "NOT_FOUND",
    )
    assert grid.fingerprint() == before


def largest_gap(grid: Grid, code: str = COMMUNITY) -> shapely.Polygon:
    community = shapely.from_wkt(
        grid.scalar("SELECT ST_AsText(boundary) FROM grid.community WHERE code = :c", c=code)
    )
    covered = shapely.union_all([grid.shape(z["id"]) for z in grid.zones(code)])
    gap = community.difference(covered).buffer(-1e-6)
    return max(shapely.get_parts(gap), key=lambda p: p.area)


def test_create_a_zone_in_the_gap_then_delete_it(
    running: Running, grid: Grid, demo: Demo, untouched: None
) -> None:
    gap = largest_gap(grid)
    branch = organizations(demo, COMMUNITY, "grid_branch")[0]
    args = {"c": COMMUNITY, "n": "第九片区", "b": geojson(gap), "o": str(branch)}
    preview = ok(call(running, CREATE, dry=True, **args))
    adopted = preview["diff"]["buildings"]
    assert adopted and all(m["before"]["zoneId"] is None for m in adopted)
    assert all(m["after"]["branch"] == {"id": str(branch)} for m in adopted)
    assert preview["coverageAfter"]["orphans"] < preview["coverageBefore"]["orphans"]
    assert preview["coverageAfter"]["zones"] == preview["coverageBefore"]["zones"] + 1
    commit = ok(call(running, CREATE, dry=False, **args))
    (zone_id,) = commit["diff"]["zonesCreated"]
    version = grid.zone(zone_id)["version"]
    grid.assert_invariants()
    gone = ok(call(running, DELETE, dry=False, z=zone_id, v=version))
    assert gone["diff"]["zonesDeleted"] == [zone_id]
    assert len(gone["diff"]["buildings"]) == len(adopted)
    # Undo in order: the deletion, then the creation.
    undo(running)
    assert grid.zone(zone_id) is not None
    grid.assert_invariants()
    undo(running)
    assert grid.zone(zone_id) is None
    # A zone outside any known community is not found.
    refused(call(running, CREATE, dry=False, **{**args, "c": "999999999999"}), "NOT_FOUND")


def test_assign_and_unassign_buildings_by_ids_and_by_area(
    running: Running, grid: Grid, demo: Demo, untouched: None
) -> None:
    group = str(organizations(demo, COMMUNITY, "party_group")[0])
    buildings = buildings_of(demo, COMMUNITY)[:3]
    ids = [str(b.id) for b in buildings]
    versions = [
        grid.scalar("SELECT version FROM grid.building WHERE id = :i", i=b.id) for b in buildings
    ]
    preview = ok(call(running, ASSIGN, c=COMMUNITY, g=group, ids=ids, vs=versions, dry=True))
    changed = {m["buildingId"] for m in preview["diff"]["buildings"]}
    assert changed <= set(ids)
    assert all(m["after"]["group"] == {"id": group} for m in preview["diff"]["buildings"])
    ok(call(running, ASSIGN, c=COMMUNITY, g=group, ids=ids, vs=versions, dry=False))
    assert {
        grid.scalar("SELECT party_group_id::text FROM grid.building WHERE id = :i", i=i)
        for i in ids
    } == {group}
    # By area: a box around one building's footprint catches it (its interior point).
    target = buildings_of(demo, COMMUNITY)[5]
    area = box(*target.footprint.buffer(1e-6).bounds)
    result = ok(call(running, UNASSIGN, c=COMMUNITY, area=geojson(area), dry=False))
    assert str(target.id) in {i["entityId"] for i in result["changeSet"]["items"]} or (
        grid.scalar("SELECT party_group_id FROM grid.building WHERE id = :i", i=target.id) is None
    )
    assert (
        grid.scalar("SELECT party_group_id FROM grid.building WHERE id = :i", i=target.id) is None
    )
    undo(running)
    undo(running)


def test_assign_a_zone_to_a_grid_branch_or_in_branch_communities_a_group(
    running: Running, grid: Grid, demo: Demo, untouched: None
) -> None:
    zone = busiest_zone(grid)
    branch = str(organizations(demo, COMMUNITY, "grid_branch")[-1])
    result = ok(
        call(running, ASSIGN_ZONE, z=str(zone["id"]), o=branch, v=zone["version"], dry=False)
    )
    if str(zone["organization_id"]) != branch:
        assert all(m["after"]["branch"] == {"id": branch} for m in result["diff"]["buildings"])
        assert result["diff"]["buildings"]
        undo(running)
    else:  # already its branch: nothing changed, nothing recorded
        assert result["changeSet"] is None
        assert [f["code"] for f in result["findings"]] == ["NO_CHANGE"]
    zone = busiest_zone(grid, BRANCH_COMMUNITY)
    group = next(
        str(g)
        for g in organizations(demo, BRANCH_COMMUNITY, "party_group")
        if str(g) != str(zone["organization_id"])
    )
    ok(call(running, ASSIGN_ZONE, z=str(zone["id"]), o=group, v=zone["version"], dry=False))
    undo(running, BRANCH_COMMUNITY)


def test_an_empty_list_of_buildings_is_refused(running: Running, grid: Grid) -> None:
    """A typed error (not an internal one) and nothing written, for both writes."""
    before = grid.fingerprint()
    refused(call(running, UNASSIGN, c=COMMUNITY, ids=[], dry=False), "INVALID")
    refused(call(running, ASSIGN, c=COMMUNITY, g=None, ids=[], dry=False), "INVALID")
    assert grid.fingerprint() == before
