"""Issue 16 "Done when": each role's main task walked in Chromium FROM SIGN-IN (the `/login`
form with the demo accounts' password, no injected cookie), keyboard where natural, nothing
loaded from elsewhere, no console error, a screenshot per main step
(console-walk-<role>-<n>-<step>.png):

1. the secretary records a sitting with a PDF, sees it listed with its file, self-assesses;
2. the street office surveys and determines that assessment's grade, then generates, edits,
   submits (through the confirmation) and downloads a monthly report;
3. the district sees that report submitted on the roll-up, returns it with a reason, sees the
   street returned and opens the lowest-scoring community;
4. the viewer goes through every page the nav offers and the main pages below them and is
   offered nothing that writes.

Data the walks own (no other test reads or writes them; see the brief's list of years and
months in use): the demo community 410104001001's assessment of 2000 (the current year is
the e2e cycle's), and the district's monthly reports of 2014-03. Both are deleted before and
after the module; the sitting is voided (kept for audit, as records are).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from console_walk import Walk, sign_in
from evidence_files import pdf
from playwright.sync_api import Browser, BrowserContext
from sqlalchemy import create_engine, pool, text

from infra.demo.users import PASSWORD_FILE
from infra.settings import SuiteSettings
from infra.setup import Prepared
from services.common.auth import Identity, Role
from stack import Running

COMMUNITY = "410104001001"  # demo-secretary's (infra/demo/users.py)
STREET = COMMUNITY[:9]  # demo-street's
YEAR = 2000  # the assessment year the walks own
MONTH = "2014-03"  # the report month the walks own
DISTRICT = COMMUNITY[:6]  # demo-district's

ERRORS = "errors { code message }"
READ_ASSESSMENT = """query ($c: String!, $y: Int!) { communityAssessment(communityCode: $c,
  year: $y) { id state selfAssessment { total score } survey { heldOn }
  determination { grade { id name } reason determinedBy }
  standard { grades { id name } indicators { code weight } } } }"""
OPEN = f"""mutation ($c: String!, $y: Int!) {{ openAssessment(communityCode: $c, year: $y) {{
  assessment {{ id standard {{ indicators {{ code weight }} }} }} {ERRORS} }} }}"""
SELF_ASSESS = f"""mutation ($id: ID!, $scores: [SelfScoreInput!]!) {{
  recordSelfAssessment(assessmentId: $id, scores: $scores) {{ assessment {{ id }} {ERRORS} }} }}"""
RECORDS = """query ($c: String!) { attestedRecords(communityCode: $c, kind: SITTING, first: 200) {
  nodes { id voided details evidence { id name mediaType } } } }"""
VOID = f"""mutation ($id: ID!) {{ voidRecord(id: $id, reason: "走查测试后作废") {{ {ERRORS} }} }}"""
REPORT = """query ($s: String!, $m: String!) { monthlyReport(streetCode: $s, month: $m) {
  id status submittedBy returnedBy returnReason commentary { progress problems nextPlan } } }"""
GENERATE = f"""mutation ($s: String!, $m: String!) {{ generateMonthlyReport(streetCode: $s,
  month: $m) {{ report {{ id }} {ERRORS} }} }}"""
SUBMIT = f"mutation ($id: ID!) {{ submitMonthlyReport(id: $id) {{ report {{ id }} {ERRORS} }} }}"
STREETS = "query ($d: String!) { region(code: $d) { children { code } } }"
ROLLUP = """query ($d: String!, $m: String!) { monthlyReportRollup(districtCode: $d, month: $m) {
  communityRanking { rank community { code score } } } }"""


def _street_user(code: str) -> Identity:
    return Identity(f"test-walk-street-{code}", Role.STREET, code)


def _delete_owned(url: str) -> None:
    """What the walks write and the graph cannot take back: the year's assessment of the
    community, the month's reports."""
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(
            text("DELETE FROM assess.assessment WHERE year = :y AND community_code = :c"),
            {"y": YEAR, "c": COMMUNITY},
        )
        conn.execute(text("DELETE FROM assess.monthly_report WHERE month = :m"), {"m": MONTH})
    engine.dispose()


@pytest.fixture(scope="module", autouse=True)
def owned(prepared: Prepared) -> Iterator[None]:
    url = prepared.database.service_urls["assess"]
    _delete_owned(url)
    yield
    _delete_owned(url)


@pytest.fixture(scope="module")
def site(running: Running) -> str:
    return running.gateway.removesuffix("/graphql")


@pytest.fixture
def walk_as(
    browser: Browser, site: str, suite_settings: SuiteSettings, screenshots: Path
) -> Iterator[Callable[[str, str], Walk]]:
    """`walk_as("demo-street", "street")`: a browser signed in as that demo account."""
    password = (suite_settings.data_dir / PASSWORD_FILE).read_text().strip()
    contexts: list[BrowserContext] = []

    def start(username: str, role: str) -> Walk:
        return sign_in(
            browser, site, username, password, role=role, shots=screenshots, contexts=contexts
        )

    yield start
    for context in contexts:
        context.close()


def _assessment(running: Running) -> dict | None:
    body = running.post(running.gateway, READ_ASSESSMENT, {"c": COMMUNITY, "y": YEAR})
    return body["data"]["communityAssessment"]


def _report(running: Running, street: str = STREET) -> dict | None:
    return running.post(running.gateway, REPORT, {"s": street, "m": MONTH})["data"]["monthlyReport"]


def _assert_clean(walk: Walk) -> None:
    assert walk.external_requests() == []
    assert walk.errors == []
    assert walk.refused == []  # no page or request of the walk answered an error


# -- 1. the secretary -------------------------------------------------------------------------


def _record_sitting(walk: Walk, running: Running, tag: str) -> None:
    """The nav, the sitting's tile, the form with a PDF chosen as a browser does; the list."""
    page = walk.page
    walk.nav("nav_records")
    page.locator("[data-new-records] a[data-kind=SITTING]").click()
    page.wait_for_selector("form[data-record-form=SITTING]")
    page.select_option("#f-system", index=1)
    page.fill("#f-heldOn", (dt.date.today() - dt.timedelta(days=1)).isoformat())
    page.fill("#f-minutes", f"党支部委员会会议 {tag}")
    page.fill("#f-attendeeCount", "5")
    page.set_input_files(
        "#f-evidenceIds",
        {"name": "会议纪要.pdf", "mimeType": "application/pdf", "buffer": pdf(tag)},
    )
    page.focus("#f-evidenceIds")
    page.keyboard.press("Tab")  # on to the save button
    page.keyboard.press("Enter")
    page.wait_for_selector("p.notice[role=status]")
    assert page.url.endswith(f"/console/records/{COMMUNITY}?saved=SITTING")
    nodes = running.post(running.gateway, RECORDS, {"c": COMMUNITY})["data"]
    (record,) = [n for n in nodes["attestedRecords"]["nodes"] if tag in str(n["details"])]
    (file,) = record["evidence"]
    assert file["mediaType"] == "application/pdf"
    row = page.locator(f'tr[data-record="{record["id"]}"]')
    assert tag in row.inner_text()
    assert row.locator(f'a[data-evidence="{file["id"]}"]').inner_text() == "会议纪要.pdf"


def _pick_year(walk: Walk) -> None:
    """The assessment page's year, typed and sent with Enter (a GET form)."""
    year = walk.page.locator("#f-year")
    year.focus()
    year.fill(str(YEAR))
    year.press("Enter")
    walk.page.wait_for_url(f"**year={YEAR}*")
    walk.page.locator("h2#h-state").wait_for()


def _self_assess(walk: Walk, running: Running) -> None:
    """Every indicator a score within its range, by keyboard; the score shown is the graph's."""
    page = walk.page
    opened = _assessment(running)
    assert opened is not None and opened["state"] == "SELF_ASSESSMENT"
    indicators = opened["standard"]["indicators"]
    page.focus("#f-scores-0-score")
    for indicator in indicators:  # a score within its range, Tab past its note
        page.keyboard.type(f"{indicator['weight'] * 0.8:g}")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
    page.keyboard.type("走查：按标准逐项自查")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-self-score]")
    assessed = _assessment(running)
    assert assessed is not None and assessed["state"] == "OPINION_SURVEY"
    assert assessed["selfAssessment"]["total"] == pytest.approx(
        sum(i["weight"] * 0.8 for i in indicators)
    )
    shown = page.get_attribute("[data-self-score]", "data-self-score")
    assert shown is not None
    assert float(shown) == pytest.approx(assessed["selfAssessment"]["score"])


def test_the_secretary_records_a_sitting_and_self_assesses(
    walk_as: Callable[[str, str], Walk], running: Running
) -> None:
    walk = walk_as("demo-secretary", "secretary")
    walk.shot(1, "home")
    tag = f"走查-{uuid.uuid4().hex[:8]}"
    try:
        _record_sitting(walk, running, tag)
        walk.shot(2, "sitting-listed")
        walk.nav("nav_assessment")
        _pick_year(walk)
        walk.page.get_by_role("button", name="开始本年度分类定级").click()
        walk.page.wait_for_selector("#self-form")
        walk.shot(3, "opened")
        _self_assess(walk, running)
        walk.shot(4, "self-assessed")
        _assert_clean(walk)
    finally:
        nodes = running.post(running.gateway, RECORDS, {"c": COMMUNITY})["data"]
        for node in nodes["attestedRecords"]["nodes"]:
            if tag in str(node["details"]) and not node["voided"]:
                voided = running.post(running.gateway, VOID, {"id": node["id"]})
                assert voided["data"]["voidRecord"]["errors"] == [], voided


# -- 2. the street office ---------------------------------------------------------------------


@pytest.fixture
def self_assessed(running: Running) -> dict:
    """The year's assessment at the opinion survey: the secretary's walk left it there; alone,
    it is opened and self-assessed through the graph."""
    assessment = _assessment(running)
    if assessment is None:
        body = running.post(running.gateway, OPEN, {"c": COMMUNITY, "y": YEAR})
        assert body["data"]["openAssessment"]["errors"] == [], body
        assessment = _assessment(running)
    assert assessment is not None
    if assessment["state"] == "SELF_ASSESSMENT":
        scores = [
            {"indicatorCode": i["code"], "score": i["weight"]}
            for i in assessment["standard"]["indicators"]
        ]
        body = running.post(
            running.gateway, SELF_ASSESS, {"id": assessment["id"], "scores": scores}
        )
        assert body["data"]["recordSelfAssessment"]["errors"] == [], body
        assessment = _assessment(running)
    assert assessment is not None and assessment["state"] == "OPINION_SURVEY"
    return assessment


def _survey_and_determine(walk: Walk, running: Running, grade: dict) -> None:
    page = walk.page
    page.fill("#f-heldOn", f"{YEAR}-05-08")
    for field, value in (("0-satisfied", "30"), ("0-basicallySatisfied", "8"),
                         ("0-dissatisfied", "2"), ("1-satisfied", "50")):  # fmt: skip
        page.fill(f"#f-counts-{field}", value)
    page.locator("form[action*='/survey'] button[type=submit]").click()
    page.wait_for_selector("[data-saved='asm_saved_survey']")
    walk.shot(3, "surveyed")
    page.select_option("#f-gradeId", label=grade["name"])
    reason = "经民意测评和实地查看，认定如上"
    page.fill("#f-reason", reason)
    page.focus("form[action*='/determine'] button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"[data-grade='{grade['id']}']")
    determined = _assessment(running)
    assert determined is not None and determined["state"] == "DETERMINED"
    assert determined["survey"]["heldOn"] == f"{YEAR}-05-08"
    assert determined["determination"] == {
        "grade": {"id": grade["id"], "name": grade["name"]},
        "reason": reason,
        "determinedBy": "demo-street",
    }
    assert page.locator("[data-reason]").inner_text() == reason


def _generate_edit_submit(walk: Walk, running: Running) -> dict[str, str]:
    """The month generated from the reports' list, its commentary edited, submitted through
    the confirmation; the commentary typed."""
    page = walk.page
    walk.nav("nav_reports")
    month = page.locator("#f-month")
    month.fill(MONTH)
    month.press("Enter")
    page.wait_for_url(f"**/console/reports/{STREET}/{MONTH}*")
    page.wait_for_selector("#commentary-form")
    assert page.locator('dd[data-status="DRAFT"]').count() == 1
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
    page.locator("#commentary-form button[type=submit]").click()
    page.wait_for_url("**done=saved*")  # (the notice of "generated" is on the page already)
    report = _report(running)
    assert report is not None and report["commentary"] == typed
    walk.shot(4, "report-edited")
    page.focus("#submit-link")
    page.keyboard.press("Enter")
    page.wait_for_selector("#submit-form button")
    walk.shot(5, "submit-confirmation")
    page.focus("#submit-form button")
    page.keyboard.press("Enter")
    page.wait_for_selector('dd[data-status="SUBMITTED"]')
    report = _report(running)
    assert report is not None
    assert report["status"] == "SUBMITTED" and report["submittedBy"] == "demo-street"
    return typed


def test_the_street_determines_a_grade_and_submits_its_report(
    walk_as: Callable[[str, str], Walk], running: Running, self_assessed: dict
) -> None:
    walk = walk_as("demo-street", "street")
    page = walk.page
    walk.shot(1, "home")
    # The overview of the street, the community's assessment link, the walk's year.
    walk.nav("nav_overview")
    page.locator(f"tr[data-code='{COMMUNITY}'] a[href*='/console/assessment/']").click()
    page.wait_for_url(f"**/console/assessment/{COMMUNITY}*")
    _pick_year(walk)
    walk.shot(2, "assessment")
    _survey_and_determine(walk, running, self_assessed["standard"]["grades"][-1])

    typed = _generate_edit_submit(walk, running)
    assert page.locator("#commentary-form").count() == 0  # locked: no form
    assert page.locator("dd[data-part=nextPlan]").inner_text() == typed["nextPlan"]
    walk.shot(6, "report-submitted")
    with page.expect_download() as downloading:
        page.locator("#download").click()
    saved = downloading.value.path()
    assert saved is not None and saved.read_bytes()[:2] == b"PK"  # an xlsx (a zip)
    assert downloading.value.suggested_filename.endswith(".xlsx")
    _assert_clean(walk)


# -- 3. the district --------------------------------------------------------------------------


@pytest.fixture
def submitted(running: Running) -> list[str]:
    """Every street's report of the month submitted (the street's own walk submitted the demo
    street's; alone, it is made here): the roll-up still ranks communities after one is
    returned. The district's streets."""
    children = running.post(running.gateway, STREETS, {"d": DISTRICT})["data"]["region"]
    streets = sorted(c["code"] for c in children["children"])
    for street in streets:
        report = _report(running, street)
        if report is not None and report["status"] == "SUBMITTED":
            continue
        who = _street_user(street)
        made = running.post(running.gateway, GENERATE, {"s": street, "m": MONTH}, identity=who)
        assert made["data"]["generateMonthlyReport"]["errors"] == [], made
        report_id = made["data"]["generateMonthlyReport"]["report"]["id"]
        sent = running.post(running.gateway, SUBMIT, {"id": report_id}, identity=who)
        assert sent["data"]["submitMonthlyReport"]["errors"] == [], sent
    assert STREET in streets and len(streets) > 1
    return streets


def _rollup_of_month(walk: Walk) -> None:
    """The nav's roll-up (this month), the walk's month picked from the keyboard."""
    walk.nav("nav_rollup")
    picker = walk.page.locator("#ru-month")
    picker.focus()
    picker.fill(MONTH)
    walk.page.keyboard.press("Enter")
    walk.page.wait_for_url(f"**/console/rollup/{DISTRICT}/{MONTH}")
    walk.page.wait_for_load_state("networkidle")


def test_the_district_returns_a_report_and_opens_the_worst_community(
    walk_as: Callable[[str, str], Walk], running: Running, submitted: list[str]
) -> None:
    walk = walk_as("demo-district", "district")
    page = walk.page
    walk.shot(1, "home")
    _rollup_of_month(walk)
    row = page.locator(f"table.rollup-status tr[data-street='{STREET}']")
    assert row.get_attribute("data-status") == "submitted"
    walk.shot(2, "rollup-submitted")

    row.locator(f"a[href*='/console/reports/{STREET}/{MONTH}']").click()
    page.wait_for_selector("#return-form")
    reason = "请核实第三社区的党员人数"
    page.fill("#f-reason", reason)
    page.focus("#return-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector('dd[data-status="DRAFT"]')
    report = _report(running)
    assert report is not None and report["status"] == "DRAFT"
    assert (report["returnedBy"], report["returnReason"]) == ("demo-district", reason)
    walk.shot(3, "report-returned")

    _rollup_of_month(walk)
    row = page.locator(f"table.rollup-status tr[data-street='{STREET}']")
    assert row.get_attribute("data-status") == "returned"
    assert reason in row.inner_text()
    walk.shot(4, "rollup-returned")

    roll = running.post(running.gateway, ROLLUP, {"d": DISTRICT, "m": MONTH})["data"]
    ranking = roll["monthlyReportRollup"]["communityRanking"]
    lowest = min(r["community"]["score"] for r in ranking)
    worst = max(ranking, key=lambda r: (r["rank"], r["community"]["code"]))["community"]
    assert worst["score"] == lowest and not worst["code"].startswith(STREET)
    page.locator("p.worst a").first.click()
    page.wait_for_url(f"**/console/community/{worst['code']}")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").first.is_visible()
    walk.shot(5, "worst-community")
    _assert_clean(walk)


# -- 4. the viewer ----------------------------------------------------------------------------


@pytest.fixture
def report_of_month(running: Running) -> None:
    """The demo street's report of the month exists (the walks before left it returned, a
    draft; alone, it is generated here), so the viewer reads a draft, whose page offers its
    writers the most forms."""
    if _report(running) is None:
        who = _street_user(STREET)
        made = running.post(running.gateway, GENERATE, {"s": STREET, "m": MONTH}, identity=who)
        assert made["data"]["generateMonthlyReport"]["errors"] == [], made


# Pages below the nav's, each with what a writer would find there to write.
VIEWER_PAGES = (
    ("street-overview", f"/console/overview/{STREET}"),
    ("community", f"/console/community/{COMMUNITY}"),
    ("posts", f"/console/community/{COMMUNITY}/posts"),
    ("members", f"/console/community/{COMMUNITY}/members"),
    ("dual", f"/console/community/{COMMUNITY}/dual"),
    ("assessment", f"/console/assessment/{COMMUNITY}"),
    ("assessment-year", f"/console/assessment/{COMMUNITY}?year={YEAR}"),
    ("records", f"/console/records/{COMMUNITY}"),
    ("evidence", f"/console/records/{COMMUNITY}/evidence"),
    ("commendations", f"/console/commendations/{COMMUNITY}"),
    ("reports", f"/console/reports/{STREET}"),
    ("report", f"/console/reports/{STREET}/{MONTH}"),
    ("rollup-month", f"/console/rollup/{DISTRICT}/{MONTH}"),
)
# Pages that are not the console's own: GraphiQL's buttons are its editor's, the map's its own.
NOT_CONSOLE = ("nav_maps", "nav_graphiql")


def _offers_nothing_to_write(walk: Walk, where: str, *, buttons: bool = True) -> None:
    assert walk.write_forms() == [], where
    assert walk.write_links() == [], where
    if buttons:
        assert walk.write_buttons() == [], where
    assert walk.page.locator("header form[action='/session/logout'] button").count() == 1, where


def test_the_viewer_is_offered_nothing_to_write(
    walk_as: Callable[[str, str], Walk], site: str, report_of_month: None
) -> None:
    walk = walk_as("demo-viewer", "viewer")
    page = walk.page
    shot = 0
    keys = page.locator("header nav a[data-nav]").evaluate_all(
        "links => links.map(a => a.dataset.nav)"
    )
    assert {"nav_home", "nav_overview", "nav_rollup", "nav_commendations"} <= set(keys)
    for key in keys:  # every page the nav offers, followed from the keyboard
        if key in NOT_CONSOLE:
            href = page.locator(f"header a[data-nav={key}]").get_attribute("href") or ""
            answer = page.goto(site + href, wait_until="networkidle")
            assert answer is not None and answer.status == 200, key
            _offers_nothing_to_write(walk, key, buttons=False)
            page.go_back(wait_until="networkidle")
            continue
        walk.nav(key)
        _offers_nothing_to_write(walk, key)
        shot += 1
        walk.shot(shot, key.removeprefix("nav_"), full_page=False)
    for name, path in VIEWER_PAGES:
        answer = page.goto(site + path, wait_until="networkidle")
        assert answer is not None and answer.status == 200, path
        _offers_nothing_to_write(walk, path)
        shot += 1
        walk.shot(shot, name, full_page=False)
    # A member's own page, from the members' list.
    page.goto(site + f"/console/community/{COMMUNITY}/members", wait_until="networkidle")
    page.locator("tr[data-member] a").first.click()
    page.wait_for_url("**/members/*")
    page.wait_for_load_state("networkidle")
    _offers_nothing_to_write(walk, page.url)
    _assert_clean(walk)
