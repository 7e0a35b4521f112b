"""Grid coverage (DOMAIN "The coverage graph"): figures and ranked gaps of communities, a street
and the district, computed here from the demo data with shapely and compared with the service.

Nothing here writes: the demo data stays as loaded.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import httpx
import pytest
import shapely
from placeholder_communities import sql
from shapely.geometry import box

from expectations import expected_zone, reading_key
from infra.demo.model import BRANCH, COMMUNITY_KINDS, PARTY_GROUP, SELF_MANAGED, Demo
from infra.setup import Prepared
from infra.supervisor import free_port
from services.common.database import make_engine
from services.common.subgraph_client import SubgraphUnavailableError
from services.grid import coverage as domain
from services.grid.org_client import OrgClient
from stack import Running

FIGURES = """buildings covered percent orphans zones zonesWithoutOrganization residentMembers
  gapCounts { buildingWithMembers building zone orphan notReportedIn }"""

COVERAGE = f"""query ($code: String!, $bbox: BBoxInput) {{
  coverage(regionCode: $code, bbox: $bbox) {{
    regionCode residentsKnown {FIGURES}
    communities {{ code organizationKind {FIGURES} }}
    gapsGeoJSON
  }} }}"""

GAPS_PAGE = """query ($code: String!, $first: Int, $after: String, $severity: Int) {
  coverage(regionCode: $code) { gaps(first: $first, after: $after, severity: $severity) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { severity kind name residents notReportedIn communityCode
            building { id } zone { id } } } } }"""

KIND_BY_SEVERITY = {
    1: "BUILDING_WITH_MEMBERS",
    2: "BUILDING",
    3: "ZONE",
    4: "ORPHAN",
    5: "NOT_REPORTED_IN",
}


# --- the expectation, from the demo alone ----------------------------------------------


@dataclass
class Expected:
    """What coverage must say, by the rules restated from DOMAIN, over some communities."""

    figures: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    gaps: list[tuple] = field(default_factory=list)  # (severity, -residents, name, code, id)
    states: dict[uuid.UUID, str] = field(default_factory=dict)


def _demo_facts(demo: Demo) -> dict:
    zone_of = expected_zone(demo)
    zone_org = {o.zone_id for o in demo.organizations if o.zone_id is not None}
    grouped = {
        o.building_id
        for o in demo.organizations
        if o.building_id is not None and o.kind == PARTY_GROUP
    }
    kind = {o.community_code: o.kind for o in demo.organizations if o.kind in COMMUNITY_KINDS}
    residents: dict[uuid.UUID, int] = defaultdict(int)
    unreported: dict[uuid.UUID, int] = defaultdict(int)
    for m in demo.members:
        if m.home_building_id is None or m.left_on is not None:
            continue
        residents[m.home_building_id] += 1
        # plan 三 党员报到: a non-self-managed resident who has not reported in
        if m.management != SELF_MANAGED and m.reported_in_on is None:
            unreported[m.home_building_id] += 1
    return {
        "zone_of": zone_of,
        "zone_org": zone_org,
        "grouped": grouped,
        "kind": kind,
        "residents": residents,
        "unreported": unreported,
    }


def expected_coverage(  # noqa: C901 -- the coverage rule written out again, independently of the code
    demo: Demo, facts: dict, codes: set[str], bbox: tuple[float, ...] | None = None
) -> Expected:
    area = box(*bbox) if bbox else None
    out = Expected()
    f = out.figures
    zone_residents: dict[uuid.UUID, int] = defaultdict(int)
    for b in demo.buildings:
        if b.community_code not in codes or (area and not area.intersects(b.footprint)):
            continue
        zone_id = facts["zone_of"][b.id]
        branch = facts["kind"].get(b.community_code) == BRANCH
        n = facts["residents"][b.id]
        f["buildings"] += 1
        f["residentMembers"] += n
        if zone_id is None:
            state = "ORPHAN"  # DOMAIN "Places": in no zone; gap 4 only
        elif b.id in facts["grouped"] or (branch and zone_id in facts["zone_org"]):
            state = "COVERED"  # 党小组建到楼栋 / (branch) 党小组建在片区
        else:
            state = "GAP_WITH_MEMBERS" if n else "GAP"
        out.states[b.id] = state
        if zone_id is not None:
            zone_residents[zone_id] += n
        f["covered"] += state == "COVERED"
        f["orphans"] += state == "ORPHAN"
        severity = {"ORPHAN": 4} if branch else {"ORPHAN": 4, "GAP_WITH_MEMBERS": 1, "GAP": 2}
        if state in severity:
            out.gaps.append((severity[state], -n, reading_key(b.name), b.community_code, str(b.id)))
        if facts["unreported"][b.id]:
            k = facts["unreported"][b.id]
            f["notReportedIn"] += k
            out.gaps.append((5, -k, reading_key(b.name), b.community_code, str(b.id)))
    for z in demo.zones:
        if z.community_code not in codes or (area and not area.intersects(z.boundary)):
            continue
        f["zones"] += 1
        if z.id not in facts["zone_org"]:
            f["zonesWithoutOrganization"] += 1
            out.gaps.append(
                (3, -zone_residents[z.id], reading_key(z.name), z.community_code, str(z.id))
            )
    out.gaps.sort()
    for severity, name in ((1, "buildingWithMembers"), (2, "building"), (3, "zone"), (4, "orphan")):
        f[name] = sum(1 for g in out.gaps if g[0] == severity)
    return out


@pytest.fixture(scope="module")
def facts(demo: Demo) -> dict:
    return _demo_facts(demo)


# --- the service ------------------------------------------------------------------------


def _coverage(running: Running, code: str, bbox: tuple[float, ...] | None = None) -> dict:
    variables: dict = {"code": code, "bbox": None}
    if bbox:
        variables["bbox"] = dict(zip(("minLon", "minLat", "maxLon", "maxLat"), bbox, strict=True))
    body = running.post(running.subgraphs["grid"], COVERAGE, variables)
    assert "errors" not in body, body
    return body["data"]["coverage"]


def _figures(result: dict) -> dict[str, int]:
    flat = {k: v for k, v in result.items() if isinstance(v, int) and not isinstance(v, bool)}
    return {**flat, **result["gapCounts"]}


def _gap_keys(result: dict) -> list[tuple]:
    props = [f["properties"] for f in result["gapsGeoJSON"]["features"]]
    return [
        (p["severity"], -p["residents"], reading_key(p["name"]), p["community"], p["id"])
        for p in props
    ]


def _assert_matches(result: dict, expected: Expected) -> None:
    figures = _figures(result)
    for name, value in expected.figures.items():
        assert figures[name] == value, name
    assert _gap_keys(result) == expected.gaps
    b = expected.figures["buildings"]
    assert result["percent"] == (round(100 * expected.figures["covered"] / b, 2) if b else None)


def _pick_communities(demo: Demo, facts: dict) -> dict[str, str]:
    """A branch community with a zone lacking its group, a committee/general-branch community
    with orphans, and one with a zone lacking its grid branch (demo gaps 1-4)."""
    zoneless = {z.community_code for z in demo.zones if z.id not in facts["zone_org"]}
    orphaned = {b.community_code for b in demo.buildings if facts["zone_of"][b.id] is None}
    kind = facts["kind"]
    branch = sorted(c for c in zoneless if kind[c] == BRANCH)
    with_orphans = sorted(c for c in orphaned if kind[c] != BRANCH)
    without_branch = sorted(c for c in zoneless if kind[c] != BRANCH)
    assert branch and with_orphans and without_branch, "the demo lost its deliberate gaps"
    return {"branch": branch[0], "orphans": with_orphans[0], "zone": without_branch[0]}


def test_community_figures_and_gaps_match_the_demo(
    running: Running, demo: Demo, facts: dict
) -> None:
    for code in set(_pick_communities(demo, facts).values()):
        result = _coverage(running, code)
        assert result["residentsKnown"] and result["regionCode"] == code
        assert [c["code"] for c in result["communities"]] == [code]
        _assert_matches(result, expected_coverage(demo, facts, {code}))


def test_branch_community_buildings_are_never_building_gaps(
    running: Running, demo: Demo, facts: dict
) -> None:
    """plan 二 "党小组建在片区": in a 社区党支部 community the zone, not the building, holds the
    group; its buildings are not gaps 1/2 and those in a zone with its group are covered."""
    code = _pick_communities(demo, facts)["branch"]
    result = _coverage(running, code)
    assert result["communities"][0]["organizationKind"] == "BRANCH"
    severities = {key[0] for key in _gap_keys(result)}
    assert severities.isdisjoint({1, 2}) and 3 in severities
    assert result["covered"] > 0


def test_street_and_district_sum_their_communities(
    running: Running, demo: Demo, facts: dict
) -> None:
    district = next(r.code for r in demo.regions if r.level == "district")
    codes = {c.code for c in demo.communities}
    code = _pick_communities(demo, facts)["orphans"]
    street = code[:9]
    for region, members in (
        (street, {c for c in codes if c.startswith(street)}),
        (district, codes),
    ):
        result = _coverage(running, region)
        assert sorted(c["code"] for c in result["communities"]) == sorted(members)
        _assert_matches(result, expected_coverage(demo, facts, members))
        for community in result["communities"]:
            one = expected_coverage(demo, facts, {community["code"]})
            assert {k: _figures(community)[k] for k in one.figures} == dict(one.figures)


def test_gap_list_is_ranked_and_pages_in_order(running: Running, demo: Demo) -> None:
    district = next(r.code for r in demo.regions if r.level == "district")
    ranked = _gap_keys(_coverage(running, district))
    assert {k[0] for k in ranked} == {1, 2, 3, 4, 5}, "every kind of gap is in the demo"
    assert ranked == sorted(ranked)  # severity, then residents (most first), then name
    walked, after = [], None
    while True:
        variables = {"code": district, "first": 97, "after": after}
        page = running.post(running.subgraphs["grid"], GAPS_PAGE, variables)["data"]
        gaps = page["coverage"]["gaps"]
        assert gaps["totalCount"] == len(ranked)
        for n in gaps["nodes"]:
            target = (n["building"] or n["zone"])["id"]
            assert n["kind"] == KIND_BY_SEVERITY[n["severity"]]
            walked.append(
                (n["severity"], -n["residents"], reading_key(n["name"]), n["communityCode"], target)
            )
        if not gaps["pageInfo"]["hasNextPage"]:
            break
        after = gaps["pageInfo"]["endCursor"]
    assert walked == ranked
    only = running.post(running.subgraphs["grid"], GAPS_PAGE, {"code": district, "severity": 3})
    zone_gaps = only["data"]["coverage"]["gaps"]
    assert [n["severity"] for n in zone_gaps["nodes"]] == [3] * zone_gaps["totalCount"]


def test_bbox_gives_the_subset_inside_the_box(running: Running, demo: Demo, facts: dict) -> None:
    code = _pick_communities(demo, facts)["orphans"]
    outline = next(c.boundary for c in demo.communities if c.code == code)
    x0, y0, x1, y1 = outline.bounds
    bbox = (x0, y0, (x0 + x1) / 2, (y0 + y1) / 2)  # the south-west quarter
    district = code[:6]
    result = _coverage(running, district, bbox)
    codes = {c.code for c in demo.communities}
    expected = expected_coverage(demo, facts, codes, bbox)
    _assert_matches(result, expected)
    whole = _coverage(running, district)
    assert 0 < result["buildings"] < whole["buildings"]
    building_gaps = {k[4] for k in _gap_keys(result) if k[0] != 3}
    assert building_gaps <= {k[4] for k in _gap_keys(whole) if k[0] != 3}
    area = box(*bbox)
    for feature in result["gapsGeoJSON"]["features"]:
        assert area.intersects(shapely.geometry.shape(feature["geometry"]))


def test_gaps_geojson_is_a_feature_collection(running: Running, demo: Demo, facts: dict) -> None:
    code = _pick_communities(demo, facts)["zone"]
    collection = _coverage(running, code)["gapsGeoJSON"]
    assert collection["type"] == "FeatureCollection" and collection["features"]
    for rank, feature in enumerate(collection["features"], start=1):
        assert feature["type"] == "Feature"
        geometry = shapely.geometry.shape(feature["geometry"])
        assert geometry.is_valid and not geometry.is_empty
        props = feature["properties"]
        assert props["rank"] == rank and props["community"] == code
        assert props["kind"] == KIND_BY_SEVERITY[props["severity"]]
        assert {"name", "residents", "notReportedIn", "id"} <= props.keys()
        expected_type = "Polygon" if props["severity"] == 3 else None
        assert expected_type in (None, feature["geometry"]["type"])


def test_unknown_region_gives_zeros_and_a_malformed_one_an_error(running: Running) -> None:
    empty = _coverage(running, "410104999")
    assert empty["buildings"] == 0 and empty["percent"] is None and empty["communities"] == []
    assert empty["gapsGeoJSON"] == {"type": "FeatureCollection", "features": []}
    body = running.post(running.subgraphs["grid"], COVERAGE, {"code": "41x", "bbox": None})
    assert body["data"] is None and body["errors"][0]["extensions"]["field"] == ["regionCode"]
    bad_box = {"minLon": 114.0, "minLat": 34.0, "maxLon": 113.0, "maxLat": 35.0}
    body = running.post(running.subgraphs["grid"], COVERAGE, {"code": "410104", "bbox": bad_box})
    assert "bbox" in body["errors"][0]["message"]


def test_building_states_zone_and_community_coverage(
    running: Running, demo: Demo, facts: dict
) -> None:
    code = _pick_communities(demo, facts)["zone"]
    expected = expected_coverage(demo, facts, {code})
    query = """query ($reps: [_Any!]!) { _entities(representations: $reps) {
      ... on Community { coverage { buildings covered gapCounts { zone } }
        zones { id coverage { buildings zones zonesWithoutOrganization }
                buildings { id coverageState } }
        orphanBuildings { id coverageState } } } }"""
    reps = [{"__typename": "Community", "code": code}]
    body = running.post(running.subgraphs["grid"], query, {"reps": reps})
    assert "errors" not in body, body
    entity = body["data"]["_entities"][0]
    assert entity["coverage"]["buildings"] == expected.figures["buildings"]
    assert entity["coverage"]["covered"] == expected.figures["covered"]
    states = {}
    for z in entity["zones"]:
        zone_id = uuid.UUID(z["id"])
        inside = [b for b, zid in facts["zone_of"].items() if zid == zone_id]
        assert z["coverage"]["buildings"] == len(inside) and z["coverage"]["zones"] == 1
        assert z["coverage"]["zonesWithoutOrganization"] == int(zone_id not in facts["zone_org"])
        states.update({uuid.UUID(b["id"]): b["coverageState"] for b in z["buildings"]})
    states.update({uuid.UUID(b["id"]): b["coverageState"] for b in entity["orphanBuildings"]})
    assert states == expected.states


def test_through_the_gateway(running: Running, demo: Demo) -> None:
    district = next(r.code for r in demo.regions if r.level == "district")
    query = f"""query ($code: String!) {{ coverage(regionCode: $code) {{ {FIGURES}
      gaps(first: 3) {{ nodes {{ severity name building {{ id name }} }} }} }} }}"""
    via_gateway = running.post(running.gateway, query, {"code": district})
    direct = running.post(running.subgraphs["grid"], query, {"code": district})
    assert "errors" not in via_gateway, via_gateway
    assert via_gateway == direct
    assert via_gateway["data"]["coverage"]["gaps"]["nodes"][0]["severity"] == 1


# --- without org: figures still come, without resident figures ----------------------------


def test_org_down_gives_coverage_without_residents(
    prepared: Prepared, demo: Demo, facts: dict
) -> None:
    code = _pick_communities(demo, facts)["branch"]

    async def run() -> domain.Coverage:
        # A real client of an org that is not there: nothing listens on this port.
        engine = make_engine(prepared.database.service_urls["grid"], pool_size=1)
        url = f"http://127.0.0.1:{free_port()}/graphql"
        try:
            async with httpx.AsyncClient() as client, engine.connect() as conn:
                down = OrgClient(url, client)
                with pytest.raises(SubgraphUnavailableError):
                    await down.community_kinds([code])
                return await domain.coverage(conn, down, scope=domain.Scope(region_code=code[:6]))
        finally:
            await engine.dispose()

    result = asyncio.run(run())
    full = expected_coverage(demo, facts, {c.code for c in demo.communities})
    assert not result.residents_known
    assert result.figures.buildings == full.figures["buildings"]
    assert result.figures.residents == 0
    assert result.figures.gap_counts.building_with_members == 0
    assert result.figures.gap_counts.not_reported_in == 0
    # Kinds are inferred from the grid: a community with no building group is a branch one.
    assert result.figures.covered == full.figures["covered"]
    assert result.figures.gap_counts.zone == full.figures["zone"]


# --- the pure rules -----------------------------------------------------------------------


# (zone, own group, zone's organization, groups in zones) -> state, restated from DOMAIN.
RULE_CASES = [
    ((False, True, True, False), "orphan"),  # no zone: an orphan, whatever its group
    ((False, False, True, True), "orphan"),
    ((True, True, False, False), "covered"),  # its own group
    ((True, True, False, True), "covered"),
    ((True, False, True, True), "covered"),  # a branch community: its zone's group
    ((True, False, True, False), "gap"),  # a committee community: the zone's is not its own
    ((True, False, False, True), "gap"),
    ((True, False, False, False), "gap"),
]


def test_the_one_coverage_rule_in_the_database(prepared: Prepared) -> None:
    """grid.building_coverage, which coverage and the tiles both read, says what DOMAIN says."""
    cases = ", ".join(
        f"({i}, {'gen_random_uuid()' if z else 'NULL'}::uuid, {g}, {o}, {b})"
        for i, ((z, g, o, b), _state) in enumerate(RULE_CASES)
    )
    rows = sql(
        prepared.database.service_urls["grid"],
        f"SELECT grid.building_coverage(z, g, o, b) FROM (VALUES {cases}) c(i, z, g, o, b) "
        "ORDER BY i",
    )
    assert [state for (state,) in rows] == [state for _case, state in RULE_CASES]


def _building(**kw: object) -> domain.PlacedBuilding:
    values: dict = {
        "id": uuid.uuid4(),
        "community_code": "410104001001",
        "name": "1号楼",
        "name_key": "000000000001号楼",
        "zone_id": uuid.uuid4(),
        "state": "gap",  # as the database's rule gives them
        "state_zone_grouped": "covered",
    }
    return domain.PlacedBuilding(**{**values, **kw})


def test_building_state_takes_the_community_kinds_rule_and_adds_residents() -> None:
    state = domain.building_state
    orphaned = _building(state="orphan", state_zone_grouped="orphan")
    assert state(orphaned, branch=False, residents=3).name == "ORPHAN"
    assert state(_building(), branch=True, residents=2).name == "COVERED"
    assert state(_building(), branch=False, residents=2).name == "GAP_WITH_MEMBERS"
    assert state(_building(), branch=False, residents=0).name == "GAP"
    assert state(_building(state_zone_grouped="gap"), branch=True, residents=1).name == (
        "GAP_WITH_MEMBERS"
    )


def test_rank_orders_by_severity_then_residents_then_name() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    gaps = [
        domain.Gap(domain.GapKind.ORPHAN, "c", "甲", "甲", 9, building_id=a),
        domain.Gap(domain.GapKind.BUILDING, "c", "乙", "乙", 0, building_id=b),
        domain.Gap(domain.GapKind.BUILDING_WITH_MEMBERS, "c", "B", "B", 1, building_id=a),
        domain.Gap(domain.GapKind.BUILDING_WITH_MEMBERS, "c", "A", "A", 1, building_id=b),
        domain.Gap(domain.GapKind.BUILDING_WITH_MEMBERS, "c", "Z", "Z", 5, building_id=b),
        # Within a tie, reading order: 2号楼 before 10号楼 (their keys, as SQL gives them).
        domain.Gap(domain.GapKind.BUILDING, "c", "10号楼", reading_key("10号楼"), 0, building_id=a),
        domain.Gap(domain.GapKind.BUILDING, "c", "2号楼", reading_key("2号楼"), 0, building_id=a),
    ]
    assert [g.name for g in domain.rank(gaps)] == ["Z", "A", "B", "2号楼", "10号楼", "乙", "甲"]
