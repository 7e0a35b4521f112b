"""Issue 16 "Done when": a secretary self-assesses in the console and sees the score — by
keyboard alone (Tab from field to field, Enter on the button), in Chromium, nothing loaded
from elsewhere, no script error. Screenshot: console-assessment.png.

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
READ = """query ($code: String!, $year: Int!) {
  communityAssessment(communityCode: $code, year: $year) {
    state selfAssessment { total score }
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
def opened(prepared: Prepared, running: Running) -> Iterator[list[dict]]:
    """The year's assessment, open at the self-assessment: its indicators."""
    url = prepared.database.service_urls["assess"]
    _clean(url)
    answer = running.post(
        running.gateway, OPEN, {"code": COMMUNITY, "year": YEAR}, identity=DISTRICT
    )
    payload = answer["data"]["openAssessment"]
    assert payload["errors"] == [], payload
    yield payload["assessment"]["standard"]["indicators"]
    _clean(url)


def test_a_secretary_self_assesses_by_keyboard_and_sees_the_score(
    visit: Callable[..., Visit], running: Running, opened: list[dict], screenshots: Path
) -> None:
    seen = visit(f"/console/assessment/{COMMUNITY}?year={YEAR}", identity=SECRETARY)
    page = seen.page
    page.focus("#f-scores-0-score")
    for indicator in opened:  # the score, Tab to its note, Tab to the next score
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
        sum(i["weight"] / 2 for i in opened)
    )
    shown = page.get_attribute("[data-self-score]", "data-self-score")
    assert shown is not None and float(shown) == pytest.approx(assessed["selfAssessment"]["score"])
    assert page.locator("#self-form").count() == 0  # the step is taken: no form again
    page.screenshot(path=str(screenshots / "console-assessment.png"), full_page=True)
    assert seen.external_requests() == []
    assert seen.errors == []
