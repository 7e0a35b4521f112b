"""What a community secretary keeps about members: records, reporting in, committee seats,
posts and helpers — and the plan's hard rules refusing bad writes, with nothing written."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from org_api import error_codes, mutate, query, register

from infra.demo.model import COMMITTEE, COMMUNITY_KINDS, Demo, Organization
from stack import Running

ADD_SEAT = """mutation ($org: ID!, $member: ID!, $role: CommitteeRole!, $start: Date) {
  addCommitteeMember(organizationId: $org, memberId: $member, role: $role, termStart: $start) {
    seat { id role member { id } } errors { code rule message messageEn field } } }"""
END_SEAT = """mutation ($id: ID!, $on: Date!) { removeCommitteeMember(seatId: $id, endedOn: $on) {
  seat { id } errors { code } } }"""
COMMITTEE_QUERY = (
    "query ($id: ID!) { organization(id: $id) { committee { id role member { id } } } }"
)


def _top(demo: Demo, code: str) -> Organization:
    return next(
        o for o in demo.organizations if o.community_code == code and o.kind in COMMUNITY_KINDS
    )


def _member_count(running: Running, community: str) -> int:
    data = query(
        running,
        "query ($c: String!) { members(filter: {regionCode: $c, includeLeft: true}, first: 0) { totalCount } }",
        {"c": community},
    )
    return data["members"]["totalCount"]


def test_register_a_self_managed_and_a_non_self_managed_member(
    running: Running, demo: Demo
) -> None:
    community = demo.communities[0].code
    top = _top(demo, community)
    building = next(b for b in demo.buildings if b.community_code == community)
    own = register(
        running,
        communityCode=community,
        organizationId=str(top.id),
        homeBuildingId=str(building.id),
    )
    assert own["errors"] == []
    assert own["member"]["organization"] == {"id": str(top.id)}
    assert own["member"]["reporting"] is None
    guest = register(
        running, communityCode=community, management="NON_SELF", employerUnit="管城区税务局"
    )
    assert guest["errors"] == []
    assert guest["member"]["organization"] is None
    assert guest["member"]["reporting"] == {
        "status": "PENDING",
        "reportedOn": None,
        "unit": "管城区税务局",
    }
    # plan (三): 非自管党员 report in (党员报到) where they live.
    reported = mutate(
        running,
        """mutation ($id: ID!) { recordReportingIn(memberId: $id, reportedOn: "2024-03-01", unit: "管城区税务局") {
          member { reporting { status reportedOn unit } } errors { code } } }""",
        {"id": guest["member"]["id"]},
    )
    assert reported["member"]["reporting"] == {
        "status": "REPORTED",
        "reportedOn": "2024-03-01",
        "unit": "管城区税务局",
    }
    homes = query(
        running,
        """query ($b: ID!) { members(filter: {buildingId: $b}, first: 200) { nodes { id } } }""",
        {"b": str(building.id)},
    )
    assert own["member"]["id"] in {n["id"] for n in homes["members"]["nodes"]}
    # Leave the demo's resident counts as they were for the tests that compare with them.
    left = mutate(
        running,
        """mutation ($id: ID!) { markMemberLeft(memberId: $id, leftOn: "2024-06-01") {
          member { leftOn } errors { code } } }""",
        {"id": own["member"]["id"]},
    )
    assert left["member"] == {"leftOn": "2024-06-01"}


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"birthDate": "2999-01-01", "joinedOn": "3020-01-01"}, "INVALID", "birthDate"),
        ({"joinedOn": "2990-01-01"}, "INVALID", "joinedOn"),
        ({"birthDate": "1990-01-01", "joinedOn": "2005-01-01"}, "INVALID", "joinedOn"),  # under 18
        ({"organizationId": "00000000-0000-0000-0000-000000000000"}, "NOT_FOUND", "organizationId"),
        ({"organizationId": None}, "INVALID", "organizationId"),  # self-managed needs one
        ({"management": "NON_SELF", "organizationId": "TOP"}, "INVALID", "organizationId"),
        ({"management": "NON_SELF", "organizationId": None}, "INVALID", "employerUnit"),
        ({"homeBuildingId": "00000000-0000-0000-0000-000000000001"}, "NOT_FOUND", "homeBuildingId"),
        ({"homeBuildingId": "OTHER"}, "NOT_FOUND", "homeBuildingId"),  # a building elsewhere
        ({"gender": "X"}, "INVALID", "gender"),
        ({"communityCode": "410104999999"}, "NOT_FOUND", "communityCode"),
    ],
)
def test_bad_registrations_are_refused_and_write_nothing(
    running: Running, demo: Demo, fields: dict, code: str, field: str
) -> None:
    community = demo.communities[3].code
    other = next(b for b in demo.buildings if b.community_code != community)
    values = {"communityCode": community, "organizationId": str(_top(demo, community).id)} | fields
    values = {k: v for k, v in values.items() if v is not None}
    values = {
        k: str(_top(demo, community).id) if v == "TOP" else str(other.id) if v == "OTHER" else v
        for k, v in values.items()
    }
    before = _member_count(running, community)
    refused = register(running, **values)
    assert error_codes(refused) == [code], refused
    assert refused["errors"][0]["field"][-1] == field
    assert refused["member"] is None
    assert _member_count(running, community) == before


def test_an_education_outside_the_list_is_a_graphql_error(running: Running, demo: Demo) -> None:
    result = running.post(
        running.subgraphs["org"],
        """mutation ($c: String!) { registerMember(input: {communityCode: $c, name: "x", gender: "F",
           birthDate: "1980-01-01", education: PHD, joinedOn: "2000-01-01", management: SELF}) {
           member { id } } }""",
        {"c": demo.communities[0].code},
    )
    assert result["data"] is None
    assert "Education" in result["errors"][0]["message"]


def _committee_community(demo: Demo) -> tuple[str, Organization]:
    """A committee (社区党委) community whose committee has room (fewer than 7 seats) and
    whose deputies are qualified (so a test can vacate a role and restore it)."""
    for community in demo.communities:
        top = _top(demo, community.code)
        seats = [m for m in demo.members if m.community_code == community.code and m.committee_role]
        qualified = not any(
            m.is_probationary for m in seats if m.committee_role == "parttime_deputy"
        )
        if top.kind == COMMITTEE and len(seats) < 7 and qualified:
            return community.code, top
    raise AssertionError("the demo needs a 社区党委 with room on its committee")


def _seat(
    running: Running, org: Organization, member_id: str, role: str, start: str | None = "2020-01-01"
) -> dict:
    return mutate(
        running, ADD_SEAT, {"org": str(org.id), "member": member_id, "role": role, "start": start}
    )


def test_committee_hard_rules(running: Running, demo: Demo) -> None:
    """plan (二): 社区党委设委员5至7人，书记1人、专职副书记1人、兼职副书记1人；专职副书记党龄2年以上；
    兼职副书记须为正式党员."""
    community, top = _committee_community(demo)
    committee = query(running, COMMITTEE_QUERY, {"id": str(top.id)})["organization"]["committee"]
    roles = Counter(seat["role"] for seat in committee if seat["role"] != "PARTTIME_MEMBER")
    seated = {seat["member"]["id"] for seat in committee}
    # A second secretary is refused.
    newcomer = register(running, communityCode=community, organizationId=str(top.id))["member"][
        "id"
    ]
    assert roles["SECRETARY"] == 1
    refused = _seat(running, top, newcomer, "SECRETARY")
    assert error_codes(refused) == ["RULE_VIOLATION"]
    assert refused["errors"][0]["rule"] == "committee.secretary"
    # One member, one seat.
    refused = _seat(running, top, next(iter(seated)), "MEMBER")
    assert error_codes(refused) == ["CONFLICT"]
    # Fill the committee to 7, then the 8th is refused; remove one, and there is room again.
    added = []
    while sum(roles.values()) + len(added) < 7:
        person = register(running, communityCode=community, organizationId=str(top.id))["member"][
            "id"
        ]
        seat = _seat(running, top, person, "MEMBER")
        assert seat["errors"] == []
        added.append(seat["seat"]["id"])
    eighth = register(running, communityCode=community, organizationId=str(top.id))["member"]["id"]
    refused = _seat(running, top, eighth, "MEMBER")
    assert error_codes(refused) == ["RULE_VIOLATION"]
    assert refused["errors"][0]["rule"] == "committee.size"
    after = query(running, COMMITTEE_QUERY, {"id": str(top.id)})["organization"]["committee"]
    assert eighth not in {seat["member"]["id"] for seat in after}
    for seat_id in added:
        assert mutate(running, END_SEAT, {"id": seat_id, "on": "2021-01-01"})["errors"] == []
    final = query(running, COMMITTEE_QUERY, {"id": str(top.id)})["organization"]["committee"]
    assert len(final) == len(committee)


def test_a_future_term_or_unknown_ids_are_refused(running: Running, demo: Demo) -> None:
    community, top = _committee_community(demo)
    person = register(running, communityCode=community, organizationId=str(top.id))["member"]["id"]
    future = str(dt.date.today() + dt.timedelta(days=30))
    assert error_codes(_seat(running, top, person, "MEMBER", future)) == ["INVALID"]
    unknown = mutate(
        running,
        ADD_SEAT,
        {"org": str(top.id), "member": "00000000-0000-0000-0000-000000000000", "role": "MEMBER"},
    )
    assert error_codes(unknown) == ["NOT_FOUND"]
    elsewhere = next(
        m for m in demo.members if m.community_code != community and m.management == "self"
    )
    assert error_codes(_seat(running, top, str(elsewhere.id), "MEMBER")) == ["INVALID"]


def test_posts_and_helpers(running: Running, demo: Demo) -> None:
    """plan (五): 无职党员认领义务奉献岗位; 外出流动、年老体弱、生活困难党员有帮扶联系人."""
    community = demo.communities[4].code
    top = _top(demo, community)
    person = register(running, communityCode=community, organizationId=str(top.id))["member"]["id"]
    helper = register(running, communityCode=community, organizationId=str(top.id))["member"]["id"]
    claimed = mutate(
        running,
        """mutation ($m: ID!) { claimPost(memberId: $m, kind: VOLUNTEER, title: "楼道清洁志愿岗",
           claimedOn: "2024-05-01") { post { id kind title } errors { code } } }""",
        {"m": person},
    )
    assert claimed["post"]["kind"] == "VOLUNTEER"
    cared = mutate(
        running,
        """mutation ($m: ID!, $h: ID!) { assignHelper(memberId: $m, category: ELDERLY_FRAIL, helperMemberId: $h) {
           category { category hasHelper helper { id } } errors { code } } }""",
        {"m": person, "h": helper},
    )
    assert cared["category"] == {
        "category": "ELDERLY_FRAIL",
        "hasHelper": True,
        "helper": {"id": helper},
    }
    self_help = mutate(
        running,
        """mutation ($m: ID!) { assignHelper(memberId: $m, category: MOBILE, helperMemberId: $m) {
           category { id } errors { code field } } }""",
        {"m": person},
    )
    assert error_codes(self_help) == ["INVALID"]
    record = query(
        running,
        "query ($m: ID!) { member(id: $m) { posts { title } categories { category } } }",
        {"m": person},
    )["member"]
    assert record == {
        "posts": [{"title": "楼道清洁志愿岗"}],
        "categories": [{"category": "ELDERLY_FRAIL"}],
    }
    released = mutate(
        running,
        """mutation ($p: ID!) { releasePost(postId: $p, releasedOn: "2024-04-01") { post { id } errors { code } } }""",
        {"p": claimed["post"]["id"]},
    )
    assert error_codes(released) == ["INVALID"]  # released before it was claimed


def test_resident_counts_by_management(running: Running, demo: Demo) -> None:
    """Building.residentCounts lets grid rank gaps by residents (issue 3, item 5)."""
    counts = Counter((m.home_building_id, m.management) for m in demo.members if m.home_building_id)
    sample = [b.id for b in demo.buildings[:100]]
    result = running.post(
        running.subgraphs["org"],
        """query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Building {
             residentCounts { total selfManaged nonSelfManaged jointlyManaged } } } }""",
        {"reps": [{"__typename": "Building", "id": str(b)} for b in sample]},
    )
    got = [e["residentCounts"] for e in result["data"]["_entities"]]
    for building, entry in zip(sample, got, strict=True):
        # Members registered by other tests may live in demo buildings: at least the demo's.
        assert entry["selfManaged"] >= counts[(building, "self")]
        assert entry["nonSelfManaged"] >= counts[(building, "non_self")]
        assert (
            entry["total"]
            == entry["selfManaged"] + entry["nonSelfManaged"] + entry["jointlyManaged"]
        )


@pytest.mark.parametrize(
    ("role", "fields", "rule"),
    [
        # plan (二): 兼职副书记 一般应由是正式党员的综治办主任兼任 — not a probationary member.
        ("PARTTIME_DEPUTY", {"isProbationary": True}, "deputy.full_member"),
        # plan (二): 专职副书记应由党龄2年以上的党员担任.
        ("FULLTIME_DEPUTY", {"joinedOn": str(dt.date.today().replace(day=1))}, "deputy.standing"),
    ],
)
def test_an_unqualified_deputy_is_refused(
    running: Running, demo: Demo, role: str, fields: dict, rule: str
) -> None:
    community, top = _committee_community(demo)
    committee = query(running, COMMITTEE_QUERY, {"id": str(top.id)})["organization"]["committee"]
    holder = next((seat for seat in committee if seat["role"] == role), None)
    if holder is not None:  # vacate the role for the attempt, and restore it afterwards
        assert (
            mutate(running, END_SEAT, {"id": holder["id"], "on": str(dt.date.today())})["errors"]
            == []
        )
    try:
        person = register(running, communityCode=community, organizationId=str(top.id), **fields)
        refused = _seat(running, top, person["member"]["id"], role)
        assert error_codes(refused) == ["RULE_VIOLATION"]
        assert refused["errors"][0]["rule"] == rule
        after = query(running, COMMITTEE_QUERY, {"id": str(top.id)})["organization"]["committee"]
        assert person["member"]["id"] not in {seat["member"]["id"] for seat in after}
    finally:
        if holder is not None:
            restored = _seat(running, top, holder["member"]["id"], role)
            assert restored["errors"] == [], restored
