"""A street office's monthly report in the console (issue 16): generate, edit the three-part
commentary, submit behind a confirmation step, download; the district returns it with a
reason and the street sees why. Every expectation is read back from the graph.

Months: the report tests of the assess service use 2018 and 2019, the end-to-end cycle the
current month; these tests own 2015-08 (the whole round, left a returned draft), 2015-09
(refused writes, left a draft) and 2015-10 (markup, left a draft), which nothing else reads.
"""

from __future__ import annotations

import html
import re
import uuid

import httpx
import markupsafe
import pytest
from console_client import SignIn, csrf_of

from gateway.console.labels import LABELS
from services.common.auth import Identity, Role
from stack import DISTRICT, Running

STREET = "410104001"  # demo-street's street office
ROUND, REFUSED, MARKUP = "2015-08", "2015-09", "2015-10"
PAGE = f"/console/reports/{STREET}"
STREET_USER = Identity("test-street-console", Role.STREET, STREET)
ZH = LABELS["zh"]

READ = """query ($s: String!, $m: String!) { monthlyReport(streetCode: $s, month: $m) {
  id status revision returnReason returnedBy submittedBy downloadPath
  commentary { progress problems nextPlan } communities { code name remark } } }"""
GENERATE = """mutation ($s: String!, $m: String!) { generateMonthlyReport(streetCode: $s,
  month: $m) { report { id } errors { code message field } } }"""
COMMENT = """mutation ($id: ID!, $i: ReportCommentaryInput!) {
  updateMonthlyReportCommentary(id: $id, input: $i) { report { id } errors { message field } } }"""
RETURN = """mutation ($id: ID!, $r: String!) { returnMonthlyReport(id: $id, reason: $r) {
  report { id } errors { message field } } }"""


def read(running: Running, month: str) -> dict:
    body = running.post(running.gateway, READ, {"s": STREET, "m": month}, identity=DISTRICT)
    assert "errors" not in body, body
    return body["data"]["monthlyReport"]


def generated(running: Running, month: str) -> dict:
    """The month's report, generated (again, while a draft) through the graph."""
    body = running.post(running.gateway, GENERATE, {"s": STREET, "m": month}, identity=STREET_USER)
    payload = body["data"]["generateMonthlyReport"]
    if payload["errors"]:  # submitted by an interrupted run: the district returns it
        assert payload["errors"][0]["code"] == "CONFLICT", payload
        report = read(running, month)
        running.post(running.gateway, RETURN, {"id": report["id"], "r": "重置"}, identity=DISTRICT)
        return generated(running, month)
    return read(running, month)


def refusal_of(running: Running, mutation: str, variables: dict, who: Identity) -> dict:
    """What the graph itself says of a refused write (which changes nothing)."""
    (payload,) = running.post(running.gateway, mutation, variables, identity=who)["data"].values()
    (error,) = payload["errors"]
    return error


def error_beside(page: str, name: str) -> str:
    """The typed error shown beside form field `name` (the field points at it)."""
    ident = name.replace(".", "-")
    field = re.search(rf'<(?:input|textarea)[^>]*name="{re.escape(name)}"[^>]*>', page)
    assert field, f"no field {name}"
    assert f'aria-describedby="err-{ident}"' in field.group(0)
    found = re.search(rf'<span class="field-error" id="err-{ident}"[^>]*>([^<]*)</span>', page)
    assert found, f"no error beside {name}"
    return html.unescape(found.group(1))


def writing_forms(page: str) -> list[str]:
    """The page's POST forms other than the header's sign-out."""
    actions = re.findall(r'<form method="post" action="([^"]*)"', page)
    return [a for a in actions if a != "/session/logout"]


_TOKENS: dict[int, str] = {}


def send(client: httpx.Client, site: str, path: str, fields: dict) -> httpx.Response:
    """A console form's POST as a browser sends it: the user's token, from this site."""
    if id(client) not in _TOKENS:
        _TOKENS[id(client)] = csrf_of(client.get("/console").text)
    data = {**fields, "csrf": _TOKENS[id(client)]}
    return client.post(path, data=data, headers={"origin": site}, follow_redirects=False)


def test_generate_edit_submit_return_and_the_street_reads_the_reason(
    running: Running, signed_in: SignIn, site: str
) -> None:
    street, district = signed_in("demo-street"), signed_in("demo-district")
    if (read(running, ROUND) or {}).get("status") == "SUBMITTED":  # an interrupted run
        generated(running, ROUND)
    answer = send(street, site, PAGE, {"month": ROUND})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"{PAGE}/{ROUND}?done=generated"
    report = read(running, ROUND)
    assert report["status"] == "DRAFT"

    # The report's tables: every community of the report, by name.
    view = street.get(f"{PAGE}/{ROUND}")
    assert view.status_code == 200
    for community in report["communities"]:
        assert html.escape(community["name"]) in view.text
    assert f'action="{PAGE}/{ROUND}/commentary"' in view.text

    # The three parts and a community's remark, saved and read back.
    mark = uuid.uuid4().hex[:8]
    first = report["communities"][0]["code"]
    commentary = {
        "progress": f"完成网格党支部调整 {mark}",
        "problems": f"部分楼栋未建党小组 {mark}",
        "nextPlan": f"补齐楼栋党小组 {mark}",
    }
    fields = {**commentary, f"remarks.{first}": f"备注 {mark}"}
    answer = send(street, site, f"{PAGE}/{ROUND}/commentary", fields)
    assert answer.status_code == 303, answer.text
    saved = read(running, ROUND)
    assert saved["commentary"] == commentary
    assert saved["communities"][0]["remark"] == f"备注 {mark}"
    assert saved["revision"] > report["revision"]

    # Submission asks first (a page of its own), then locks the report.
    confirm = street.get(f"{PAGE}/{ROUND}/submit")
    assert confirm.status_code == 200
    assert writing_forms(confirm.text) == [f"{PAGE}/{ROUND}/submit"]
    assert read(running, ROUND)["status"] == "DRAFT"  # asking changed nothing
    assert send(street, site, f"{PAGE}/{ROUND}/submit", {}).status_code == 303
    submitted = read(running, ROUND)
    assert submitted["status"] == "SUBMITTED" and submitted["submittedBy"] == "demo-street"
    locked = street.get(f"{PAGE}/{ROUND}").text
    assert writing_forms(locked) == []  # no edit, no submit, and the street returns nothing
    assert 'data-status="SUBMITTED"' in locked and commentary["nextPlan"] in locked

    reason = district_returns(running, district, site, submitted)

    # The street sees why, on the report, in its history and in the months' list.
    again = street.get(f"{PAGE}/{ROUND}").text
    shown = re.search(r'<p class="form-errors" id="returned-reason">([^<]*)</p>', again)
    assert shown and reason in html.unescape(shown.group(1))
    assert 'data-event="rep_returned"' in again
    assert f'action="{PAGE}/{ROUND}/commentary"' in again  # a draft again: editable
    months = street.get(PAGE, params={"year": "2015"}).text
    row = re.search(rf'<tr data-month="{ROUND}" data-status="(\w+)">(.*?)</tr>', months, re.S)
    assert row and row.group(1) == "DRAFT" and reason in html.unescape(row.group(2))


def district_returns(running: Running, district: httpx.Client, site: str, report: dict) -> str:
    """The district returns the submitted report: an empty reason is refused beside the
    reason and changes nothing; a reason returns it to draft. The reason given."""
    page = district.get(f"{PAGE}/{ROUND}").text
    assert writing_forms(page) == [f"{PAGE}/{ROUND}/return"]
    expected = refusal_of(running, RETURN, {"id": report["id"], "r": " "}, DISTRICT)
    assert expected["field"] == ["reason"]
    answer = send(district, site, f"{PAGE}/{ROUND}/return", {"reason": " "})
    assert answer.status_code == 422
    assert error_beside(answer.text, "reason") == expected["message"]
    assert read(running, ROUND)["status"] == "SUBMITTED"

    reason = f"请补充第三季度整改情况 {uuid.uuid4().hex[:8]}"
    answer = send(district, site, f"{PAGE}/{ROUND}/return", {"reason": reason})
    assert answer.status_code == 303, answer.text
    returned = read(running, ROUND)
    assert returned["status"] == "DRAFT" and returned["returnReason"] == reason
    assert returned["returnedBy"] == "demo-district"
    return reason


def test_a_bad_commentary_shows_the_services_error_beside_that_part(
    running: Running, signed_in: SignIn, site: str
) -> None:
    report = generated(running, REFUSED)
    street = signed_in("demo-street")
    before = read(running, REFUSED)
    too_long = "长" * 4001
    bad = {"progress": "本月进展", "problems": "问题", "nextPlan": too_long}
    expected = refusal_of(running, COMMENT, {"id": report["id"], "i": bad}, STREET_USER)
    page = street.get(f"{PAGE}/{REFUSED}").text
    answer = street.post(
        f"{PAGE}/{REFUSED}/commentary",
        data={**bad, "csrf": csrf_of(page)},
        headers={"origin": site},
        follow_redirects=False,
    )
    assert answer.status_code == 422
    assert error_beside(answer.text, "nextPlan") == expected["message"]
    assert 'id="err-progress"' not in answer.text  # the other parts are not blamed
    assert "本月进展" in answer.text  # what was typed stays in the form
    assert read(running, REFUSED) == before  # nothing written


def test_the_district_returning_a_draft_sees_why_beside_the_reason(
    running: Running, signed_in: SignIn, site: str
) -> None:
    report = generated(running, REFUSED)
    district = signed_in("demo-district")
    expected = refusal_of(running, RETURN, {"id": report["id"], "r": "理由"}, DISTRICT)
    page = district.get(f"{PAGE}/{REFUSED}").text
    assert f"{PAGE}/{REFUSED}/return" not in writing_forms(page)  # only a submitted one
    answer = district.post(
        f"{PAGE}/{REFUSED}/return",
        data={"reason": "理由", "csrf": csrf_of(page)},
        headers={"origin": site},
        follow_redirects=False,
    )
    assert answer.status_code == 422
    assert error_beside(answer.text, "reason") == expected["message"]
    assert read(running, REFUSED)["status"] == "DRAFT"


def test_generating_a_future_month_is_refused_beside_the_month(
    running: Running, signed_in: SignIn, site: str
) -> None:
    street = signed_in("demo-street")
    future = "2999-01"
    body = running.post(running.gateway, GENERATE, {"s": STREET, "m": future}, identity=STREET_USER)
    (expected,) = body["data"]["generateMonthlyReport"]["errors"]
    page = street.get(PAGE).text
    answer = street.post(
        PAGE,
        data={"month": future, "csrf": csrf_of(page)},
        headers={"origin": site},
        follow_redirects=False,
    )
    assert answer.status_code == 422
    assert error_beside(answer.text, "month") == expected["message"]


def test_markup_in_the_commentary_comes_back_as_text(
    running: Running, signed_in: SignIn, site: str
) -> None:
    report = generated(running, MARKUP)
    street, viewer = signed_in("demo-street"), signed_in("demo-viewer")
    markup = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    first = report["communities"][0]["code"]
    page = street.get(f"{PAGE}/{MARKUP}").text
    answer = street.post(
        f"{PAGE}/{MARKUP}/commentary",
        data={
            "progress": markup,
            "problems": markup,
            "nextPlan": markup,
            f"remarks.{first}": markup,
            "csrf": csrf_of(page),
        },
        headers={"origin": site},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert read(running, MARKUP)["commentary"]["progress"] == markup
    for client in (street, viewer):  # in the edit form, and as text to a reader
        shown = client.get(f"{PAGE}/{MARKUP}").text
        assert "<script>alert" not in shown and '"><img' not in shown
        assert str(markupsafe.escape(markup)) in shown


def test_a_viewer_reads_without_a_form_and_a_secretary_is_refused_the_street(
    running: Running, signed_in: SignIn, site: str
) -> None:
    report = generated(running, MARKUP)
    viewer, secretary = signed_in("demo-viewer"), signed_in("demo-secretary")
    months = viewer.get(PAGE, params={"year": "2015"})
    assert months.status_code == 200 and writing_forms(months.text) == []
    one = viewer.get(f"{PAGE}/{MARKUP}")
    assert one.status_code == 200 and writing_forms(one.text) == []
    assert 'data-status="DRAFT"' in one.text
    # No confirmation step either; and the service refuses a viewer's post all the same.
    assert viewer.get(f"{PAGE}/{MARKUP}/submit", follow_redirects=False).status_code == 303
    answer = viewer.post(
        f"{PAGE}/{MARKUP}/submit",
        data={"csrf": csrf_of(one.text)},
        headers={"origin": site},
        follow_redirects=False,
    )
    assert answer.status_code == 422 and 'class="form-errors"' in answer.text
    assert read(running, MARKUP)["status"] == "DRAFT"
    assert read(running, MARKUP)["revision"] == report["revision"]
    # A street's page lies above a community secretary's region: refused, no form.
    for path in (PAGE, f"{PAGE}/{MARKUP}"):
        refused = secretary.get(path)
        assert refused.status_code == 403 and writing_forms(refused.text) == []


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"{PAGE}/2015-13", 404),  # not a month
        (f"{PAGE}/2999-01", 404),  # a month to come
        ("/console/reports/410104001001", 404),  # a community, not a street office
        ("/console/reports/410104002", 403),  # another street office
        (f"{PAGE}/1999-12", 404),  # before any report
    ],
)
def test_addresses_outside_the_reports_are_refused(
    signed_in: SignIn, path: str, status: int
) -> None:
    assert signed_in("demo-street").get(path).status_code == status


def test_the_download_answers_the_workbook(running: Running, signed_in: SignIn) -> None:
    generated(running, MARKUP)
    street = signed_in("demo-street")
    page = street.get(f"{PAGE}/{MARKUP}").text
    link = re.search(r'<a href="([^"]+\.xlsx)" hx-boost="false" download id="download">', page)
    assert link
    answer = street.get(html.unescape(link.group(1)))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert answer.content[:2] == b"PK"


def test_the_pages_speak_english_when_asked(signed_in: SignIn) -> None:
    english = signed_in("demo-street").get(PAGE, params={"lang": "en", "year": "2015"}).text
    assert LABELS["en"]["rep_generate"] in english and ZH["rep_generate"] not in english
