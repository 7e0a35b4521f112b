"""What a preview reports (issue 15 item 8), through the real grid: coverage before → after as
the covered share and the severe gaps (buildings with resident members and no Party group),
and warnings with their severity — gaps created, and a Party group given buildings outside
its zone. Expected figures come from the demo data (demo_coverage.py), never from the service.
"""

from __future__ import annotations

import uuid

import pytest
import shapely
from demo_coverage import Expected, expected, zone_of
from planner_api import COMMUNITY, Grid, geojson
from shapely.geometry.base import BaseGeometry

from infra.demo.model import Demo
from stack import Running

FIGURES = "buildings orphans percent gapsWithMembers covered"
RESULT = f"""changeSet {{ number }}
  diff {{ buildings {{ buildingId }} zonesCreated }}
  coverageBefore {{ {FIGURES} }} coverageAfter {{ {FIGURES} }}
  findings {{ code message messageEn severity }}
  errors {{ code message }}"""
CREATE = f"""mutation($c: String!, $n: String!, $b: GeoJSON!, $dry: Boolean!) {{
  createZone(communityCode: $c, name: $n, boundary: $b, dryRun: $dry) {{ {RESULT} }} }}"""
ASSIGN = f"""mutation($c: String!, $g: ID, $ids: [ID!], $dry: Boolean!) {{
  assignBuildings(communityCode: $c, partyGroupId: $g, buildingIds: $ids, dryRun: $dry) {{
  {RESULT} }} }}"""
UNDO = f"""mutation($c: String!) {{
  undoLatest(communityCode: $c, reason: "test cleanup") {{ {RESULT} }} }}"""
CHANGE_SET = """query($c: String!) { changeSets(communityCode: $c, first: 1) {
  nodes { number coverageBefore { percent gapsWithMembers }
          coverageAfter { percent gapsWithMembers } } } }"""


def call(running: Running, query: str, **variables: object) -> dict:
    body = running.post(running.subgraphs["grid"], query, variables)
    assert not body.get("errors"), body["errors"]
    (result,) = body["data"].values()
    return result


def assert_figures(figures: dict, wanted: Expected) -> None:
    assert figures["buildings"] == wanted.buildings
    assert figures["orphans"] == wanted.orphans
    assert figures["covered"] == wanted.covered
    assert figures["percent"] == pytest.approx(wanted.percent)
    assert figures["gapsWithMembers"] == wanted.gaps_with_members


def open_land(demo: Demo, code: str) -> BaseGeometry:
    """The largest piece of the community's land in no zone (a hair inside its edges)."""
    community = next(c.boundary for c in demo.communities if c.code == code)
    zones = shapely.union_all([z.boundary for z in demo.zones if z.community_code == code])
    land = community.difference(zones).buffer(-1e-6)
    return max(shapely.get_parts(land), key=lambda p: p.area)


@pytest.fixture(scope="module")
def clearing(demo: Demo) -> tuple[str, BaseGeometry]:
    """The community whose open land, made a zone (without a grid branch), turns the most
    orphans with resident members into severe gaps."""

    def created(code: str) -> int:
        land = open_land(demo, code)
        return (
            expected(demo, code, added=(land,)).gaps_with_members
            - expected(demo, code).gaps_with_members
        )

    code = max((c.code for c in demo.communities), key=lambda c: (created(c), c))
    assert created(code) > 0, "the demo has no open land with resident members"
    return code, open_land(demo, code)


def by_code(findings: list[dict]) -> dict[str, dict]:
    return {f["code"]: f for f in findings}


def test_a_new_zone_over_orphans_with_members_warns_of_the_gaps_it_creates(
    running: Running, grid: Grid, demo: Demo, clearing: tuple[str, BaseGeometry], untouched: None
) -> None:
    code, land = clearing
    before, after = expected(demo, code), expected(demo, code, added=(land,))
    args = {"c": code, "n": "新片区", "b": geojson(land)}
    preview = call(running, CREATE, dry=True, **args)
    assert preview["errors"] == []
    assert_figures(preview["coverageBefore"], before)
    assert_figures(preview["coverageAfter"], after)
    created = after.gaps_with_members - before.gaps_with_members
    warning = by_code(preview["findings"])["GAPS_CREATED"]
    assert warning["severity"] == "WARNING"
    assert warning["message"] == f"将新增 {created} 个有党员居住但无党小组的楼栋"
    assert str(created) in warning["messageEn"]
    assert by_code(preview["findings"])["ZONE_WITHOUT_ORGANIZATION"]["severity"] == "WARNING"
    # A warning never refuses: the planner confirms by committing, and the change set keeps
    # the figures the preview showed.
    commit = call(running, CREATE, dry=False, **args)
    assert commit["errors"] == [] and commit["changeSet"]
    assert_figures(commit["coverageAfter"], after)
    kept = running.post(running.subgraphs["grid"], CHANGE_SET, {"c": code})["data"]
    (latest,) = kept["changeSets"]["nodes"]
    assert latest["number"] == commit["changeSet"]["number"]
    assert latest["coverageAfter"]["gapsWithMembers"] == after.gaps_with_members
    assert latest["coverageBefore"]["percent"] == pytest.approx(before.percent)
    # Undoing it closes the gaps again: no warning of gaps created.
    undone = call(running, UNDO, c=code)
    assert undone["errors"] == []
    assert undone["coverageAfter"]["gapsWithMembers"] == before.gaps_with_members
    assert "GAPS_CREATED" not in by_code(undone["findings"])


def _group_of_zone(demo: Demo, code: str, zone_id: uuid.UUID) -> uuid.UUID:
    """A Party group under the grid branch of `zone_id` (DOMAIN: 分支部建在片区)."""
    branch = next(o.id for o in demo.organizations if o.zone_id == zone_id)
    return next(
        o.id
        for o in sorted(demo.organizations, key=lambda o: str(o.id))
        if o.community_code == code and o.kind == "party_group" and o.parent_id == branch
    )


def test_a_group_given_buildings_of_another_zone_is_warned(
    running: Running, grid: Grid, demo: Demo, untouched: None
) -> None:
    code = COMMUNITY
    where = zone_of(demo, code)
    zones = sorted({z for z in where.values() if z}, key=str)
    own, other = zones[0], zones[1]
    group = _group_of_zone(demo, code, own)
    grouped = {o.building_id: o.id for o in demo.organizations if o.building_id}
    theirs = sorted((b for b, z in where.items() if z == other), key=str)
    assert theirs, "the other zone has buildings"
    preview = call(running, ASSIGN, c=code, g=str(group), ids=[str(b) for b in theirs], dry=True)
    assert preview["errors"] == []
    moved = [b for b in theirs if grouped.get(b) != group]
    assert len(preview["diff"]["buildings"]) == len(moved)
    warning = by_code(preview["findings"])["GROUP_OUTSIDE_ZONE"]
    assert warning["severity"] == "WARNING"
    name = next(z.name for z in demo.zones if z.id == own)
    group_name = next(o.name for o in demo.organizations if o.id == group)
    assert warning["message"] == (
        f"{len(moved)} 栋楼将由其他片区的党小组「{group_name}」负责（该党小组属于{name}）"
    )
    assert_figures(
        preview["coverageAfter"], expected(demo, code, groups=dict.fromkeys(theirs, group))
    )

    # The same group for ungrouped buildings of its own zone: no such warning.
    ungrouped = sorted((b for b, z in where.items() if z == own and b not in grouped), key=str)
    home = ungrouped or sorted((b for b, z in where.items() if z == own), key=str)[:1]
    preview = call(running, ASSIGN, c=code, g=str(group), ids=[str(b) for b in home], dry=True)
    assert preview["errors"] == []
    assert "GROUP_OUTSIDE_ZONE" not in by_code(preview["findings"])


def test_a_refusal_names_its_findings_errors_and_nothing_is_warned(
    running: Running, grid: Grid, demo: Demo
) -> None:
    code = COMMUNITY
    other = next(z for z in demo.zones if z.community_code == code)
    refused = call(running, CREATE, c=code, n="重叠", b=geojson(other.boundary), dry=True)
    assert [e["code"] for e in refused["errors"]] == ["RULE_VIOLATION"]
    assert [(f["code"], f["severity"]) for f in refused["findings"]] == [("OVERLAP", "ERROR")]
