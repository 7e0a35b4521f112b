"""Creating, moving and dissolving organizations: plan 二's placement rules hold."""

from __future__ import annotations

import pytest
from org_api import error_codes, mutate, query, unique

from infra.demo.model import COMMUNITY_KINDS, GRID_BRANCH, PARTY_GROUP, Demo, Organization
from stack import Running

CREATE = """mutation ($input: CreateOrganizationInput!) {
  createOrganization(input: $input) {
    organization { id name kind units version parent { id } community { code } }
    errors { code message messageEn field rule } } }"""
MOVE = """mutation ($id: ID!, $to: ID!, $v: Int) { moveOrganization(id: $id, newParentId: $to, expectedVersion: $v) {
  organization { id version parent { id } } errors { code rule field message } } }"""
DISSOLVE = """mutation ($id: ID!) { dissolveOrganization(id: $id) {
  organization { id isLive } errors { code message messageEn } } }"""
RENAME = """mutation ($id: ID!, $name: String!, $v: Int) {
  updateOrganization(id: $id, input: {name: $name}, expectedVersion: $v) {
    organization { name version } errors { code field } } }"""


def _top(demo: Demo, code: str) -> Organization:
    return next(
        o for o in demo.organizations if o.community_code == code and o.kind in COMMUNITY_KINDS
    )


def _create(running: Running, **fields: object) -> dict:
    return mutate(running, CREATE, {"input": fields})


def test_create_rename_move_and_dissolve_a_group(running: Running, demo: Demo) -> None:
    community = demo.communities[0].code
    top = _top(demo, community)
    branches = [
        o for o in demo.organizations if o.community_code == community and o.kind == GRID_BRANCH
    ]
    created = _create(
        running,
        communityCode=community,
        name=unique("新党小组"),
        kind="PARTY_GROUP",
        parentId=str(top.id),
    )
    assert created["errors"] == []
    group = created["organization"]
    assert group["parent"] == {"id": str(top.id)}
    assert group["community"] == {"code": community}
    renamed = mutate(
        running, RENAME, {"id": group["id"], "name": "改名党小组", "v": group["version"]}
    )
    assert renamed["errors"] == []
    assert renamed["organization"]["version"] == group["version"] + 1
    # A stale version is a conflict, never a silent overwrite.
    stale = mutate(running, RENAME, {"id": group["id"], "name": "又改名", "v": group["version"]})
    assert error_codes(stale) == ["STALE"]
    if branches:
        moved = mutate(running, MOVE, {"id": group["id"], "to": str(branches[0].id), "v": None})
        assert moved["organization"]["parent"] == {"id": str(branches[0].id)}
    gone = mutate(running, DISSOLVE, {"id": group["id"]})
    assert gone["errors"] == []
    assert gone["organization"]["isLive"] is False


def test_a_second_community_organization_is_refused(running: Running, demo: Demo) -> None:
    """plan (二): 社区党组织 — one per community (党委、党总支 or 党支部)."""
    community = demo.communities[1].code
    refused = _create(
        running, communityCode=community, name="第二个社区党委", kind="COMMUNITY_COMMITTEE"
    )
    assert error_codes(refused) == ["CONFLICT"]
    assert refused["organization"] is None
    data = query(
        running,
        "query ($c: String!) { organizations(regionCode: $c, kind: COMMUNITY_COMMITTEE) { totalCount } "
        "b: organizations(regionCode: $c, kind: GENERAL_BRANCH) { totalCount } "
        "c: organizations(regionCode: $c, kind: BRANCH) { totalCount } }",
        {"c": community},
    )
    assert sum(v["totalCount"] for v in data.values()) == 1


def test_moving_under_its_own_descendant_is_refused(running: Running, demo: Demo) -> None:
    community = next(c.code for c in demo.communities if _top(demo, c.code).kind != "branch")
    top = _top(demo, community)
    branch = next(o for o in demo.organizations if o.parent_id == top.id and o.kind == GRID_BRANCH)
    group = next(
        o for o in demo.organizations if o.parent_id == branch.id and o.kind == PARTY_GROUP
    )
    for target in (branch.id, group.id):
        refused = mutate(
            running,
            MOVE,
            {
                "id": str(branch.id),
                "to": str(group.id if target == group.id else branch.id),
                "v": None,
            },
        )
        assert error_codes(refused) == ["RULE_VIOLATION"]
        assert refused["errors"][0]["rule"] == "organization.no_cycle"
    parent = query(
        running,
        "query ($id: ID!) { organization(id: $id) { parent { id } } }",
        {"id": str(branch.id)},
    )
    assert parent["organization"]["parent"] == {"id": str(top.id)}


@pytest.mark.parametrize(
    ("kind", "parent", "extra", "code"),
    [
        ("PARTY_GROUP", "00000000-0000-0000-0000-000000000000", {}, "NOT_FOUND"),
        ("PARTY_GROUP", "not-an-id", {}, "NOT_FOUND"),
        ("PARTY_GROUP", None, {}, "INVALID"),  # a group needs a parent
        ("COMMUNITY_COMMITTEE", "top", {}, "RULE_VIOLATION"),  # the top has no parent
        ("GRID_BRANCH", "top", {"units": ["WORKSTATION"]}, "INVALID"),  # units: functional only
        ("FUNCTIONAL_BRANCH", "top", {"name": "  "}, "INVALID"),
    ],
)
def test_bad_organization_input_is_refused(
    running: Running, demo: Demo, kind: str, parent: str | None, extra: dict, code: str
) -> None:
    community = demo.communities[2].code
    parent_id = str(_top(demo, community).id) if parent == "top" else parent
    data = {"communityCode": community, "name": unique("坏输入"), "kind": kind} | extra
    refused = _create(running, **data, **({"parentId": parent_id} if parent_id else {}))
    assert error_codes(refused)[0] == code
    assert refused["organization"] is None


def test_a_group_of_another_community_cannot_be_a_parent(running: Running, demo: Demo) -> None:
    here, there = demo.communities[0].code, demo.communities[1].code
    refused = _create(
        running,
        communityCode=here,
        name=unique("跨社区"),
        kind="PARTY_GROUP",
        parentId=str(_top(demo, there).id),
    )
    assert error_codes(refused) == ["INVALID"]


def test_dissolving_an_organization_grid_still_uses_is_refused_naming_them(
    running: Running, demo: Demo
) -> None:
    """Issue 3: refused, naming the zones and buildings, until they are reassigned."""
    branch = next(o for o in demo.organizations if o.kind == GRID_BRANCH and o.zone_id)
    # A group with a building and nothing else holding it shows the grid check.
    group = next(
        o
        for o in demo.organizations
        if o.kind == PARTY_GROUP
        and o.building_id
        and not any(c.parent_id == o.id for c in demo.organizations)
        and not any(m.organization_id == o.id for m in demo.members)
    )
    building = next(b for b in demo.buildings if b.id == group.building_id)
    refused = mutate(running, DISSOLVE, {"id": str(group.id)})
    assert error_codes(refused) == ["IN_USE"]
    assert building.name in refused["errors"][0]["message"]
    refused = mutate(running, DISSOLVE, {"id": str(branch.id)})  # its groups are in the way
    assert error_codes(refused) == ["IN_USE"]
    alive = query(
        running, "query ($id: ID!) { organization(id: $id) { isLive } }", {"id": str(group.id)}
    )
    assert alive["organization"]["isLive"] is True
