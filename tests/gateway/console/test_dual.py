"""双争 in the console (issue 16): a community's evaluations of a year with their stage by
label, and the steps nominate → publicize → decide → feed back through the forms (the same
mutations, their typed errors beside the field they name), shown only to the roles org
accepts."""

from __future__ import annotations

import html
import re

import httpx
import pytest
from console_client import SignIn, csrf_of
from markupsafe import escape

from gateway.console.labels import LABELS
from gateway.console.labels.enums import enum_label
from services.common.auth import Identity, Role
from stack import Running

CODE = "410104001001"  # demo-secretary's community
DUAL = f"/console/community/{CODE}/dual"
SECRETARY = Identity("test-secretary", Role.SECRETARY, CODE)  # as demo-secretary
# The walk writes evaluations of this year, which nothing else reads (the demo's and the
# other tests' are recent years); evaluations are never deleted, so it cannot undo them.
WALK_YEAR = 2011

EVALUATIONS = """query ($r: String!, $year: Int) {
  evaluations(regionCode: $r, year: $year, first: 200) { totalCount nodes { id year stage
    title reason member { id name } feedback { content unitName } } } }"""
EVALUATION = """query ($id: ID!) { evaluation(id: $id) { id stage reason decidedOn
  feedback { content unitName unitPartyOrganization } } }"""
MEMBERS = """query ($r: String!) { members(filter: {regionCode: $r}, first: 200) {
  nodes { id name } } }"""
NOMINATE = """mutation ($m: ID!, $year: Int!, $by: String!, $on: Date!) {
  nominateExcellentMember(memberId: $m, year: $year, title: SERVICE_MODEL, nominatedBy: $by,
    nominatedOn: $on) { evaluation { id } errors { code message messageEn field } } }"""
DECIDE = """mutation ($id: ID!, $on: Date!) { decideEvaluation(id: $id, chosen: true,
  decidedOn: $on) { evaluation { id } errors { code message messageEn field } } }"""


def _graph(running: Running, query: str, variables: dict, identity: Identity = SECRETARY) -> dict:
    body = running.post(running.gateway, query, variables, identity=identity)
    assert "errors" not in body, body
    return body["data"]


def _rows(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr data-evaluation="([^"]+)" data-stage="([A-Z_]+)">', page)


def _field_error(page: str, field: str) -> str:
    found = re.search(
        rf'<span class="field-error" id="err-{field}" data-field="{field}">([^<]*)</span>', page
    )
    assert found, f"no error beside {field}"
    return html.unescape(found.group(1))


@pytest.fixture(scope="module")
def secretary(signed_in: SignIn) -> httpx.Client:
    return signed_in("demo-secretary")


def test_the_years_evaluations_with_their_stage_by_label(
    running: Running, secretary: httpx.Client
) -> None:
    every = _graph(running, EVALUATIONS, {"r": CODE, "year": None})["evaluations"]["nodes"]
    assert every, "the demo community has 双争 evaluations"
    year = max(e["year"] for e in every)  # the demo's latest (the walk writes an old one)
    expected = _graph(running, EVALUATIONS, {"r": CODE, "year": year})["evaluations"]["nodes"]
    page = secretary.get(DUAL, params={"year": year})
    assert page.status_code == 200
    assert _rows(page.text) == [(e["id"], e["stage"]) for e in expected]
    for evaluation in expected:
        assert enum_label("EvaluationStage", evaluation["stage"], "zh") in page.text
        assert enum_label("EvaluationTitle", evaluation["title"], "zh") in page.text
        assert evaluation["member"]["name"] in page.text
    assert 'class="nominate"' in page.text
    # Each member's page lists its 双争, linked to the evaluation's page.
    first = expected[0]
    member_page = secretary.get(f"/console/community/{CODE}/members/{first['member']['id']}")
    theirs = [e["id"] for e in every if e["member"]["id"] == first["member"]["id"]]
    assert re.findall(r'<tr data-evaluation="([^"]+)">', member_page.text) == theirs
    assert f'href="{DUAL}/{first["id"]}"' in member_page.text
    assert '<form method="post" action="/console' in page.text  # what a viewer never gets
    assert secretary.get(DUAL, params={"year": "20x1"}).status_code == 404
    assert secretary.get(DUAL.replace(CODE, "410104001002")).status_code == 403


def _post(client: httpx.Client, path: str, site: str, **fields: str) -> httpx.Response:
    token = csrf_of(client.get(DUAL).text)
    return client.post(
        path, data={"csrf": token, **fields}, headers={"origin": site}, follow_redirects=False
    )


def test_nominate_publicize_decide_and_feed_back_through_the_forms(
    running: Running, secretary: httpx.Client, site: str
) -> None:
    nominated = {
        e["member"]["id"]
        for e in _graph(running, EVALUATIONS, {"r": CODE, "year": WALK_YEAR})["evaluations"][
            "nodes"
        ]
    }
    member = next(
        m
        for m in _graph(running, MEMBERS, {"r": CODE})["members"]["nodes"]
        if m["id"] not in nominated
    )
    reason = '</td><script>alert(1)</script>"><img src=x>'
    # Nobody named as nominator: the graph's error beside the field, nothing written.
    refused = _graph(
        running,
        NOMINATE,
        {"m": member["id"], "year": WALK_YEAR, "by": " ", "on": f"{WALK_YEAR}-03-01"},
    )["nominateExcellentMember"]["errors"]
    assert [e["field"] for e in refused] == [["nominatedBy"]]
    empty = _post(
        secretary,
        f"{DUAL}/nominate",
        site,
        year=str(WALK_YEAR),
        memberId=member["id"],
        title="SERVICE_MODEL",
        nominatedBy=" ",
        nominatedOn=f"{WALK_YEAR}-03-01",
        reason=reason,
    )
    assert empty.status_code == 422
    assert _field_error(empty.text, "nominatedBy") == refused[0]["message"]
    before = _graph(running, EVALUATIONS, {"r": CODE, "year": WALK_YEAR})
    assert {e["member"]["id"] for e in before["evaluations"]["nodes"]} == nominated

    done = _post(
        secretary,
        f"{DUAL}/nominate",
        site,
        year=str(WALK_YEAR),
        memberId=member["id"],
        title="SERVICE_MODEL",
        nominatedBy="社区党委",
        nominatedOn=f"{WALK_YEAR}-03-01",
        reason=reason,
    )
    assert done.status_code == 303, done.text
    listed = secretary.get(done.headers["location"]).text
    assert LABELS["zh"]["dual_done_nominated"] in listed
    evaluation = next(
        e
        for e in _graph(running, EVALUATIONS, {"r": CODE, "year": WALK_YEAR})["evaluations"][
            "nodes"
        ]
        if e["member"]["id"] == member["id"]
    )
    assert (evaluation["stage"], evaluation["reason"]) == ("NOMINATED", reason)
    path = f"{DUAL}/{evaluation['id']}"
    shown = secretary.get(path).text
    assert str(escape(reason)) in shown and "<script>alert(1)" not in shown
    assert 'class="step-publicize"' in shown

    until = f"{WALK_YEAR}-03-12"
    step = _post(
        secretary, f"{path}/publicize", site, **{"from": f"{WALK_YEAR}-03-05", "until": until}
    )
    assert step.status_code == 303, step.text
    assert 'class="step-decide"' in secretary.get(step.headers["location"]).text

    # Deciding before the publicity ends: what the graph says, beside decidedOn.
    refused = _graph(running, DECIDE, {"id": evaluation["id"], "on": until})
    message = refused["decideEvaluation"]["errors"][0]
    early = _post(secretary, f"{path}/decide", site, chosen="yes", decidedOn=until)
    assert early.status_code == 422
    assert _field_error(early.text, "decidedOn") == message["message"]
    assert _graph(running, EVALUATION, {"id": evaluation["id"]})["evaluation"]["stage"] == (
        "PUBLICIZED"
    )
    unknown = _post(
        secretary, f"{path}/decide", site, chosen="maybe", decidedOn=f"{WALK_YEAR}-03-20"
    )
    assert unknown.status_code == 422
    assert _field_error(unknown.text, "chosen") == LABELS["zh"]["mem_missing"]
    assert _graph(running, EVALUATION, {"id": evaluation["id"]})["evaluation"]["stage"] == (
        "PUBLICIZED"
    )
    step = _post(secretary, f"{path}/decide", site, chosen="yes", decidedOn=f"{WALK_YEAR}-03-20")
    assert step.status_code == 303, step.text

    content = "<b>表现突出</b>"
    step = _post(
        secretary,
        f"{path}/feedback",
        site,
        sentOn=f"{WALK_YEAR}-03-25",
        content=content,
        unitName="测试单位",
        unitPartyOrganization="测试单位党支部",
    )
    assert step.status_code == 303, step.text
    after = _graph(running, EVALUATION, {"id": evaluation["id"]})["evaluation"]
    assert after["stage"] == "CHOSEN" and after["decidedOn"] == f"{WALK_YEAR}-03-20"
    assert after["feedback"] == [
        {"content": content, "unitName": "测试单位", "unitPartyOrganization": "测试单位党支部"}
    ]
    final = secretary.get(step.headers["location"]).text
    assert str(escape(content)) in final and "<b>表现突出" not in final
    assert enum_label("EvaluationStage", "CHOSEN", "zh") in final


def test_a_bad_year_or_date_is_refused_beside_its_field(
    running: Running, secretary: httpx.Client, site: str
) -> None:
    member = _graph(running, MEMBERS, {"r": CODE})["members"]["nodes"][0]["id"]
    before = _graph(running, EVALUATIONS, {"r": CODE, "year": WALK_YEAR})["evaluations"]
    fields = {
        "memberId": member,
        "title": "SERVICE_MODEL",
        "nominatedBy": "社区党委",
        "nominatedOn": f"{WALK_YEAR}-02-01",
    }
    answer = _post(secretary, f"{DUAL}/nominate", site, **fields, year=str(WALK_YEAR)[:3] + "x")
    assert answer.status_code == 422
    assert _field_error(answer.text, "year") == LABELS["zh"]["dual_bad_year"]
    answer = _post(secretary, f"{DUAL}/nominate", site, **{**fields, "nominatedOn": "2011-02-30"})
    assert answer.status_code == 422
    assert _field_error(answer.text, "nominatedOn") == LABELS["zh"]["mem_bad_date"]
    # A year the nomination date does not allow: the graph's error, beside the year.
    late = f"{WALK_YEAR + 2}-02-01"
    refused = _graph(
        running, NOMINATE, {"m": member, "year": WALK_YEAR, "by": "社区党委", "on": late}
    )["nominateExcellentMember"]["errors"]
    assert [e["field"] for e in refused] == [["year"]]
    answer = _post(
        secretary, f"{DUAL}/nominate", site, **{**fields, "nominatedOn": late}, year=str(WALK_YEAR)
    )
    assert answer.status_code == 422
    assert _field_error(answer.text, "year") == refused[0]["message"]
    assert 'id="f-year" name="year" type="number" value="2011"' in answer.text
    assert _graph(running, EVALUATIONS, {"r": CODE, "year": WALK_YEAR})["evaluations"] == before


@pytest.mark.parametrize("username", ["demo-viewer", "demo-planner"])
def test_roles_org_refuses_see_no_form(running: Running, signed_in: SignIn, username: str) -> None:
    client = signed_in(username)
    every = _graph(running, EVALUATIONS, {"r": CODE, "year": None})["evaluations"]["nodes"]
    year = max(e["year"] for e in every)
    page = client.get(DUAL, params={"year": year})
    assert page.status_code == 200
    assert _rows(page.text)
    assert '<form method="post" action="/console' not in page.text
    one = next(e for e in every if e["year"] == year and e["stage"] != "NOT_CHOSEN")
    detail = client.get(f"{DUAL}/{one['id']}")
    assert detail.status_code == 200
    assert one["member"]["name"] in detail.text
    assert '<form method="post" action="/console' not in detail.text


PUBLICIZE = """mutation ($id: ID!, $from: Date!, $until: Date!) {
  publicizeEvaluation(id: $id, from: $from, until: $until) {
    evaluation { id } errors { code message messageEn field } } }"""
VIEWER = Identity("test-viewer", Role.VIEWER, "410104")  # as demo-viewer


def _form_errors(page: str) -> list[str]:
    """The messages of the page's whole-form error lists."""
    lists = re.findall(r'<div class="form-errors" role="alert">.*?<ul>(.*?)</ul>', page, re.S)
    return [html.unescape(m) for block in lists for m in re.findall(r"<li>(.*?)</li>", block)]


def test_a_refusal_naming_no_field_of_the_form_shows_its_message(
    running: Running, secretary: httpx.Client, site: str
) -> None:
    # A step another user took meanwhile: publicizing an evaluation already past it. org
    # names the evaluation ("id"), no field of any form: its message must still be shown.
    every = _graph(running, EVALUATIONS, {"r": CODE, "year": None})["evaluations"]["nodes"]
    done = next(e for e in every if e["stage"] in ("PUBLICIZED", "CHOSEN", "NOT_CHOSEN"))
    dates = {"from": "2011-03-05", "until": "2011-03-12"}
    refused = _graph(running, PUBLICIZE, {"id": done["id"], **dates})["publicizeEvaluation"]
    assert refused["errors"] and refused["errors"][0]["field"] not in (["from"], ["until"])
    before = _graph(running, EVALUATION, {"id": done["id"]})
    answer = _post(secretary, f"{DUAL}/{done['id']}/publicize", site, **dates)
    assert answer.status_code == 422
    assert refused["errors"][0]["message"] in _form_errors(answer.text)
    assert _graph(running, EVALUATION, {"id": done["id"]}) == before


def test_a_viewers_post_shows_the_services_refusal(
    running: Running, signed_in: SignIn, site: str
) -> None:
    member = _graph(running, MEMBERS, {"r": CODE})["members"]["nodes"][0]["id"]
    variables = {"m": member, "year": WALK_YEAR, "by": "社区党委", "on": f"{WALK_YEAR}-02-01"}
    body = running.post(running.gateway, NOMINATE, variables, identity=VIEWER)
    expected = body["errors"][0]["message"]
    before = _graph(running, EVALUATIONS, {"r": CODE, "year": WALK_YEAR})["evaluations"]
    answer = _post(
        signed_in("demo-viewer"),
        f"{DUAL}/nominate",
        site,
        year=str(WALK_YEAR),
        memberId=member,
        title="SERVICE_MODEL",
        nominatedBy="社区党委",
        nominatedOn=f"{WALK_YEAR}-02-01",
        reason="",
    )
    assert answer.status_code == 422
    assert expected in _form_errors(answer.text)
    assert '<form method="post" action="/console' not in answer.text
    assert _graph(running, EVALUATIONS, {"r": CODE, "year": WALK_YEAR})["evaluations"] == before
