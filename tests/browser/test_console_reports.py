"""A street office edits its monthly report's commentary and submits it, by keyboard, in
Chromium (issue 16: "a street user ... edits and submits the monthly report").

The test owns the report of 2015-11 (no other test reads it) and returns it to draft
afterwards, so the next run can edit it again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from browser_pages import Visit

from services.common.auth import Identity, Role
from stack import DISTRICT, Running

STREET = "410104001"
MONTH = "2015-11"
STREET_USER = Identity("browser-street", Role.STREET, STREET)

READ = """query ($s: String!, $m: String!) { monthlyReport(streetCode: $s, month: $m) {
  id status submittedBy commentary { progress problems nextPlan } communities { remark } } }"""
GENERATE = """mutation ($s: String!, $m: String!) { generateMonthlyReport(streetCode: $s,
  month: $m) { report { id } errors { code } } }"""
RETURN = """mutation ($id: ID!) { returnMonthlyReport(id: $id, reason: "浏览器测试复原") {
  report { status } errors { code } } }"""


def read(running: Running) -> dict:
    body = running.post(running.gateway, READ, {"s": STREET, "m": MONTH})
    return body["data"]["monthlyReport"]


def returned(running: Running) -> None:
    report = read(running)
    if report and report["status"] == "SUBMITTED":
        running.post(running.gateway, RETURN, {"id": report["id"]}, identity=DISTRICT)


@pytest.fixture
def draft(running: Running) -> Iterator[dict]:
    """The month's report as a draft (generated again from today's data)."""
    returned(running)
    body = running.post(running.gateway, GENERATE, {"s": STREET, "m": MONTH}, identity=STREET_USER)
    assert body["data"]["generateMonthlyReport"]["errors"] == [], body
    yield read(running)
    returned(running)


def test_a_street_edits_and_submits_its_report_by_keyboard(
    visit: Callable[..., Visit], running: Running, draft: dict, screenshots: Path
) -> None:
    seen = visit(f"/console/reports/{STREET}/{MONTH}", identity=STREET_USER)
    page = seen.page
    mark = uuid.uuid4().hex[:6]
    typed = {
        "progress": f"完成网格党支部调整{mark}",
        "problems": f"两个片区尚无党小组{mark}",
        "nextPlan": f"月底前组建党小组{mark}",
    }
    page.focus("#f-progress")
    page.keyboard.press("Control+A")
    page.keyboard.type(typed["progress"])
    for part in ("problems", "nextPlan"):
        page.keyboard.press("Tab")
        page.keyboard.press("Control+A")
        page.keyboard.type(typed[part])
    page.keyboard.press("Tab")  # the first community's remark: Enter there sends the form
    page.keyboard.press("Control+A")
    page.keyboard.type(f"备注{mark}")
    page.keyboard.press("Enter")
    page.wait_for_selector("p.notice[role=status]")
    saved = read(running)
    assert saved["commentary"] == typed and saved["communities"][0]["remark"] == f"备注{mark}"

    # Submit: the link leads to the confirmation step; its button sends it.
    page.focus("#submit-link")
    page.keyboard.press("Enter")
    page.wait_for_selector("#submit-form button")
    page.focus("#submit-form button")
    page.keyboard.press("Enter")
    page.wait_for_selector('dd[data-status="SUBMITTED"]')
    submitted = read(running)
    assert submitted["status"] == "SUBMITTED" and submitted["submittedBy"] == "browser-street"
    assert page.locator("#commentary-form").count() == 0  # locked: no form
    assert page.locator(f"text={typed['nextPlan']}").count() == 1

    page.screenshot(path=screenshots / "console-report.png", full_page=True)
    assert seen.external_requests() == []
    assert seen.errors == []
