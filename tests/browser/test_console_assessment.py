"""Issue 16 "Done when", in Chromium, nothing loaded from elsewhere, no script error:
- a secretary self-assesses in the console and sees the score — by keyboard alone (Tab from
  field to field, Enter on the button). Screenshot: console-assessment.png;
- a street office user records the opinion survey and determines a grade (chosen by its
  label) with a reason. Screenshot: console-assessment-determine.png.

The assessment is the demo secretary's community's in 2009, a year no other test uses (see
tests/gateway/console/test_assessment.py for the others); its rows are deleted before and after.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from browser_pages import Visit
from sqlalchemy import create_engine, pool, text

from infra.setup import Prepared
from services.common.auth import Identity, Role
from stack import DISTRICT, Running

COMMUNITY = "410104001001"
YEAR = 2009
# A minted sign-in (not a demo account's, whose sessions the gateway versions).
SECRETARY = Identity("test-secretary-console", Role.SECRETARY, COMMUNITY)
OPEN = """mutation ($code: String!, $year: Int!) {
  openAssessment(communityCode: $code, year: $year) {
    assessment { id standard { indicators { code weight } } } errors { code message }
  }
}"""
STREET = Identity("test-street-console", Role.STREET, COMMUNITY[:9])
READ = """query ($code: String!, $year: Int!) {
  communityAssessment(communityCode: $code, year: $year) {
    state selfAssessment { total score }
    survey { heldOn counts { respondents satisfied } }
    determination { grade { id } reason determinedBy }
  }
}"""
SELF_ASSESS = """mutation ($id: ID!, $scores: [SelfScoreInput!]!) {
  recordSelfAssessment(assessmentId: $id, scores: $scores) {
    assessment { standard { grades { id name } } } errors { code message }
  }
}"""


def _clean(url: str) -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(
            text("DELETE FROM assess.assessment WHERE year = :y AND community_code = :c"),
            {"y": YEAR, "c": COMMUNITY},
        )
    engine.dispose()


@pytest.fixture
def opened(prepared: Prepared, running: Running) -> Iterator[dict]:
    """The year's assessment, open at the self-assessment."""
    url = prepared.database.service_urls["assess"]
    _clean(url)
    answer = running.post(
        running.gateway, OPEN, {"code": COMMUNITY, "year": YEAR}, identity=DISTRICT
    )
    payload = answer["data"]["openAssessment"]
    assert payload["errors"] == [], payload
    yield payload["assessment"]
    _clean(url)


@pytest.fixture
def self_assessed(opened: dict, running: Running) -> dict:
    """The year's assessment, self-assessed: at the opinion survey. Its standard's grades."""
    scores = [
        {"indicatorCode": i["code"], "score": i["weight"]} for i in opened["standard"]["indicators"]
    ]
    answer = running.post(running.gateway, SELF_ASSESS, {"id": opened["id"], "scores": scores})
    payload = answer["data"]["recordSelfAssessment"]
    assert payload["errors"] == [], payload
    return payload["assessment"]["standard"]


def test_a_secretary_self_assesses_by_keyboard_and_sees_the_score(
    visit: Callable[..., Visit], running: Running, opened: dict, screenshots: Path
) -> None:
    indicators = opened["standard"]["indicators"]
    seen = visit(f"/console/assessment/{COMMUNITY}?year={YEAR}", identity=SECRETARY)
    page = seen.page
    page.focus("#f-scores-0-score")
    for indicator in indicators:  # the score, Tab to its note, Tab to the next score
        page.keyboard.type(f"{indicator['weight'] / 2:g}")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
    page.keyboard.type("按标准逐项自查")  # the whole self-assessment's note
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => document.activeElement.closest('form').id + ':' + document.activeElement.tagName"
    )
    assert focused == "self-form:BUTTON"
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-self-score]")

    stored = running.post(running.gateway, READ, {"code": COMMUNITY, "year": YEAR})["data"]
    assessed = stored["communityAssessment"]
    assert assessed["state"] == "OPINION_SURVEY"
    assert assessed["selfAssessment"]["total"] == pytest.approx(
        sum(i["weight"] / 2 for i in indicators)
    )
    shown = page.get_attribute("[data-self-score]", "data-self-score")
    assert shown is not None and float(shown) == pytest.approx(assessed["selfAssessment"]["score"])
    assert page.locator("#self-form").count() == 0  # the step is taken: no form again
    page.screenshot(path=str(screenshots / "console-assessment.png"), full_page=True)
    assert seen.external_requests() == []
    assert seen.errors == []


def test_a_street_user_surveys_and_determines_the_grade(
    visit: Callable[..., Visit], running: Running, self_assessed: dict, screenshots: Path
) -> None:
    seen = visit(f"/console/assessment/{COMMUNITY}?year={YEAR}", identity=STREET)
    page = seen.page
    page.fill("#f-heldOn", f"{YEAR}-05-08")
    for field, value in (("0-satisfied", "30"), ("0-basicallySatisfied", "8"),
                         ("0-dissatisfied", "2"), ("1-satisfied", "50")):  # fmt: skip
        page.fill(f"#f-counts-{field}", value)
    page.click("form[action*='/survey'] button[type=submit]")
    page.wait_for_selector("[data-saved='asm_saved_survey']")

    grade = self_assessed["grades"][-1]
    page.select_option("#f-gradeId", label=grade["name"])
    page.fill("#f-reason", "经民意测评和实地查看，认定如上")
    page.focus("form[action*='/determine'] button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"[data-grade='{grade['id']}']")

    stored = running.post(running.gateway, READ, {"code": COMMUNITY, "year": YEAR})["data"]
    assessed = stored["communityAssessment"]
    assert assessed["state"] == "DETERMINED"
    assert assessed["survey"]["counts"] == [
        {"respondents": "MEMBERS", "satisfied": 30},
        {"respondents": "RESIDENTS", "satisfied": 50},
    ]
    assert assessed["determination"] == {
        "grade": {"id": grade["id"]},
        "reason": "经民意测评和实地查看，认定如上",
        "determinedBy": STREET.subject,
    }
    history = page.locator("tr[data-step]").evaluate_all("rows => rows.map(r => r.dataset.step)")
    assert history == ["OPEN", "SELF_ASSESS", "SURVEY", "DETERMINE"]
    page.screenshot(path=str(screenshots / "console-assessment-determine.png"), full_page=True)
    assert seen.external_requests() == []
    assert seen.errors == []
