"""The grading workflow through the gateway: open → self-assess → survey → determine → goals,
who may take each step, and bad input refused with typed errors and nothing written.

plan 方法步骤（一）: 按照社区党组织自查自评、党员群众民意测评、办事处党工委认定等级的方法程序，
对照《标准》搞好社区党组织分类定级 … 找出差距和问题 … 研究制定 … 目标和措施.

Scores come from the indicators' measures, which other work fills in: expectations are read
from what the API computed (snapshots, gradingPreview), never fixed numbers.

Years 2001-2008 are these tests' own (no other test writes them): a write names no year after
the current one (services/assess/shared/dates.py), so they lie in the past.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator

import pytest
import yaml
from grading_api import (
    DETERMINE,
    OPEN,
    PREVIEW,
    SELF_ASSESS,
    SURVEY,
    SURVEY_COUNTS,
    UPDATE_GOAL,
    Community,
    Rows,
    codes,
    communities,
    forbidden,
    full_self_scores,
    gql,
    mutate,
    secretary,
    street_user,
)
from sqlalchemy import text

from infra.setup import Prepared
from services.assess.shared import dates
from services.assess.shared.text import MAX_LINE, MAX_NOTE
from services.assess.standard.documents import DEFAULT_STANDARD_FILE, read_standard
from services.common.auth import USER_ROLES, Identity, Role
from stack import DISTRICT, Running

CYCLE_YEAR = 2001
# One assessment per state, for the refusals: self_assessment, opinion_survey (no survey yet),
# opinion_survey (surveyed), determined.
STATE_YEARS = {"fresh": 2002, "self_assessed": 2003, "surveyed": 2004, "determined": 2005}
KEPT_YEARS = (2006, 2008)  # opened under a newer standard, and under the old one
YEARS = [CYCLE_YEAR, *STATE_YEARS.values(), *KEPT_YEARS]


@pytest.fixture(scope="module")
def rows(prepared: Prepared) -> Iterator[Rows]:
    owned = Rows(prepared.database.service_urls["assess"], YEARS)
    owned.clean()
    yield owned
    owned.clean()
    owned.engine.dispose()


@pytest.fixture(scope="module")
def community(running: Running) -> Community:
    return communities(running)[0]


@pytest.fixture(scope="module")
def elsewhere(running: Running, community: Community) -> Community:
    """A community of another street office."""
    return next(c for c in communities(running) if c.street != community.street)


def _next_quarter_end(day: dt.date) -> dt.date:
    """The last day of the calendar quarter after `day`'s."""
    quarter = (day.month - 1) // 3 + 1  # 1..4
    year, month = (day.year + 1, 3) if quarter == 4 else (day.year, quarter * 3 + 3)
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _open(running: Running, code: str, year: int, who: Identity = DISTRICT) -> dict:
    payload = mutate(running, OPEN, {"code": code, "year": year}, who)
    assert payload["errors"] == [], payload
    return payload["assessment"]


def _self_assess(running: Running, assessment: dict, who: Identity = DISTRICT) -> dict:
    variables = {"id": assessment["id"], "scores": full_self_scores(assessment), "note": "自查"}
    payload = mutate(running, SELF_ASSESS, variables, who)
    assert payload["errors"] == [], payload
    return payload["assessment"]


def _survey(running: Running, assessment: dict, who: Identity = DISTRICT) -> dict:
    held_on = f"{assessment['year']}-05-08"  # plan: 分类定级 … 5月中旬以前
    variables = {"id": assessment["id"], "heldOn": held_on, "counts": SURVEY_COUNTS}
    payload = mutate(running, SURVEY, variables, who)
    assert payload["errors"] == [], payload
    return payload["assessment"]


def _determine(running: Running, assessment: dict, who: Identity = DISTRICT) -> dict:
    grade = assessment["standard"]["grades"][0]["id"]
    variables = {"id": assessment["id"], "grade": grade, "reason": "经认定"}
    payload = mutate(running, DETERMINE, variables, who)
    assert payload["errors"] == [], payload
    return payload["assessment"]


@pytest.fixture(scope="module")
def staged(running: Running, rows: Rows, community: Community) -> dict[str, dict]:
    """One assessment of the community in each state (years of their own)."""
    fresh = _open(running, community.code, STATE_YEARS["fresh"])
    self_assessed = _self_assess(
        running, _open(running, community.code, STATE_YEARS["self_assessed"])
    )
    surveyed = _survey(
        running, _self_assess(running, _open(running, community.code, STATE_YEARS["surveyed"]))
    )
    determined = _determine(
        running,
        _survey(running, _self_assess(running, _open(running, community.code, STATE_YEARS["determined"]))),
    )  # fmt: skip
    return {
        "fresh": fresh,
        "self_assessed": self_assessed,
        "surveyed": surveyed,
        "determined": determined,
    }


def _snapshot_matches_preview(snapshot: dict, preview: dict) -> None:
    """A step's stored score is the computed score of that moment (the live data has not
    changed within the test)."""
    assert snapshot["score"] == preview["score"]
    assert snapshot["grade"] == preview["grade"]
    assert snapshot["meetsStandard"] == preview["meetsStandard"]
    assert [(r["indicatorCode"], r["passed"]) for r in snapshot["results"]] == [
        (r["indicatorCode"], r["passed"]) for r in preview["results"]
    ]


def test_a_full_cycle_for_one_demo_community(  # noqa: PLR0915 -- one cycle, step by step, in order
    running: Running, rows: Rows, community: Community
) -> None:
    """Issue 7 "Done when": the demo district gets a full assessment cycle through the gateway:
    open → self-assess (secretary) → survey → determine (street office) → goals."""
    me, street = secretary(community.code), street_user(community.code)
    current = gql(running, "{ gradingStandard { id indicators { code name weight } } }")
    standard = current["gradingStandard"]
    preview = gql(running, PREVIEW, {"code": community.code, "year": CYCLE_YEAR}, me)[
        "gradingPreview"
    ]

    # 自查自评 starts: the secretary opens its own community's assessment.
    opened = _open(running, community.code, CYCLE_YEAR, me)
    assert (opened["communityCode"], opened["year"], opened["state"]) == (
        community.code,
        CYCLE_YEAR,
        "SELF_ASSESSMENT",
    )
    assert opened["standard"]["id"] == standard["id"]  # the standard current when opened
    assert opened["openedBy"] == me.subject
    assert [s["step"] for s in opened["snapshots"]] == ["OPENED"]
    _snapshot_matches_preview(opened["snapshots"][0], preview)
    assert opened["selfAssessment"] is None and opened["survey"] is None

    # The secretary's self-scores: the whole weight of each indicator but the first, which
    # gets half (scores on 0..weight).
    scores = full_self_scores(opened)
    scores[0]["score"] = scores[0]["score"] / 2
    payload = mutate(
        running, SELF_ASSESS, {"id": opened["id"], "scores": scores, "note": "自查完毕"}, me
    )
    assert payload["errors"] == [], payload
    assessed = payload["assessment"]
    assert assessed["state"] == "OPINION_SURVEY"
    total_weight = sum(i["weight"] for i in standard["indicators"])
    expected_total = sum(s["score"] for s in scores)
    own = assessed["selfAssessment"]
    assert own["total"] == pytest.approx(expected_total)
    assert own["score"] == pytest.approx(round(100 * expected_total / total_weight, 2))
    assert (own["note"], own["recordedBy"]) == ("自查完毕", me.subject)
    assert [(s["indicatorCode"], s["score"], s["maxScore"]) for s in own["scores"]] == [
        (s["indicatorCode"], s["score"], i["weight"])
        for s, i in zip(scores, standard["indicators"], strict=True)
    ]
    assert [s["step"] for s in assessed["snapshots"]] == ["OPENED", "SELF_ASSESSED"]

    # 党员群众民意测评, recorded by the street office; the rate is (满意 + 基本满意) / all.
    payload = mutate(
        running,
        SURVEY,
        {
            "id": opened["id"],
            "heldOn": f"{CYCLE_YEAR}-05-08",
            "counts": SURVEY_COUNTS,
            "note": "测评",
        },
        street,
    )
    assert payload["errors"] == [], payload
    surveyed = payload["assessment"]
    assert surveyed["state"] == "OPINION_SURVEY"  # until the grade is determined
    survey = surveyed["survey"]
    assert (survey["heldOn"], survey["recordedBy"]) == (f"{CYCLE_YEAR}-05-08", street.subject)
    for got, given in zip(survey["counts"], SURVEY_COUNTS, strict=True):
        total = given["satisfied"] + given["basicallySatisfied"] + given["dissatisfied"]
        assert got["total"] == total
        assert got["satisfactionRate"] == pytest.approx(
            (given["satisfied"] + given["basicallySatisfied"]) / total
        )
    ratings = [(c["satisfied"] + c["basicallySatisfied"], c["total"]) for c in survey["counts"]]
    assert survey["satisfactionRate"] == pytest.approx(
        sum(p for p, _ in ratings) / sum(t for _, t in ratings)
    )

    # 办事处党工委认定等级: a grade other than the computed one, with its reason.
    computed_grade = preview["grade"]["id"]
    other = next(g["id"] for g in opened["standard"]["grades"] if g["id"] != computed_grade)
    payload = mutate(
        running,
        DETERMINE,
        {"id": opened["id"], "grade": other, "reason": "民意测评满意率高，结合实地检查认定"},
        street,
    )
    assert payload["errors"] == [], payload
    determined = payload["assessment"]
    assert determined["state"] == "DETERMINED"
    decision = determined["determination"]
    last = determined["snapshots"][-1]
    assert [s["step"] for s in determined["snapshots"]] == [
        "OPENED",
        "SELF_ASSESSED",
        "SURVEYED",
        "DETERMINED",
    ]
    assert decision["grade"]["id"] == other
    assert decision["computedScore"] == last["score"]
    assert decision["computedGrade"] == last["grade"] == {"id": computed_grade}
    assert decision["differsFromComputed"] is True
    assert decision["determinedBy"] == street.subject

    # 找出差距和问题: every indicator failed at determination became a goal, owned by the
    # secretary. Due by the year's 三有四化 deadline (plan 一: 10月底以前), and never before the
    # day it is made: this CYCLE_YEAR is long past, so at the end of the quarter after today's
    # (issue 15, 11.: goals made in December were due on 31 October, overdue at birth).
    failed = [r["indicatorCode"] for r in last["results"] if not r["passed"]]
    goals = determined["goals"]
    assert sorted(g["indicatorCode"] for g in goals) == sorted(failed)
    made_on = dates.local_day(dt.datetime.fromisoformat(decision["determinedAt"]))
    deadline = _next_quarter_end(made_on).isoformat()
    names = {i["code"]: i["name"] for i in standard["indicators"]}
    for goal in goals:
        assert (goal["ownerRole"], goal["ownerUser"], goal["status"]) == ("SECRETARY", None, "OPEN")
        assert goal["dueOn"] == deadline
        assert names[goal["indicatorCode"]] in goal["text"]
    # The demo data is deterministic and leaves this community gaps: a cycle without goals
    # would not test their edits, so it fails instead of passing quietly.
    assert goals, "every indicator passes in the demo data: no goals to edit"

    # Goals are edited: the secretary marks one done; the street office gives another a user
    # owner and an earlier due date.
    done = mutate(
        running,
        UPDATE_GOAL,
        {"id": goals[0]["id"], "status": "DONE", "doneOn": f"{CYCLE_YEAR}-09-01"},
        me,
    )
    assert done["errors"] == [] and done["goal"]["status"] == "DONE", done
    assert (done["goal"]["doneOn"], done["goal"]["updatedBy"]) == (
        f"{CYCLE_YEAR}-09-01",
        me.subject,
    )
    reopened = mutate(running, UPDATE_GOAL, {"id": goals[0]["id"], "status": "OPEN"}, me)
    assert codes(reopened) == {"RULE_VIOLATION"} and reopened["goal"] is None  # open → done only
    early = dt.date.fromisoformat(deadline) - dt.timedelta(days=30)
    if len(goals) > 1:
        moved = mutate(
            running,
            UPDATE_GOAL,
            {
                "id": goals[1]["id"],
                "ownerUser": "王书记",
                "dueOn": early.isoformat(),
                "text": "补齐",
            },
            street,
        )
        assert moved["errors"] == [], moved
        assert (moved["goal"]["ownerUser"], moved["goal"]["ownerRole"]) == ("王书记", None)
        assert (moved["goal"]["dueOn"], moved["goal"]["text"]) == (early.isoformat(), "补齐")

    # Goals listed per community; overdue ones: open and due before the day.
    listed = gql(
        running,
        """query ($r: String!, $y: Int!, $on: Date) {
             improvementGoals(regionCode: $r, year: $y, overdueOn: $on, first: 200) {
               totalCount nodes { id status dueOn overdue(asOf: $on) } } }""",
        {"r": community.street, "y": CYCLE_YEAR, "on": None},
        street,
    )["improvementGoals"]
    assert listed["totalCount"] == len(goals)
    on = dt.date.fromisoformat(deadline)  # due on the deadline is not overdue on it
    overdue = gql(
        running,
        """query ($r: String!, $y: Int!, $on: Date) {
             improvementGoals(regionCode: $r, year: $y, overdueOn: $on, first: 200) {
               nodes { id overdue(asOf: $on) } } }""",
        {"r": DISTRICT.region, "y": CYCLE_YEAR, "on": on.isoformat()},
    )["improvementGoals"]["nodes"]
    expected = [g["id"] for g in goals[1:2]] if len(goals) > 1 else []  # due 30 days early
    assert [g["id"] for g in overdue] == expected
    assert all(g["overdue"] for g in overdue)
    later = gql(
        running,
        """query ($r: String!, $y: Int!, $on: Date) {
             improvementGoals(regionCode: $r, year: $y, overdueOn: $on, first: 200) {
               nodes { id } } }""",
        {"r": community.code, "y": CYCLE_YEAR, "on": (on + dt.timedelta(days=1)).isoformat()},
        me,
    )["improvementGoals"]["nodes"]
    assert sorted(g["id"] for g in later) == sorted(g["id"] for g in goals[1:])  # not the done one


def test_each_caller_sees_its_own_assessments(
    running: Running, staged: dict[str, dict], community: Community, elsewhere: Community
) -> None:
    """ARCHITECTURE: a caller sees only what lies under its node."""
    query = """query ($r: String!, $y: Int!) { assessments(regionCode: $r, year: $y) {
                 totalCount nodes { id } } }"""
    year = STATE_YEARS["determined"]
    mine = staged["determined"]["id"]
    for who in (DISTRICT, street_user(community.code), secretary(community.code)):
        got = gql(running, query, {"r": DISTRICT.region, "y": year}, who)["assessments"]
        assert [n["id"] for n in got["nodes"]] == [mine], who
    for who in (street_user(elsewhere.code), secretary(elsewhere.code)):
        got = gql(running, query, {"r": DISTRICT.region, "y": year}, who)["assessments"]
        assert got == {"totalCount": 0, "nodes": []}, who
        one = gql(
            running,
            "query ($c: String!, $y: Int!) { communityAssessment(communityCode: $c, year: $y) { id } }",
            {"c": community.code, "y": year},
            who,
        )
        assert one == {"communityAssessment": None}
        byid = gql(running, "query ($id: ID!) { assessment(id: $id) { id } }", {"id": mine}, who)
        assert byid == {"assessment": None}


def test_the_role_table_is_the_plans(running: Running) -> None:
    """DOMAIN "Who uses the system": secretaries self-assess; the street office determines
    grades (办事处党工委认定等级); planners and viewers move nothing."""
    table = {
        t["action"]: (t["fromState"], t["toState"], set(t["roles"]))
        for t in gql(running, "{ gradingTransitions { action fromState toState roles } }")[
            "gradingTransitions"
        ]
    }
    assert table == {
        "OPEN": (None, "SELF_ASSESSMENT", {"district", "street", "secretary"}),
        "SELF_ASSESS": ("SELF_ASSESSMENT", "OPINION_SURVEY", {"district", "street", "secretary"}),
        "SURVEY": ("OPINION_SURVEY", None, {"district", "street"}),
        "DETERMINE": ("OPINION_SURVEY", "DETERMINED", {"district", "street"}),
        "EDIT_GOAL": ("DETERMINED", None, {"district", "street", "secretary"}),
    }


def _calls(staged: dict[str, dict], community: Community) -> dict[str, tuple[str, dict]]:
    """One well-formed call of each step, on an assessment in the state it needs."""
    goal = staged["determined"]["goals"][0]["id"] if staged["determined"]["goals"] else None
    return {
        "OPEN": (OPEN, {"code": community.code, "year": KEPT_YEARS[0]}),
        "SELF_ASSESS": (
            SELF_ASSESS,
            {"id": staged["fresh"]["id"], "scores": full_self_scores(staged["fresh"])},
        ),
        "SURVEY": (
            SURVEY,
            {
                "id": staged["self_assessed"]["id"],
                "heldOn": f"{STATE_YEARS['self_assessed']}-05-01",
                "counts": SURVEY_COUNTS,
            },
        ),
        "DETERMINE": (
            DETERMINE,
            {"id": staged["surveyed"]["id"], "grade": "good", "reason": "认定"},
        ),
        "EDIT_GOAL": (UPDATE_GOAL, {"id": goal, "text": "改"}),
    }


@pytest.mark.parametrize("action", ["OPEN", "SELF_ASSESS", "SURVEY", "DETERMINE", "EDIT_GOAL"])
def test_roles_and_scopes_outside_the_table_are_refused(
    running: Running,
    rows: Rows,
    staged: dict[str, dict],
    community: Community,
    elsewhere: Community,
    action: str,
) -> None:
    """Each step: every role outside the table is FORBIDDEN (role); a street office or
    secretary of another place is FORBIDDEN (scope) opening one, and NOT_FOUND (as for an
    unknown id) acting on an assessment or goal by id; nothing is written."""
    query, variables = _calls(staged, community)[action]
    assert variables.get("id", "") is not None, "no goal: every indicator passes in the demo data"
    allowed = next(
        set(t["roles"])
        for t in gql(running, "{ gradingTransitions { action roles } }")["gradingTransitions"]
        if t["action"] == action
    )
    with rows.unchanged():
        for role in USER_ROLES:
            who = Identity(f"test-{role.value}", role, community.code)
            if role.value not in allowed:
                assert forbidden(running, query, variables, who) == "role", role
        for role in (Role.STREET, Role.SECRETARY):
            if role.value in allowed:
                region = elsewhere.street if role is Role.STREET else elsewhere.code
                who = Identity(f"test-other-{role.value}", role, region)
                if action == "OPEN":  # names a community: FORBIDDEN (scope)
                    assert forbidden(running, query, variables, who) == "scope", role
                    continue
                # An id of another place answers as an unknown id would (issue 12, class 7).
                body = running.post(running.gateway, query, variables, identity=who)
                assert not body.get("errors"), body
                (payload,) = body["data"].values()
                assert codes(payload) == {"NOT_FOUND"}, body


def test_steps_out_of_order_are_rule_violations(
    running: Running, rows: Rows, staged: dict[str, dict], community: Community
) -> None:
    """plan order 自查自评 → 民意测评 → 认定等级: a determination before the self-assessment or
    before the survey, a survey before the self-assessment, a step taken twice: refused."""
    fresh, assessed = staged["fresh"], staged["self_assessed"]
    surveyed, determined = staged["surveyed"], staged["determined"]
    grade = fresh["standard"]["grades"][0]["id"]
    cases = [
        (DETERMINE, {"id": fresh["id"], "grade": grade, "reason": "r"}),  # before self-assessment
        (DETERMINE, {"id": assessed["id"], "grade": grade, "reason": "r"}),  # before the survey
        (SURVEY, {"id": fresh["id"], "heldOn": f"{fresh['year']}-05-01", "counts": SURVEY_COUNTS}),
        (SELF_ASSESS, {"id": assessed["id"], "scores": full_self_scores(assessed)}),
        (SELF_ASSESS, {"id": surveyed["id"], "scores": full_self_scores(surveyed)}),
        (
            SURVEY,
            {
                "id": determined["id"],
                "heldOn": f"{determined['year']}-05-01",
                "counts": SURVEY_COUNTS,
            },
        ),
        (DETERMINE, {"id": determined["id"], "grade": grade, "reason": "again"}),
    ]
    with rows.unchanged():
        for query, variables in cases:
            payload = mutate(running, query, variables)
            assert codes(payload) == {"RULE_VIOLATION"}, (variables, payload)
            assert payload["assessment"] is None
            assert payload["errors"][0]["rule"] == "grading.order"
            assert payload["errors"][0]["message"] and payload["errors"][0]["messageEn"]


def _self_scores_with(assessment: dict, change: str) -> list[dict]:
    scores = full_self_scores(assessment)
    first = scores[0]
    if change == "above weight":
        first["score"] = first["score"] + 0.5
    elif change == "negative":
        first["score"] = -1
    elif change == "unknown indicator":
        scores.append({"indicatorCode": "ZZ9", "score": 1})
    elif change == "twice":
        scores.append(dict(first))
    elif change == "missing":
        scores.pop()
    return scores


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("above weight", ["scores", "0", "score"]),
        ("negative", ["scores", "0", "score"]),
        ("unknown indicator", ["scores", "-", "indicatorCode"]),
        ("twice", ["scores", "-", "indicatorCode"]),
        ("missing", ["scores"]),
    ],
)
def test_bad_self_scores_are_invalid(
    running: Running, rows: Rows, staged: dict[str, dict], change: str, field: list[str]
) -> None:
    """Self-scores run from 0 to the indicator's weight, one per indicator of the standard."""
    fresh = staged["fresh"]
    scores = _self_scores_with(fresh, change)
    if field[1:2] == ["-"]:
        field = ["scores", str(len(scores) - 1), field[2]]
    with rows.unchanged():
        payload = mutate(running, SELF_ASSESS, {"id": fresh["id"], "scores": scores})
    assert payload["assessment"] is None
    assert codes(payload) == {"INVALID"}, payload
    assert field in [e["field"] for e in payload["errors"]], payload


BAD_SURVEYS = [
    ("negative count", [dict(SURVEY_COUNTS[0], dissatisfied=-1)], ["counts", "0", "dissatisfied"]),
    ("no ratings", [dict(SURVEY_COUNTS[0], satisfied=0, basicallySatisfied=0, dissatisfied=0)], ["counts", "0"]),
    ("group twice", [SURVEY_COUNTS[0], SURVEY_COUNTS[0]], ["counts", "1"]),
    ("no groups", [], ["counts"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("counts", "field"), [b[1:] for b in BAD_SURVEYS], ids=[b[0] for b in BAD_SURVEYS]
)
def test_bad_survey_counts_are_invalid(
    running: Running, rows: Rows, staged: dict[str, dict], counts: list, field: list[str]
) -> None:
    assessed = staged["self_assessed"]
    with rows.unchanged():
        payload = mutate(
            running,
            SURVEY,
            {"id": assessed["id"], "heldOn": f"{assessed['year']}-05-01", "counts": counts},
        )
    assert payload["assessment"] is None
    assert codes(payload) == {"INVALID"}, payload
    assert field in [e["field"] for e in payload["errors"]], payload


SURVEY_TIMES = {
    "not yet held": lambda year: dt.date.today() + dt.timedelta(days=1),
    "before its year": lambda year: dt.date(year - 1, 12, 31),
    "after the next June": lambda year: dt.date(year + 1, 7, 1),
}


@pytest.mark.parametrize("when", sorted(SURVEY_TIMES))
def test_a_survey_out_of_its_time_is_invalid(
    running: Running, rows: Rows, staged: dict[str, dict], when: str
) -> None:
    """The survey happened (not in the future), in the assessment's year or January-June of
    the next: a year's grading may be finished early the next year (plan: 5月中旬以前)."""
    assessed = staged["self_assessed"]
    held_on = SURVEY_TIMES[when](assessed["year"]).isoformat()
    with rows.unchanged():
        payload = mutate(
            running, SURVEY, {"id": assessed["id"], "heldOn": held_on, "counts": SURVEY_COUNTS}
        )
    assert payload["assessment"] is None
    assert codes(payload) == {"INVALID"}, payload
    assert [e["field"] for e in payload["errors"]] == [["heldOn"]], payload
    assert payload["errors"][0]["message"] and payload["errors"][0]["messageEn"]


def test_a_survey_early_the_next_year_is_taken(running: Running, staged: dict[str, dict]) -> None:
    """The last day of the window (June 30 of the next year) counts; so does the year's first."""
    surveyed = staged["surveyed"]
    for held_on in (f"{surveyed['year'] + 1}-06-30", f"{surveyed['year']}-01-01"):
        payload = mutate(
            running, SURVEY, {"id": surveyed["id"], "heldOn": held_on, "counts": SURVEY_COUNTS}
        )
        assert payload["errors"] == [], payload
        assert payload["assessment"]["survey"]["heldOn"] == held_on


def test_a_bad_determination_is_invalid(
    running: Running, rows: Rows, staged: dict[str, dict]
) -> None:
    """The grade must be one of the assessment's standard, and a reason is always given (a
    grade differing from the computed one needs it anyway)."""
    surveyed = staged["surveyed"]
    grade = surveyed["standard"]["grades"][-1]["id"]
    cases = [
        ({"grade": "excellent-ish", "reason": "认定"}, ["gradeId"]),
        ({"grade": grade, "reason": "   "}, ["reason"]),
        (
            {"grade": grade, "reason": "认定", "ownerUser": "王", "ownerRole": "STREET"},
            ["goalsOwner"],
        ),
        (
            {"grade": grade, "reason": "认定", "due": f"{surveyed['year'] - 1}-12-31"},
            ["goalsDueOn"],
        ),
        # In the assessment's year, but before today: the goals would be overdue at birth.
        ({"grade": grade, "reason": "认定", "due": f"{surveyed['year']}-10-31"}, ["goalsDueOn"]),
    ]
    with rows.unchanged():
        for extra, field in cases:
            payload = mutate(running, DETERMINE, {"id": surveyed["id"], **extra})
            assert payload["assessment"] is None
            assert codes(payload) == {"INVALID"}, (extra, payload)
            assert field in [e["field"] for e in payload["errors"]], payload
            if field == ["gradeId"]:  # the grades offered by name, never by raw id
                message = payload["errors"][0]["message"]
                for g in surveyed["standard"]["grades"]:
                    assert g["name"] in message and g["id"] not in message, message


def test_free_text_with_a_control_character_or_too_long_is_invalid(
    running: Running, rows: Rows, staged: dict[str, dict]
) -> None:
    """A NUL (Postgres refuses it in text) or an over-long note or reason is INVALID with the
    field named, in zh and en, and nothing is written — at every step that takes text."""
    fresh, assessed, surveyed = staged["fresh"], staged["self_assessed"], staged["surveyed"]
    too_long = "长" * (MAX_NOTE + 1)
    scores = full_self_scores(fresh)
    bad_score_note = [scores[0] | {"note": "a\x00b"}, *scores[1:]]
    held_on = f"{assessed['year']}-05-08"
    grade = surveyed["standard"]["grades"][0]["id"]
    cases = [
        (SELF_ASSESS, {"id": fresh["id"], "scores": scores, "note": too_long}, ["note"]),
        (SELF_ASSESS, {"id": fresh["id"], "scores": bad_score_note}, ["scores", "0", "note"]),
        (SURVEY, {"id": assessed["id"], "heldOn": held_on, "counts": SURVEY_COUNTS, "note": "\x1b[31m"}, ["note"]),
        (SURVEY, {"id": assessed["id"], "heldOn": held_on, "counts": SURVEY_COUNTS, "note": too_long}, ["note"]),
        (DETERMINE, {"id": surveyed["id"], "grade": grade, "reason": "认定\x00"}, ["reason"]),
        (DETERMINE, {"id": surveyed["id"], "grade": grade, "reason": too_long}, ["reason"]),
    ]  # fmt: skip
    goals = staged["determined"]["goals"]
    assert goals, "the demo community has gaps: its determination made goals"
    cases += [
        (UPDATE_GOAL, {"id": goals[0]["id"], "text": "补齐\x00"}, ["text"]),
        (UPDATE_GOAL, {"id": goals[0]["id"], "text": "长" * (MAX_LINE + 1)}, ["text"]),
    ]
    with rows.unchanged():
        for query, variables, field in cases:
            payload = mutate(running, query, variables)
            assert codes(payload) == {"INVALID"}, (field, payload)
            assert [e["field"] for e in payload["errors"]] == [field], payload
            assert all(e["message"] and e["messageEn"] for e in payload["errors"])
            assert next(v for k, v in payload.items() if k != "errors") is None


def test_a_preview_of_a_year_beyond_the_plan_is_invalid(
    running: Running, community: Community
) -> None:
    """gradingPreview is a plan view: 2000 to 50 years ahead (services/assess/shared/dates.py); a
    year past 9999 is no date at all and must not surface as an internal error."""
    for year in (10000, dt.date.today().year + 51, 1999):
        result = running.post(running.gateway, PREVIEW, {"code": community.code, "year": year})
        assert result["errors"][0]["extensions"]["code"] == "INVALID", (year, result)
        assert result["errors"][0]["extensions"]["field"] == ["year"]


def test_bad_openings_and_goal_edits_are_refused(
    running: Running, rows: Rows, staged: dict[str, dict], community: Community
) -> None:
    fresh, determined = staged["fresh"], staged["determined"]
    unknown = DISTRICT.region + "999999"  # in the district's range, no such community
    year, tomorrow = determined["year"], (dt.date.today() + dt.timedelta(days=1)).isoformat()
    next_year = dt.date.today().year + 1
    cases = [
        (OPEN, {"code": community.code, "year": fresh["year"]}, "CONFLICT", ["communityCode"]),
        (OPEN, {"code": unknown, "year": KEPT_YEARS[0]}, "NOT_FOUND", ["communityCode"]),
        # A malformed code is refused before the write (tests/gateway/auth/test_region_codes.py).
        (OPEN, {"code": community.code, "year": 1999}, "INVALID", ["year"]),
        (OPEN, {"code": community.code, "year": next_year}, "INVALID", ["year"]),  # not yet
        (SELF_ASSESS, {"id": "00000000-0000-0000-0000-000000000000", "scores": []}, "NOT_FOUND", ["assessmentId"]),
        (UPDATE_GOAL, {"id": "00000000-0000-0000-0000-000000000000", "text": "x"}, "NOT_FOUND", ["id"]),
    ]  # fmt: skip
    if determined["goals"]:
        goal = determined["goals"][0]["id"]
        cases += [
            (UPDATE_GOAL, {"id": goal, "text": "  "}, "INVALID", ["text"]),
            (UPDATE_GOAL, {"id": goal, "ownerUser": "王", "ownerRole": "STREET"}, "INVALID", ["owner"]),
            (UPDATE_GOAL, {"id": goal, "dueOn": f"{year - 1}-12-31"}, "INVALID", ["dueOn"]),
            # In the goal's year, but before the day it was made (determined today).
            (UPDATE_GOAL, {"id": goal, "dueOn": f"{year}-10-31"}, "INVALID", ["dueOn"]),
            (UPDATE_GOAL, {"id": goal, "doneOn": f"{year}-06-01"}, "INVALID", ["doneOn"]),
            (UPDATE_GOAL, {"id": goal, "status": "DONE", "doneOn": f"{year - 1}-12-31"}, "INVALID", ["doneOn"]),
            # Done is what happened: not tomorrow (a due date, a plan, may lie ahead).
            (UPDATE_GOAL, {"id": goal, "status": "DONE", "doneOn": tomorrow}, "INVALID", ["doneOn"]),
        ]  # fmt: skip
    with rows.unchanged():
        for query, variables, code, field in cases:
            payload = mutate(running, query, variables)
            assert codes(payload) == {code}, (variables, payload)
            assert field in [e["field"] for e in payload["errors"]], payload
            assert next(v for k, v in payload.items() if k != "errors") is None


def test_a_survey_may_be_corrected_until_the_determination(
    running: Running, staged: dict[str, dict]
) -> None:
    """The survey is recorded again (a counting error corrected) until the grade is set."""
    surveyed = staged["surveyed"]
    corrected = [dict(SURVEY_COUNTS[0], dissatisfied=SURVEY_COUNTS[0]["dissatisfied"] + 1)]
    payload = mutate(
        running,
        SURVEY,
        {"id": surveyed["id"], "heldOn": f"{surveyed['year']}-05-02", "counts": corrected},
    )
    assert payload["errors"] == [], payload
    survey = payload["assessment"]["survey"]
    assert survey["heldOn"] == f"{surveyed['year']}-05-02"
    assert [(c["respondents"], c["dissatisfied"]) for c in survey["counts"]] == [
        ("MEMBERS", corrected[0]["dissatisfied"])
    ]
    assert [s["step"] for s in payload["assessment"]["snapshots"]] == [
        "OPENED",
        "SELF_ASSESSED",
        "SURVEYED",
    ]


LOAD = """mutation ($document: String!) { loadGradingStandard(document: $document, makeCurrent: true) {
  standard { id } errors { code } } }"""


def test_an_assessment_keeps_the_standard_it_was_opened_under(
    running: Running, rows: Rows, community: Community
) -> None:
    """DOMAIN "Assessment" / issue 7: a district user loads a new version; past assessments
    keep theirs. Self-scores are checked against the assessment's own standard."""
    old = read_standard()
    kept = _open(running, community.code, KEPT_YEARS[1])
    data = yaml.safe_load(DEFAULT_STANDARD_FILE.read_text(encoding="utf-8"))
    data["version"] = old.version + 1
    data["indicators"][0]["weight"] -= 1  # P1 loses a point to P2
    data["indicators"][1]["weight"] += 1
    document = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    try:
        loaded = mutate(running, LOAD, {"document": document})
        assert loaded["errors"] == [], loaded
        new_id = loaded["standard"]["id"]
        assert new_id != old.key
        again = gql(
            running,
            "query ($id: ID!) { assessment(id: $id) { standard { id } } }",
            {"id": kept["id"]},
        )
        assert again["assessment"]["standard"]["id"] == old.key
        fresh = _open(running, community.code, KEPT_YEARS[0])
        assert fresh["standard"]["id"] == new_id
        # The old assessment's first indicator still weighs what it did: its full weight is
        # a valid self-score there, and above the new weight.
        assert full_self_scores(kept)[0]["score"] > full_self_scores(fresh)[0]["score"]
        assessed = _self_assess(running, kept)
        assert assessed["selfAssessment"]["scores"][0]["maxScore"] == old.indicators[0].weight
        too_much = full_self_scores(fresh)
        too_much[0]["score"] = old.indicators[0].weight
        refused = mutate(running, SELF_ASSESS, {"id": fresh["id"], "scores": too_much})
        assert codes(refused) == {"INVALID"}, refused
    finally:
        rows.clean()
        with rows.engine.begin() as conn:
            conn.execute(text("DELETE FROM assess.standard WHERE id <> :id"), {"id": old.key})
            conn.execute(
                text("UPDATE assess.standard SET is_default = true WHERE id = :id"), {"id": old.key}
            )
    assert gql(running, "{ gradingStandard { id } }")["gradingStandard"]["id"] == old.key
