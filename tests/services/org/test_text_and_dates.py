"""Org's free text and dates under the one rule: control characters and overlong text are
refused as INVALID (not a database error), as are absurd dates and leaving before joining —
with nothing written."""

from __future__ import annotations

import pytest
from org_api import error_codes, mutate, query, register, unique

from infra.demo.model import COMMUNITY_KINDS, Demo, Organization
from stack import Running

CREATE_ORG = """mutation ($input: CreateOrganizationInput!) {
  createOrganization(input: $input) { organization { id } errors { code field messageEn } } }"""
LEAVE = """mutation ($id: ID!, $on: Date!) { markMemberLeft(memberId: $id, leftOn: $on) {
  member { leftOn } errors { code field messageEn } } }"""
MEMBER = "query ($id: ID!) { member(id: $id) { leftOn version } }"

BAD_TEXT = {
    "NUL": "张\x00三",
    "escape": "张\x1b[31m三",
    "990,000 characters": "张" * 990_000,
}


def _top(demo: Demo, code: str) -> Organization:
    return next(
        o for o in demo.organizations if o.community_code == code and o.kind in COMMUNITY_KINDS
    )


def _count(running: Running, community: str) -> int:
    data = query(
        running,
        "query ($c: String!) { members(filter: {regionCode: $c, includeLeft: true}, first: 0) "
        "{ totalCount } }",
        {"c": community},
    )
    return data["members"]["totalCount"]


@pytest.mark.parametrize("case", list(BAD_TEXT))
def test_bad_member_and_organization_text_is_refused(
    running: Running, demo: Demo, case: str
) -> None:
    community = demo.communities[3].code
    top = _top(demo, community)
    before = _count(running, community)
    refused = register(
        running, communityCode=community, organizationId=str(top.id), name=BAD_TEXT[case]
    )
    assert error_codes(refused) == ["INVALID"], refused
    assert refused["errors"][0]["field"] == ["input", "name"]
    assert _count(running, community) == before
    org = mutate(
        running,
        CREATE_ORG,
        {
            "input": {
                "communityCode": community,
                "name": BAD_TEXT[case],
                "kind": "PARTY_GROUP",
                "parentId": str(top.id),
            }
        },
    )
    assert error_codes(org) == ["INVALID"], org
    assert org["organization"] is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"birthDate": "0001-01-01", "joinedOn": "2005-07-01"}, "birthDate"),
        ({"birthDate": "1901-01-01", "joinedOn": "1920-07-01"}, "joinedOn"),
    ],
)
def test_absurd_years_are_refused(running: Running, demo: Demo, fields: dict, field: str) -> None:
    community = demo.communities[3].code
    before = _count(running, community)
    refused = register(
        running, communityCode=community, organizationId=str(_top(demo, community).id), **fields
    )
    assert error_codes(refused) == ["INVALID"], refused
    assert refused["errors"][0]["field"][-1] == field
    assert _count(running, community) == before


def test_a_member_cannot_leave_before_joining(running: Running, demo: Demo) -> None:
    community = demo.communities[3].code
    member = register(
        running,
        communityCode=community,
        organizationId=str(_top(demo, community).id),
        name=unique("离开"),
        joinedOn="2005-07-01",
    )["member"]
    for day in ("0001-01-01", "2005-06-30"):
        refused = mutate(running, LEAVE, {"id": member["id"], "on": day})
        assert error_codes(refused) == ["INVALID"], refused
        assert refused["errors"][0]["field"][-1] == "leftOn"
    assert query(running, MEMBER, {"id": member["id"]})["member"] == {
        "leftOn": None,
        "version": member["version"],
    }
    left = mutate(running, LEAVE, {"id": member["id"], "on": "2005-07-01"})
    assert left["errors"] == [] and left["member"] == {"leftOn": "2005-07-01"}
