"""History of the grid: change sets listed and diffed, undo in order, conflicts; and the
planner end to end through the gateway."""

from __future__ import annotations

import httpx
from planner_api import (
    ASSIGN,
    ASSIGN_ZONE,
    COMMUNITY,
    OTHER,
    REDRAW,
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

from infra.demo.model import Demo
from services.common.auth import Identity, Role
from stack import DISTRICT, Running

CHANGE_SETS = """query($c: String!, $first: Int, $after: String) {
  changeSets(communityCode: $c, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id number kind author reason createdAt undoOf undoneAt
            diff { buildings { buildingId } zonesCreated zonesDeleted }
            coverageBefore { orphans } coverageAfter { orphans } } } }"""
CHANGE_SET = """query($id: ID!) { changeSet(id: $id) { number kind
  items { entity entityId before { version boundary organizationId partyGroupId }
          after { version boundary organizationId partyGroupId } } } }"""


def first_zone(grid: Grid) -> dict:
    return grid.zones(COMMUNITY)[0]


def query(running: Running, text: str, url: str | None = None, **variables) -> dict:
    body = running.post(url or running.subgraphs["grid"], text, variables)
    assert not body.get("errors"), body["errors"]
    return body["data"]


def test_change_sets_are_listed_paged_and_diffable(
    running: Running, grid: Grid, demo: Demo, untouched: None
) -> None:
    start = query(running, CHANGE_SETS, c=COMMUNITY, first=1)["changeSets"]["totalCount"]
    zone = first_zone(grid)
    smaller = affinity.scale(grid.shape(zone["id"]), 0.8, 0.8, origin="centroid")
    ok(
        call(
            running,
            REDRAW,
            z=str(zone["id"]),
            b=geojson(smaller),
            v=zone["version"],
            dry=False,
            r="一",
        )
    )
    building = str(buildings_of(demo, COMMUNITY)[0].id)
    current = grid.scalar("SELECT party_group_id FROM grid.building WHERE id = :i", i=building)
    group = next(  # a real change: assigning the group it has records nothing
        str(g) for g in organizations(demo, COMMUNITY, "party_group") if str(g) != str(current)
    )
    ok(call(running, ASSIGN, c=COMMUNITY, g=group, ids=[building], dry=False))

    page = query(running, CHANGE_SETS, c=COMMUNITY, first=start + 1)["changeSets"]
    assert page["totalCount"] == start + 2 and page["pageInfo"]["hasNextPage"]
    rest = query(running, CHANGE_SETS, c=COMMUNITY, first=5, after=page["pageInfo"]["endCursor"])[
        "changeSets"
    ]
    assert [n["kind"] for n in rest["nodes"]] == ["assign_buildings"]
    redraw = page["nodes"][-1]
    assert (redraw["kind"], redraw["reason"], redraw["author"]) == (
        "redraw_zone",
        "一",
        DISTRICT.subject,
    )
    assert redraw["number"] == rest["nodes"][0]["number"] - 1
    assert redraw["coverageAfter"]["orphans"] >= redraw["coverageBefore"]["orphans"]

    detail = query(running, CHANGE_SET, id=redraw["id"])["changeSet"]
    (item,) = detail["items"]
    assert item["entity"] == "zone" and item["entityId"] == str(zone["id"])
    assert item["before"]["boundary"]["type"] == item["after"]["boundary"]["type"] == "Polygon"
    assert item["after"]["version"] == item["before"]["version"] + 1
    assign = query(running, CHANGE_SET, id=rest["nodes"][0]["id"])["changeSet"]
    if assign["items"]:  # unless the building already had that group
        assert assign["items"][0]["after"]["partyGroupId"] == group

    # Undo in order: the assignment first, then the redraw; each undo is a change set too.
    first_undo = ok(call(running, UNDO, c=COMMUNITY))["changeSet"]
    assert first_undo["kind"] == "undo"
    ok(call(running, UNDO, c=COMMUNITY))
    nodes = query(running, CHANGE_SETS, c=COMMUNITY, first=200)["changeSets"]["nodes"]
    assert [n["kind"] for n in nodes[-4:]] == ["redraw_zone", "assign_buildings", "undo", "undo"]
    assert nodes[-1]["undoOf"] == redraw["id"] and nodes[-2]["undoOf"] == rest["nodes"][0]["id"]
    assert nodes[-3]["undoneAt"] and nodes[-4]["undoneAt"]
    assert query(running, CHANGE_SET, id="not-an-id")["changeSet"] is None


def test_undo_is_stale_when_something_changed_since(
    running: Running, grid: Grid, demo: Demo, untouched: None
) -> None:
    zone = first_zone(grid)
    branches = [str(b) for b in organizations(demo, COMMUNITY, "grid_branch")]
    # A real change (assigning the branch it has records nothing), then another one.
    branch = next(b for b in branches if b != str(zone["organization_id"]))
    other_branch = next(b for b in branches if b != branch)
    ok(call(running, ASSIGN_ZONE, z=str(zone["id"]), o=branch, v=zone["version"], dry=False))
    # An edit made outside the planner (e.g. an import) since the change set.
    with grid.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE grid.zone SET organization_id = %s, version = version + 1 WHERE id = %s",
            (other_branch, zone["id"]),
        )
    before = grid.fingerprint()
    result = refused(call(running, UNDO, c=COMMUNITY), "STALE")
    assert f"zone {zone['id']} @ {zone['version'] + 2}" in result["errors"][0]["messageEn"]
    assert grid.fingerprint() == before
    # Put it back as the change set left it (the recorded version too), then undo works.
    with grid.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE grid.zone SET organization_id = %s, version = version - 1 WHERE id = %s",
            (branch, zone["id"]),
        )
    ok(call(running, UNDO, c=COMMUNITY))


def test_nothing_to_undo_is_not_found(running: Running, grid: Grid) -> None:
    before = grid.fingerprint()
    refused(call(running, UNDO, c=OTHER), "NOT_FOUND")
    assert grid.fingerprint() == before


def test_the_author_is_the_caller_not_a_header(
    running: Running, grid: Grid, untouched: None
) -> None:
    """The change set's author comes from the signed identity, never from a header any
    caller could set."""
    planner = Identity("planner-wang", Role.PLANNER, "410104")
    zone = first_zone(grid)
    response = httpx.post(
        running.subgraphs["grid"],
        json={
            "query": ASSIGN_ZONE,
            "variables": {"z": str(zone["id"]), "o": None, "v": zone["version"], "dry": False},
        },
        headers={
            "X-PartyGrid-User": "someone-else",
            **running.headers(running.subgraphs["grid"], planner),
        },
        timeout=30,
    )
    result = response.json()["data"]["assignZone"]
    assert ok(result)["changeSet"]["author"] == "planner-wang"
    ok(call(running, UNDO, c=COMMUNITY))


def test_the_planner_end_to_end_through_the_gateway(
    running: Running, grid: Grid, untouched: None
) -> None:
    """Preview, commit, conflict, history and undo, as a client of the gateway sees them."""
    gateway = running.gateway
    zone = first_zone(grid)
    smaller = affinity.scale(grid.shape(zone["id"]), 0.7, 0.7, origin="centroid")
    args = {"z": str(zone["id"]), "b": geojson(smaller), "v": zone["version"]}
    before = grid.fingerprint()
    preview = ok(call(running, REDRAW, gateway, dry=True, **args))
    assert preview["changeSet"] is None and grid.fingerprint() == before
    commit = ok(call(running, REDRAW, gateway, dry=False, r="网关", **args))
    assert commit["diff"] == preview["diff"]
    conflict = refused(call(running, REDRAW, gateway, dry=False, **args), "STALE")
    assert conflict["currentVersion"] == zone["version"] + 1
    listed = query(running, CHANGE_SETS, gateway, c=COMMUNITY, first=200)["changeSets"]
    assert listed["nodes"][-1]["id"] == commit["changeSet"]["id"]
    undone = ok(call(running, UNDO, gateway, c=COMMUNITY))
    assert undone["changeSet"]["kind"] == "undo"
    # The diff's organizations resolve across subgraphs (org names the branch).
    named = running.post(
        gateway,
        """mutation($z: ID!, $b: GeoJSON!, $v: Int!) { redrawZone(zoneId: $z, boundary: $b,
           expectedVersion: $v, dryRun: true) { diff { buildings { before { branch { name } } }
           } errors { code } } }""",
        {**args, "v": grid.zone(zone["id"])["version"]},
    )
    assert not named.get("errors"), named["errors"]
    changes = named["data"]["redrawZone"]["diff"]["buildings"]
    assert changes and all(c["before"]["branch"]["name"] for c in changes if c["before"]["branch"])


CREATE_GROUP = """mutation ($input: CreateOrganizationInput!) { createOrganization(input: $input) {
  organization { id } errors { code } } }"""
DISSOLVE = """mutation ($id: ID!) { dissolveOrganization(id: $id) { errors { code message } } }"""


def test_undo_refuses_to_restore_a_dissolved_group(
    running: Running, grid: Grid, demo: Demo, untouched: None
) -> None:
    """An undo would point a building back at its former Party group; if org has dissolved
    that group since, the undo is refused (DOMAIN: an assignment points at a live
    organization of its community) and nothing changes."""
    top = next(
        o
        for o in demo.organizations
        if o.community_code == COMMUNITY and o.kind in ("community_committee", "general_branch")
    )
    made = running.post(
        running.subgraphs["org"],
        CREATE_GROUP,
        {
            "input": {
                "communityCode": COMMUNITY,
                "name": "撤销测试党小组",
                "kind": "PARTY_GROUP",
                "parentId": str(top.id),
            }
        },
    )["data"]["createOrganization"]
    assert made["errors"] == []
    doomed = made["organization"]["id"]
    building = str(buildings_of(demo, COMMUNITY)[1].id)
    with grid.engine.connect() as conn:
        original = conn.exec_driver_sql(
            "SELECT party_group_id FROM grid.building WHERE id = %s", (building,)
        ).scalar_one()
    other = next(
        str(g) for g in organizations(demo, COMMUNITY, "party_group") if str(g) != str(original)
    )
    ok(call(running, ASSIGN, c=COMMUNITY, g=doomed, ids=[building], dry=False))
    ok(call(running, ASSIGN, c=COMMUNITY, g=other, ids=[building], dry=False))
    gone = running.post(running.subgraphs["org"], DISSOLVE, {"id": doomed})
    assert gone["data"]["dissolveOrganization"]["errors"] == []

    before = grid.fingerprint()
    result = refused(call(running, UNDO, c=COMMUNITY), "RULE_VIOLATION")
    assert "撤销测试党小组" in result["errors"][0]["message"]
    assert "is dissolved" in result["errors"][0]["messageEn"]
    assert grid.fingerprint() == before
    # The preview says the same and writes nothing either.
    refused(call(running, UNDO, c=COMMUNITY, dry=True), "RULE_VIOLATION")
    assert grid.fingerprint() == before

    # Put the building back as it was (a new change set, not an undo).
    restore = str(original) if original else None
    ok(call(running, ASSIGN, c=COMMUNITY, g=restore, ids=[building], dry=False))


DIFF = """query($c: String!, $a: Int!, $b: Int!) {
  changeSetsDiff(communityCode: $c, fromNumber: $a, toNumber: $b) {
    fromNumber toNumber errors { code field }
    items { entity entityId before { organizationId partyGroupId boundary }
            after { organizationId partyGroupId boundary } } } }"""


def test_any_two_states_can_be_diffed(
    running: Running, grid: Grid, demo: Demo, untouched: None
) -> None:
    """DOMAIN (history): change sets are diffable — between any two numbered states, each
    entity that differs with its state then and now; an edit and its undo cancel out."""
    start = query(running, CHANGE_SETS, c=COMMUNITY, first=1)["changeSets"]["totalCount"]
    last = query(running, CHANGE_SETS, c=COMMUNITY, first=200)["changeSets"]["nodes"]
    n = last[-1]["number"] if last else 0
    assert len(last) == start
    zone = first_zone(grid)
    smaller = affinity.scale(grid.shape(zone["id"]), 0.9, 0.9, origin="centroid")
    ok(call(running, REDRAW, z=str(zone["id"]), b=geojson(smaller), v=zone["version"], dry=False))
    group = str(organizations(demo, COMMUNITY, "party_group")[0])
    with grid.engine.connect() as conn:
        building = str(
            conn.exec_driver_sql(
                "SELECT id FROM grid.building WHERE community_code = %s "
                "AND party_group_id IS DISTINCT FROM %s ORDER BY id LIMIT 1",
                (COMMUNITY, group),
            ).scalar_one()
        )
    ok(call(running, ASSIGN, c=COMMUNITY, g=group, ids=[building], dry=False))
    ok(call(running, UNDO, c=COMMUNITY))  # undoes the assignment: n+3

    def diff(a: int, b: int) -> dict:
        return query(running, DIFF, c=COMMUNITY, a=a, b=b)["changeSetsDiff"]

    both = diff(n, n + 2)
    assert both["errors"] == []
    assert {(i["entity"], i["entityId"]) for i in both["items"]} == {
        ("zone", str(zone["id"])),
        ("building", building),
    }
    moved = next(i for i in both["items"] if i["entity"] == "building")
    assert moved["after"]["partyGroupId"] == group != moved["before"]["partyGroupId"]
    reshaped = next(i for i in both["items"] if i["entity"] == "zone")
    assert reshaped["before"]["boundary"] != reshaped["after"]["boundary"]
    # The assignment and its undo cancel: only the redraw is left, and nothing after it.
    assert [i["entity"] for i in diff(n, n + 3)["items"]] == ["zone"]
    assert diff(n + 1, n + 3)["items"] == []
    # Bad ranges are typed errors.
    assert diff(n + 3, n + 1)["errors"] == [{"code": "INVALID", "field": ["fromNumber"]}]
    assert diff(n, n + 4)["errors"] == [{"code": "NOT_FOUND", "field": ["toNumber"]}]
    ok(call(running, UNDO, c=COMMUNITY))  # the redraw, so the grid is as it was
