"""双争 excellent-member evaluation (plan 三、五) through the running org subgraph: nominate →
publicize → choose, feedback to the member's own unit — and steps out of order or bad input
refused with a typed error, nothing written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from org_api import error_codes, mutate, query, register, unique
from sqlalchemy import text

from infra.demo.model import COMMUNITY_KINDS, Demo
from infra.setup import Prepared
from stack import Running, rolled_back

FUTURE = str(dt.date.today() + dt.timedelta(days=30))
NOWHERE = "00000000-0000-0000-0000-000000000000"
ERRORS = "errors { code message messageEn field rule }"
EVALUATION_FIELDS = (
    "id year title stage nominatedOn nominatedBy reason publicizedFrom publicizedUntil "
    "decidedOn member { id } feedback { id unitName unitPartyOrganization sentOn content }"
)
NOMINATE = f"""mutation ($m: ID!, $year: Int!, $title: EvaluationTitle!, $on: Date!) {{
  nominateExcellentMember(memberId: $m, year: $year, title: $title, nominatedBy: "社区党委",
                          reason: "带头参加楼栋清洁和邻里调解", nominatedOn: $on) {{
    evaluation {{ {EVALUATION_FIELDS} }} {ERRORS} }} }}"""
PUBLICIZE = f"""mutation ($id: ID!, $from: Date!, $until: Date!) {{
  publicizeEvaluation(id: $id, from: $from, until: $until) {{
    evaluation {{ {EVALUATION_FIELDS} }} {ERRORS} }} }}"""
DECIDE = f"""mutation ($id: ID!, $chosen: Boolean!, $on: Date!) {{
  decideEvaluation(id: $id, chosen: $chosen, decidedOn: $on) {{
    evaluation {{ {EVALUATION_FIELDS} }} {ERRORS} }} }}"""
FEEDBACK = f"""mutation ($id: ID!, $on: Date!, $content: String!, $unit: String, $org: String) {{
  recordEvaluationFeedback(id: $id, sentOn: $on, content: $content, unitName: $unit,
                           unitPartyOrganization: $org) {{
    feedback {{ id unitName unitPartyOrganization sentOn content }} {ERRORS} }} }}"""
READ = f"query ($id: ID!) {{ evaluation(id: $id) {{ {EVALUATION_FIELDS} }} }}"
LIST = """query ($r: String!, $year: Int, $stage: EvaluationStage, $title: EvaluationTitle,
                 $first: Int, $after: String) {
  evaluations(regionCode: $r, year: $year, stage: $stage, title: $title, first: $first,
              after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } }"""


@pytest.fixture
def count_rows(prepared: Prepared) -> Callable[[str], tuple[int, int]]:
    """Count a member's evaluations and their feedback in the database itself."""

    def count(member_id: str) -> tuple[int, int]:
        with rolled_back(prepared.database.service_urls["org"]) as conn:
            row = conn.execute(
                text(
                    "SELECT count(DISTINCT e.id), count(f.id) FROM org.evaluation e "
                    "LEFT JOIN org.evaluation_feedback f ON f.evaluation_id = e.id "
                    "WHERE e.member_id = CAST(:m AS uuid)"
                ),
                {"m": member_id},
            ).one()
        return row[0], row[1]

    return count


def _top_id(demo: Demo, code: str) -> str:
    top = next(
        o for o in demo.organizations if o.community_code == code and o.kind in COMMUNITY_KINDS
    )
    return str(top.id)


def _nominate(running: Running, member: str, **fields: Any) -> dict[str, Any]:
    variables = {"m": member, "year": 2024, "title": "SERVICE_MODEL", "on": "2024-05-01"}
    return mutate(running, NOMINATE, variables | fields)


def _through(running: Running, member: str, stage: str) -> str:
    """An evaluation of `member` taken up to `stage` (nominated, publicized, chosen)."""
    evaluation = _nominate(running, member)["evaluation"]["id"]
    if stage in ("publicized", "chosen"):
        step = {"id": evaluation, "from": "2024-05-06", "until": "2024-05-12"}
        assert mutate(running, PUBLICIZE, step)["errors"] == []
    if stage == "chosen":
        step = {"id": evaluation, "chosen": True, "on": "2024-05-20"}
        assert mutate(running, DECIDE, step)["errors"] == []
    return evaluation


def test_a_non_self_managed_member_chosen_and_fed_back_to_their_unit(
    running: Running, demo: Demo
) -> None:
    """plan (三): 统一组织评选优秀社区党员，评选结果在社区公示并向党员所在单位党组织反馈."""
    community = demo.communities[11].code
    employer = unique("区人民医院")
    unit = mutate(
        running,
        """mutation ($c: String!, $n: String!) { registerResidentUnit(input: {communityCode: $c,
           name: $n, partyOrganizationName: "区人民医院党委"}) { errors { code } } }""",
        {"c": community, "n": employer},
    )
    assert unit["errors"] == []
    person = register(
        running, communityCode=community, management="NON_SELF", employerUnit=employer
    )
    member = person["member"]["id"]
    nominated = _nominate(running, member)
    assert nominated["errors"] == []
    evaluation = nominated["evaluation"]
    assert evaluation["stage"] == "NOMINATED"
    assert evaluation["title"] == "SERVICE_MODEL"
    assert evaluation["member"] == {"id": member}
    assert evaluation["nominatedBy"] == "社区党委"
    publicized = mutate(
        running, PUBLICIZE, {"id": evaluation["id"], "from": "2024-05-06", "until": "2024-05-12"}
    )
    assert publicized["errors"] == []
    assert publicized["evaluation"]["stage"] == "PUBLICIZED"
    assert publicized["evaluation"]["publicizedUntil"] == "2024-05-12"
    chosen = mutate(running, DECIDE, {"id": evaluation["id"], "chosen": True, "on": "2024-05-20"})
    assert chosen["errors"] == []
    assert chosen["evaluation"]["stage"] == "CHOSEN"
    assert chosen["evaluation"]["decidedOn"] == "2024-05-20"
    sent = mutate(
        running,
        FEEDBACK,
        {"id": evaluation["id"], "on": "2024-05-25", "content": "评为服务群众模范"},
    )
    assert sent["errors"] == []
    # The unit defaults from the member's employer; its Party organization from the resident unit.
    assert sent["feedback"]["unitName"] == employer
    assert sent["feedback"]["unitPartyOrganization"] == "区人民医院党委"
    read = query(running, READ, {"id": evaluation["id"]})["evaluation"]
    assert read["feedback"] == [sent["feedback"]]
    # Listed under the community, its street and the district.
    for region in (community, community[:9], community[:6]):
        found = query(running, LIST, {"r": region, "year": 2024, "stage": "CHOSEN", "first": 200})
        page = found["evaluations"]
        ids = {n["id"] for n in page["nodes"]}
        after = page["pageInfo"]["endCursor"]
        while page["pageInfo"]["hasNextPage"]:
            variables = {"r": region, "year": 2024, "stage": "CHOSEN", "after": after}
            page = query(running, LIST, variables)["evaluations"]
            ids |= {n["id"] for n in page["nodes"]}
            after = page["pageInfo"]["endCursor"]
        assert evaluation["id"] in ids
    other_title = query(
        running, LIST, {"r": community, "title": "MANAGEMENT_VANGUARD", "first": 200}
    )
    assert evaluation["id"] not in {n["id"] for n in other_title["evaluations"]["nodes"]}


def test_feedback_for_a_self_managed_member_goes_to_the_community_organization(
    running: Running, demo: Demo
) -> None:
    community = demo.communities[12].code
    person = register(running, communityCode=community, organizationId=_top_id(demo, community))
    evaluation = _through(running, person["member"]["id"], "chosen")
    sent = mutate(running, FEEDBACK, {"id": evaluation, "on": "2024-05-21", "content": "评为优秀"})
    assert sent["errors"] == []
    expected = query(
        running,
        "query ($c: String!) { community(code: $c) { name organization { name } } }",
        {"c": community},
    )["community"]
    assert sent["feedback"]["unitName"] == expected["name"]
    assert sent["feedback"]["unitPartyOrganization"] == expected["organization"]["name"]


def test_feedback_to_an_unknown_unit_needs_its_party_organization(
    running: Running, demo: Demo, count_rows: Any
) -> None:
    community = demo.communities[12].code
    employer = unique("外区建筑公司")  # not a resident unit of the community
    person = register(running, communityCode=community, management="JOINT", employerUnit=employer)
    member = person["member"]["id"]
    evaluation = _through(running, member, "chosen")
    refused = mutate(running, FEEDBACK, {"id": evaluation, "on": "2024-05-21", "content": "好"})
    assert error_codes(refused) == ["INVALID"]
    assert refused["errors"][0]["field"] == ["unitPartyOrganization"]
    assert count_rows(member) == (1, 0)
    given = {"id": evaluation, "on": "2024-05-21", "content": "好", "org": "外区建筑公司党支部"}
    sent = mutate(running, FEEDBACK, given)
    assert sent["errors"] == []
    assert sent["feedback"]["unitName"] == employer
    assert sent["feedback"]["unitPartyOrganization"] == "外区建筑公司党支部"
    assert count_rows(member) == (1, 1)


def test_a_member_not_chosen_gets_no_feedback(running: Running, demo: Demo) -> None:
    community = demo.communities[13].code
    person = register(running, communityCode=community, organizationId=_top_id(demo, community))
    evaluation = _through(running, person["member"]["id"], "publicized")
    decided = mutate(running, DECIDE, {"id": evaluation, "chosen": False, "on": "2024-05-13"})
    assert decided["errors"] == []
    assert decided["evaluation"]["stage"] == "NOT_CHOSEN"
    refused = mutate(running, FEEDBACK, {"id": evaluation, "on": "2024-05-20", "content": "x"})
    assert error_codes(refused) == ["RULE_VIOLATION"]
    assert refused["errors"][0]["rule"] == "evaluation.stage_order"
    assert query(running, READ, {"id": evaluation})["evaluation"]["feedback"] == []


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"on": FUTURE}, "INVALID", "nominatedOn"),
        ({"year": dt.date.today().year + 1, "on": str(dt.date.today())}, "INVALID", "year"),
        ({"year": 2020}, "INVALID", "year"),  # nominated on 2024-05-01
        ({"m": NOWHERE}, "NOT_FOUND", "memberId"),
        ({"m": "not-an-id"}, "NOT_FOUND", "memberId"),
    ],
)
def test_bad_nominations_are_refused(
    running: Running, demo: Demo, count_rows: Any, fields: dict, code: str, field: str
) -> None:
    community = demo.communities[11].code
    member = register(running, communityCode=community, organizationId=_top_id(demo, community))
    refused = _nominate(running, member["member"]["id"], **fields)
    assert error_codes(refused) == [code], refused
    assert refused["errors"][0]["field"] == [field]
    assert refused["evaluation"] is None
    assert count_rows(member["member"]["id"]) == (0, 0)


def test_a_second_evaluation_of_a_member_title_and_year_is_a_conflict(
    running: Running, demo: Demo, count_rows: Any
) -> None:
    community = demo.communities[11].code
    member = register(running, communityCode=community, organizationId=_top_id(demo, community))
    member_id = member["member"]["id"]
    assert _nominate(running, member_id)["errors"] == []
    again = _nominate(running, member_id, on="2024-06-01")
    assert error_codes(again) == ["CONFLICT"]
    assert again["errors"][0]["rule"] == "evaluation.once_per_year"
    assert count_rows(member_id) == (1, 0)
    # The other 争 of the same year, and the same title another year, are separate evaluations.
    assert _nominate(running, member_id, title="MANAGEMENT_VANGUARD")["errors"] == []
    assert _nominate(running, member_id, year=2023, on="2024-01-10")["errors"] == []
    assert count_rows(member_id) == (3, 0)


@pytest.mark.parametrize(
    ("stage", "mutation", "variables", "code", "field", "rule"),
    [
        # publicity: after nomination, once, starting on or after it, not in the future
        ("none", PUBLICIZE, {"from": "2024-05-06", "until": "2024-05-12"}, "NOT_FOUND", "id", None),
        ("publicized", PUBLICIZE, {"from": "2024-05-06", "until": "2024-05-12"}, "RULE_VIOLATION", "id", "evaluation.stage_order"),
        ("chosen", PUBLICIZE, {"from": "2024-05-06", "until": "2024-05-12"}, "RULE_VIOLATION", "id", "evaluation.stage_order"),
        ("nominated", PUBLICIZE, {"from": "2024-04-01", "until": "2024-05-12"}, "INVALID", "from", None),
        ("nominated", PUBLICIZE, {"from": "2024-05-06", "until": "2024-05-01"}, "INVALID", "until", None),
        ("nominated", PUBLICIZE, {"from": FUTURE, "until": FUTURE}, "INVALID", "from", None),
        # decision: after publicity, and only once it is over
        ("nominated", DECIDE, {"chosen": True, "on": "2024-05-20"}, "RULE_VIOLATION", "id", "evaluation.stage_order"),
        ("publicized", DECIDE, {"chosen": True, "on": "2024-05-12"}, "RULE_VIOLATION", "decidedOn", "evaluation.publicity_period"),
        ("publicized", DECIDE, {"chosen": True, "on": FUTURE}, "INVALID", "decidedOn", None),
        ("chosen", DECIDE, {"chosen": False, "on": "2024-05-21"}, "RULE_VIOLATION", "id", "evaluation.stage_order"),
        # feedback: only for a chosen member, not before the decision, not in the future
        ("nominated", FEEDBACK, {"on": "2024-05-25", "content": "x"}, "RULE_VIOLATION", "id", "evaluation.stage_order"),
        ("publicized", FEEDBACK, {"on": "2024-05-25", "content": "x"}, "RULE_VIOLATION", "id", "evaluation.stage_order"),
        ("chosen", FEEDBACK, {"on": "2024-05-19", "content": "x"}, "INVALID", "sentOn", None),
        ("chosen", FEEDBACK, {"on": FUTURE, "content": "x"}, "INVALID", "sentOn", None),
        ("chosen", FEEDBACK, {"on": "2024-05-25", "content": "  "}, "INVALID", "content", None),
    ],
)  # fmt: skip
def test_steps_out_of_order_or_with_bad_dates_are_refused(
    running: Running,
    demo: Demo,
    count_rows: Any,
    stage: str,
    mutation: str,
    variables: dict,
    code: str,
    field: str,
    rule: str | None,
) -> None:
    community = demo.communities[13].code
    member = register(running, communityCode=community, organizationId=_top_id(demo, community))
    member_id = member["member"]["id"]
    evaluation = NOWHERE if stage == "none" else _through(running, member_id, stage)
    before = None if stage == "none" else query(running, READ, {"id": evaluation})
    refused = mutate(running, mutation, {"id": evaluation, **variables})
    assert error_codes(refused) == [code], refused
    assert refused["errors"][0]["field"] == [field]
    assert refused["errors"][0]["rule"] == rule
    assert refused["errors"][0]["message"] and refused["errors"][0]["messageEn"]
    if before is not None:
        assert query(running, READ, {"id": evaluation}) == before  # nothing written
        assert count_rows(member_id) == (1, 0)


def test_a_publicity_period_may_still_be_running(running: Running, demo: Demo) -> None:
    """plan (三): 评选结果在社区公示 — a period announced today ends after today; the decision
    waits until it is over."""
    community = demo.communities[13].code
    member = register(running, communityCode=community, organizationId=_top_id(demo, community))
    today = dt.date.today()
    evaluation = _nominate(running, member["member"]["id"], year=today.year, on=str(today))
    evaluation_id = evaluation["evaluation"]["id"]
    period = {"id": evaluation_id, "from": str(today), "until": str(today + dt.timedelta(days=7))}
    publicized = mutate(running, PUBLICIZE, period)
    assert publicized["errors"] == []
    early = mutate(running, DECIDE, {"id": evaluation_id, "chosen": True, "on": str(today)})
    assert error_codes(early) == ["RULE_VIOLATION"]
    assert early["errors"][0]["rule"] == "evaluation.publicity_period"
    assert query(running, READ, {"id": evaluation_id})["evaluation"]["stage"] == "PUBLICIZED"
