"""The regional pattern (plan 三) through the running org subgraph: resident units and their
co-building agreements, big-committee part-time members, volunteer teams — and bad writes
refused with a typed error, nothing written."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from org_api import error_codes, mutate, query, register, unique

from infra.demo.model import COMMUNITY_KINDS, Demo, Organization
from stack import Running

FUTURE = str(dt.date.today() + dt.timedelta(days=30))
NOWHERE = "00000000-0000-0000-0000-000000000000"
ERRORS = "errors { code message messageEn field rule }"
UNIT_FIELDS = (
    "id name address partyOrganizationName agreement { signedOn summary } community { code } "
    "partTimeMembers { id role member { id } organization { id } }"
)
REGISTER_UNIT = f"""mutation ($input: RegisterResidentUnitInput!) {{
  registerResidentUnit(input: $input) {{ residentUnit {{ {UNIT_FIELDS} }} {ERRORS} }} }}"""
UPDATE_UNIT = f"""mutation ($id: ID!, $input: UpdateResidentUnitInput!) {{
  updateResidentUnit(id: $id, input: $input) {{ residentUnit {{ {UNIT_FIELDS} }} {ERRORS} }} }}"""
SIGN = f"""mutation ($id: ID!, $on: Date!, $summary: String!) {{
  signAgreement(id: $id, signedOn: $on, summary: $summary) {{
    residentUnit {{ {UNIT_FIELDS} }} {ERRORS} }} }}"""
UNITS = f"query ($c: String!) {{ residentUnits(communityCode: $c) {{ {UNIT_FIELDS} }} }}"
ADD_PARTTIME = f"""mutation ($org: ID!, $member: ID!, $unit: ID, $start: Date!) {{
  addPartTimeMember(organizationId: $org, memberId: $member, residentUnitId: $unit,
                    termStart: $start) {{ seat {{ id role member {{ id }} }} {ERRORS} }} }}"""
END_PARTTIME = f"""mutation ($id: ID!, $on: Date!) {{
  endPartTimeMember(seatId: $id, endedOn: $on) {{ seat {{ id }} {ERRORS} }} }}"""
COMMITTEE = "query ($id: ID!) { organization(id: $id) { committee { id role member { id } } } }"
TEAM_FIELDS = (
    "id name foundedOn community { code } organization { id } "
    "members(first: 10) { totalCount nodes { id } } "
    "managementMix { self nonSelf joint isJoint }"
)
CREATE_TEAM = f"""mutation ($c: String!, $name: String!, $org: ID, $on: Date) {{
  createVolunteerTeam(communityCode: $c, name: $name, organizationId: $org, foundedOn: $on) {{
    volunteerTeam {{ {TEAM_FIELDS} }} {ERRORS} }} }}"""
ADD_VOLUNTEER = f"""mutation ($team: ID!, $member: ID!) {{
  addVolunteer(teamId: $team, memberId: $member) {{ volunteerTeam {{ {TEAM_FIELDS} }} {ERRORS} }} }}"""
REMOVE_VOLUNTEER = f"""mutation ($team: ID!, $member: ID!) {{
  removeVolunteer(teamId: $team, memberId: $member) {{
    volunteerTeam {{ {TEAM_FIELDS} }} {ERRORS} }} }}"""
TEAMS = f"query ($c: String!) {{ volunteerTeams(communityCode: $c) {{ {TEAM_FIELDS} }} }}"


def _top(demo: Demo, code: str) -> Organization:
    return next(
        o for o in demo.organizations if o.community_code == code and o.kind in COMMUNITY_KINDS
    )


def _units(running: Running, community: str) -> dict[str, dict[str, Any]]:
    return {u["id"]: u for u in query(running, UNITS, {"c": community})["residentUnits"]}


def _new_unit(running: Running, community: str, **fields: Any) -> dict[str, Any]:
    data = {"communityCode": community, "name": unique("测试单位"), "address": "建设路1号"}
    payload = mutate(running, REGISTER_UNIT, {"input": data | fields})
    assert payload["errors"] == [], payload
    return payload["residentUnit"]


def _guest(running: Running, community: str, management: str = "NON_SELF") -> str:
    """A new non-self-managed (or jointly managed) member living in the community."""
    payload = register(
        running, communityCode=community, management=management, employerUnit=unique("单位")
    )
    assert payload["errors"] == [], payload
    return payload["member"]["id"]


def _own(running: Running, demo: Demo, community: str) -> str:
    """A new self-managed member of the community's own organization."""
    payload = register(
        running, communityCode=community, organizationId=str(_top(demo, community).id)
    )
    assert payload["errors"] == [], payload
    return payload["member"]["id"]


# --- resident units and agreements -----------------------------------------------------------


def test_register_update_and_sign_an_agreement(running: Running, demo: Demo) -> None:
    """plan (三): 社区党组织与驻社区党组织签订协议."""
    community = demo.communities[5].code
    unit = _new_unit(running, community, partyOrganizationName="市自来水公司党委")
    assert unit["agreement"] is None
    assert unit["community"] == {"code": community}
    assert unit["partTimeMembers"] == []
    new_name = unique("自来水公司")
    updated = mutate(
        running,
        UPDATE_UNIT,
        {"id": unit["id"], "input": {"name": new_name, "address": "建设路9号"}},
    )
    assert updated["errors"] == []
    assert updated["residentUnit"]["name"] == new_name
    assert updated["residentUnit"]["address"] == "建设路9号"
    assert updated["residentUnit"]["partyOrganizationName"] == "市自来水公司党委"  # omitted: kept
    signed = mutate(
        running, SIGN, {"id": unit["id"], "on": "2024-04-10", "summary": "共驻共建、资源共享"}
    )
    assert signed["errors"] == []
    listed = _units(running, community)[unit["id"]]
    assert listed["agreement"] == {"signedOn": "2024-04-10", "summary": "共驻共建、资源共享"}
    assert listed["name"] == new_name


def test_bad_resident_unit_writes_are_refused(running: Running, demo: Demo) -> None:
    community = demo.communities[5].code
    unit = _new_unit(running, community)
    other = _new_unit(running, community)
    before = _units(running, community)
    cases = [
        (REGISTER_UNIT, {"input": {"communityCode": "410104999999", "name": unique("x")}}, "NOT_FOUND", "communityCode"),
        (REGISTER_UNIT, {"input": {"communityCode": community, "name": "  "}}, "INVALID", "name"),
        (REGISTER_UNIT, {"input": {"communityCode": community, "name": unit["name"]}}, "CONFLICT", "name"),
        (UPDATE_UNIT, {"id": NOWHERE, "input": {"address": "x"}}, "NOT_FOUND", "id"),
        (UPDATE_UNIT, {"id": "not-an-id", "input": {"address": "x"}}, "NOT_FOUND", "id"),
        (UPDATE_UNIT, {"id": other["id"], "input": {"name": unit["name"]}}, "CONFLICT", "name"),
        (SIGN, {"id": unit["id"], "on": FUTURE, "summary": "共建"}, "INVALID", "signedOn"),
        (SIGN, {"id": unit["id"], "on": "2024-01-01", "summary": " "}, "INVALID", "summary"),
        (SIGN, {"id": NOWHERE, "on": "2024-01-01", "summary": "共建"}, "NOT_FOUND", "id"),
    ]  # fmt: skip
    for text, variables, code, field in cases:
        refused = mutate(running, text, variables)
        assert error_codes(refused) == [code], (variables, refused)
        assert refused["errors"][0]["field"][-1] == field
        assert refused["errors"][0]["message"] and refused["errors"][0]["messageEn"]
        assert refused["residentUnit"] is None
    assert _units(running, community) == before  # nothing written


# --- big-committee part-time members (大党委兼职委员) -------------------------------------------


def _committee(running: Running, org: Organization) -> list[dict[str, Any]]:
    return query(running, COMMITTEE, {"id": str(org.id)})["organization"]["committee"]


def test_part_time_members_from_a_unit_and_a_non_self_managed_resident(
    running: Running, demo: Demo
) -> None:
    """plan (三): 把驻社区单位党组织负责人……、社区居民中有影响力的非自管党员，吸纳为社区党委
    （总支、支部）委员会兼职委员，组成社区"大党委"."""
    community = demo.communities[6].code
    top = _top(demo, community)
    unit = _new_unit(running, community, partyOrganizationName="区税务局党支部")
    head = _own(running, demo, community)  # a self-managed member heading a resident unit
    guest = _guest(running, community)
    from_unit = mutate(
        running,
        ADD_PARTTIME,
        {"org": str(top.id), "member": head, "unit": unit["id"], "start": "2024-03-01"},
    )
    assert from_unit["errors"] == []
    assert from_unit["seat"]["role"] == "PARTTIME_MEMBER"
    resident = mutate(
        running, ADD_PARTTIME, {"org": str(top.id), "member": guest, "start": "2024-03-01"}
    )
    assert resident["errors"] == []
    seats = {s["id"]: s for s in _committee(running, top)}
    assert seats[from_unit["seat"]["id"]]["member"] == {"id": head}
    assert seats[resident["seat"]["id"]]["role"] == "PARTTIME_MEMBER"
    listed = _units(running, community)[unit["id"]]["partTimeMembers"]
    assert listed == [
        {
            "id": from_unit["seat"]["id"],
            "role": "PARTTIME_MEMBER",
            "member": {"id": head},
            "organization": {"id": str(top.id)},
        }
    ]
    for seat in (from_unit["seat"]["id"], resident["seat"]["id"]):
        ended = mutate(running, END_PARTTIME, {"id": seat, "on": "2024-06-30"})
        assert ended["errors"] == []
    assert _units(running, community)[unit["id"]]["partTimeMembers"] == []
    remaining = {s["id"] for s in _committee(running, top)}
    assert from_unit["seat"]["id"] not in remaining and resident["seat"]["id"] not in remaining


def _spoil(running: Running, demo: Demo, case: str, variables: dict, elsewhere: str) -> None:
    """Make a part-time seat's variables bad in the way `case` names (of community 7)."""
    community = demo.communities[7].code
    if case == "not_community_org":
        top = _top(demo, community)
        grid_branch = next(
            o for o in demo.organizations if o.community_code == community and o.parent_id == top.id
        )
        variables["org"] = str(grid_branch.id)
    elif case == "unknown_org":
        variables["org"] = NOWHERE
    elif case == "unknown_member":
        variables["member"] = NOWHERE
    elif case == "unknown_unit":
        variables["unit"] = NOWHERE
    elif case == "member_elsewhere":
        variables["member"] = _guest(running, elsewhere)
    elif case == "unit_elsewhere":
        variables["unit"] = _new_unit(running, elsewhere)["id"]
    elif case == "future_term":
        variables["start"] = FUTURE
    elif case == "self_managed_without_unit":
        variables["member"] = _own(running, demo, community)


@pytest.mark.parametrize(
    ("case", "code", "field", "rule"),
    [
        ("not_community_org", "RULE_VIOLATION", "organizationId", "big_committee.community_organization"),
        ("unknown_org", "NOT_FOUND", "organizationId", None),
        ("unknown_member", "NOT_FOUND", "memberId", None),
        ("unknown_unit", "NOT_FOUND", "residentUnitId", None),
        ("member_elsewhere", "INVALID", "memberId", None),
        ("unit_elsewhere", "INVALID", "residentUnitId", None),
        ("future_term", "INVALID", "termStart", None),
        ("self_managed_without_unit", "RULE_VIOLATION", "residentUnitId", "big_committee.source"),
        ("already_seated", "CONFLICT", "memberId", "committee.one_seat"),
    ],
)  # fmt: skip
def test_bad_part_time_seats_are_refused(
    running: Running, demo: Demo, case: str, code: str, field: str, rule: str | None
) -> None:
    community, elsewhere = demo.communities[7].code, demo.communities[8].code
    top = _top(demo, community)
    guest = _guest(running, community)
    variables = {"org": str(top.id), "member": guest, "unit": None, "start": "2024-03-01"}
    _spoil(running, demo, case, variables, elsewhere)
    if case == "already_seated":
        first = mutate(running, ADD_PARTTIME, variables)
        assert first["errors"] == []
    before = _committee(running, top)
    refused = mutate(running, ADD_PARTTIME, variables)
    assert error_codes(refused) == [code], refused
    assert refused["errors"][0]["field"] == [field]
    assert refused["errors"][0]["rule"] == rule
    assert refused["seat"] is None
    assert _committee(running, top) == before  # nothing written
    if case == "already_seated":
        assert (
            mutate(running, END_PARTTIME, {"id": first["seat"]["id"], "on": "2024-04-01"})["errors"]
            == []
        )


def test_ending_a_part_time_seat_refuses_bad_input(running: Running, demo: Demo) -> None:
    community = demo.communities[7].code
    top = _top(demo, community)
    seat = mutate(
        running,
        ADD_PARTTIME,
        {"org": str(top.id), "member": _guest(running, community), "start": "2024-03-01"},
    )["seat"]["id"]
    ordinary = next(s["id"] for s in _committee(running, top) if s["role"] != "PARTTIME_MEMBER")
    for variables, code, field in [
        ({"id": seat, "on": FUTURE}, "INVALID", "endedOn"),
        ({"id": seat, "on": "2024-01-01"}, "INVALID", "endedOn"),  # before the term began
        ({"id": NOWHERE, "on": "2024-05-01"}, "NOT_FOUND", "seatId"),
        ({"id": ordinary, "on": "2024-05-01"}, "NOT_FOUND", "seatId"),  # not a part-time seat
    ]:
        refused = mutate(running, END_PARTTIME, variables)
        assert error_codes(refused) == [code], (variables, refused)
        assert refused["errors"][0]["field"] == [field]
    assert {seat, ordinary} <= {s["id"] for s in _committee(running, top)}  # still seated
    assert mutate(running, END_PARTTIME, {"id": seat, "on": "2024-05-01"})["errors"] == []


# --- volunteer teams (党员志愿者服务队) -----------------------------------------------------------


def test_a_joint_volunteer_team_of_the_three_kinds(running: Running, demo: Demo) -> None:
    """plan (三): 动员驻社区单位在职党员、非自管的社区居民党员与社区党组织自管党员一起……联合组建
    社区党员志愿者服务队."""
    community = demo.communities[9].code
    top = _top(demo, community)
    created = mutate(
        running,
        CREATE_TEAM,
        {
            "c": community,
            "name": unique("党员志愿者服务队"),
            "org": str(top.id),
            "on": "2024-02-01",
        },
    )
    assert created["errors"] == []
    team = created["volunteerTeam"]
    assert team["organization"] == {"id": str(top.id)}
    assert team["foundedOn"] == "2024-02-01"
    assert team["managementMix"] == {"self": 0, "nonSelf": 0, "joint": 0, "isJoint": False}
    people = [
        _own(running, demo, community),
        _guest(running, community),
        _guest(running, community, "JOINT"),
    ]
    for person in people:
        added = mutate(running, ADD_VOLUNTEER, {"team": team["id"], "member": person})
        assert added["errors"] == []
    listed = {t["id"]: t for t in query(running, TEAMS, {"c": community})["volunteerTeams"]}
    mine = listed[team["id"]]
    assert mine["managementMix"] == {"self": 1, "nonSelf": 1, "joint": 1, "isJoint": True}
    assert mine["members"]["totalCount"] == 3
    assert {n["id"] for n in mine["members"]["nodes"]} == set(people)
    removed = mutate(running, REMOVE_VOLUNTEER, {"team": team["id"], "member": people[1]})
    assert removed["errors"] == []
    assert removed["volunteerTeam"]["managementMix"] == {
        "self": 1,
        "nonSelf": 0,
        "joint": 1,
        "isJoint": False,
    }


def test_bad_volunteer_team_writes_are_refused(running: Running, demo: Demo) -> None:
    community, elsewhere = demo.communities[9].code, demo.communities[10].code
    team = mutate(running, CREATE_TEAM, {"c": community, "name": unique("服务队")})
    team_id = team["volunteerTeam"]["id"]
    member = _guest(running, community)
    assert mutate(running, ADD_VOLUNTEER, {"team": team_id, "member": member})["errors"] == []
    teams_before = query(running, TEAMS, {"c": community})["volunteerTeams"]
    other_org = str(_top(demo, elsewhere).id)
    taken = team["volunteerTeam"]["name"]
    cases = [
        (CREATE_TEAM, {"c": "410104999999", "name": unique("x")}, "NOT_FOUND", "communityCode"),
        (CREATE_TEAM, {"c": community, "name": " "}, "INVALID", "name"),
        (CREATE_TEAM, {"c": community, "name": taken}, "CONFLICT", "name"),
        (CREATE_TEAM, {"c": community, "name": unique("x"), "on": FUTURE}, "INVALID", "foundedOn"),
        (CREATE_TEAM, {"c": community, "name": unique("x"), "org": other_org}, "INVALID", "organizationId"),
        (CREATE_TEAM, {"c": community, "name": unique("x"), "org": NOWHERE}, "NOT_FOUND", "organizationId"),
        (ADD_VOLUNTEER, {"team": NOWHERE, "member": member}, "NOT_FOUND", "teamId"),
        (ADD_VOLUNTEER, {"team": team_id, "member": NOWHERE}, "NOT_FOUND", "memberId"),
        (ADD_VOLUNTEER, {"team": team_id, "member": member}, "CONFLICT", "memberId"),
        (ADD_VOLUNTEER, {"team": team_id, "member": _guest(running, elsewhere)}, "INVALID", "memberId"),
        (REMOVE_VOLUNTEER, {"team": team_id, "member": _guest(running, community)}, "NOT_FOUND", "memberId"),
        (REMOVE_VOLUNTEER, {"team": NOWHERE, "member": member}, "NOT_FOUND", "teamId"),
    ]  # fmt: skip
    for text, variables, code, field in cases:
        refused = mutate(running, text, variables)
        assert error_codes(refused) == [code], (variables, refused)
        assert refused["errors"][0]["field"] == [field]
        assert refused["volunteerTeam"] is None
    assert query(running, TEAMS, {"c": community})["volunteerTeams"] == teams_before
