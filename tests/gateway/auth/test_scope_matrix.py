"""Role x operation x scope, against the real subgraph processes (each subgraph filters by
scope itself). `home` lies under every test user's node; `away` (another street) only under
the district's. Calls carry the internal token the gateway would sign for that user."""

from __future__ import annotations

import pytest

from services.common.auth import Identity
from stack import Running

ROLES = ("district", "street", "secretary", "planner", "viewer")
ORG_WRITERS = {"district", "street", "secretary"}
GRID_WRITERS = {"district", "planner"}
PERSONAL = {"district", "street", "secretary"}


def _sees(role: str, where: str) -> bool:
    return where == "home" or role == "district"


def _codes(body: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


@pytest.mark.parametrize("where", ["home", "away"])
@pytest.mark.parametrize("role", ROLES)
def test_reading_places(running: Running, roles: dict[str, Identity], places, role, where):
    caller = roles[role]
    org = running.post(
        running.subgraphs["org"],
        "query ($c: String!) { community(code: $c) { name } }",
        {"c": places[where]},
        identity=caller,
    )
    grid = running.post(
        running.subgraphs["grid"],
        "query ($z: ID!) { zone(id: $z) { id } }",
        {"z": places[f"{where}_zone"]},
        identity=caller,
    )
    assess = running.post(
        running.subgraphs["assess"], "{ gradingStandard { id } }", identity=caller
    )
    assert (org["data"]["community"] is not None) == _sees(role, where)
    assert (grid["data"]["zone"] is not None) == _sees(role, where)
    assert assess["data"]["gradingStandard"] is not None  # the district's standard: for all


@pytest.mark.parametrize("where", ["home", "away"])
@pytest.mark.parametrize("role", ROLES)
def test_reading_members(running: Running, roles: dict[str, Identity], places, role, where):
    body = running.post(
        running.subgraphs["org"],
        """query ($c: String!) { members(filter: {regionCode: $c}, first: 5) {
            totalCount nodes { name phone birthDate age personalDataAccess } } }""",
        {"c": places[where]},
        identity=roles[role],
    )
    found = body["data"]["members"]
    if not _sees(role, where):
        assert found == {"totalCount": 0, "nodes": []}
        return
    assert found["totalCount"] > 0
    for member in found["nodes"]:
        if role in PERSONAL:
            assert member["personalDataAccess"] == "GRANTED"
            assert member["birthDate"] is not None and member["age"] > 0
        else:
            assert member["personalDataAccess"] == "WITHHELD_ROLE"
            assert member["birthDate"] is None and member["phone"] is None
            assert member["age"] is None  # derived from the birth date: withheld with it


def test_a_street_office_asking_for_the_district_gets_its_street(
    running: Running, roles: dict[str, Identity], places
):
    body = running.post(
        running.subgraphs["org"],
        "query ($c: String!) { communities(regionCode: $c) { code } }",
        {"c": places["home"][:6]},
        identity=roles["street"],
    )
    codes = [c["code"] for c in body["data"]["communities"]]
    assert places["home"] in codes
    assert codes and all(code.startswith(places["home"][:9]) for code in codes)


ORG_VERSION = "query ($id: ID!) { organization(id: $id) { name version } }"
RENAME = """mutation ($id: ID!, $name: String!) {
  updateOrganization(id: $id, input: {name: $name}) {
    organization { version } errors { code message messageEn } }
}"""


@pytest.mark.parametrize("where", ["home", "away"])
@pytest.mark.parametrize("role", ROLES)
def test_org_writes(running: Running, roles: dict[str, Identity], places, role, where):
    org_id = places[f"{where}_org"]
    district = roles["district"]
    before = running.post(running.subgraphs["org"], ORG_VERSION, {"id": org_id}, identity=district)
    name = before["data"]["organization"]["name"]
    body = running.post(
        running.subgraphs["org"], RENAME, {"id": org_id, "name": name}, identity=roles[role]
    )
    after = running.post(running.subgraphs["org"], ORG_VERSION, {"id": org_id}, identity=district)
    allowed = role in ORG_WRITERS and _sees(role, where)
    if allowed:
        assert _codes(body) == [] and body["data"]["updateOrganization"]["errors"] == []
    elif role in ORG_WRITERS:
        # Another street's organization: answered as an unknown id would be (class 7).
        assert _codes(body) == []
        errors = body["data"]["updateOrganization"]["errors"]
        assert [e["code"] for e in errors] == ["NOT_FOUND"]
        assert places["away"] not in repr(errors)
    else:
        assert _codes(body) == ["FORBIDDEN"]
        assert body["errors"][0]["extensions"]["reason"] == "role"
    if not allowed:
        assert after["data"]["organization"] == before["data"]["organization"]


PREVIEW = """mutation ($c: String!, $b: ID!) {
  unassignBuildings(communityCode: $c, buildingIds: [$b], dryRun: true) { errors { code } }
}"""


@pytest.mark.parametrize("where", ["home", "away"])
@pytest.mark.parametrize("role", ROLES)
def test_grid_writes(running: Running, roles: dict[str, Identity], places, role, where):
    body = running.post(
        running.subgraphs["grid"],
        PREVIEW,
        {"c": places[where], "b": places[f"{where}_building"]},
        identity=roles[role],
    )
    allowed = role in GRID_WRITERS and _sees(role, where)
    if allowed:
        assert "FORBIDDEN" not in _codes(body)
        assert body.get("data"), body
        assert body["data"]["unassignBuildings"] is not None, body
    else:
        assert _codes(body) == ["FORBIDDEN"]
        assert body["data"] is None
