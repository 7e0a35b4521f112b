"""`/console/assessment/<community>`: a community's grading (分类定级) of a year (`?year=`,
the current one by default).

The page shows the standard's indicators, each with its computed value or the records it
counted (the assessment's live score, or `gradingPreview` before one is opened), the
assessment's stage and what comes next, the 自查自评 / 民意测评 / 认定 forms for the roles
whose writes the service accepts (gateway.console.permissions), the improvement goals and
the history of each step. Every write is the graph's own mutation; its typed errors come back
beside the field they name (a form field is named by the error's input path: `scores.3.score`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from gateway.console.graph import ERRORS, PageRefusalError, WriteResult
from gateway.console.nav import ASSESSMENT, RECORDS
from gateway.console.page import Page, console_route, iso_date
from gateway.console.permissions import may
from gateway.console.templating import when

PATH = ASSESSMENT + "/{code}"
RESPONDENTS = ("MEMBERS", "RESIDENTS")  # the survey form's groups, in this order
COUNT_FIELDS = ("satisfied", "basicallySatisfied", "dissatisfied")
OWNER_ROLES = ("SECRETARY", "STREET", "DISTRICT")  # GoalOwnerRole
# An attested indicator's `record` check (services/assess/records/checks.py RECORD_CHECKS) ->
# the RecordKind it reads, so the indicator links to exactly those records (a test compares
# the keys with assess's own checks and the values with its kinds).
RECORD_KINDS = {
    "training": "TRAINING",
    "funds": "FUNDS",
    "funds_use": "FUND_USE",
    "facilities": "FACILITY",
    "work_rule": "WORK_RULE",
    "co_building_agreement": "AGREEMENT",
    "work_system": "WORK_SYSTEM",
    "activities": "ACTIVITY",
}
GOAL_STATUSES = ("OPEN", "DONE")  # GoalStatus

_SCORE = """score passed meetsStandard asOf
  grade { id name nameEn }
  results { indicatorCode value credit passed detail detailEn refs }"""
_INDICATOR = """code group groupEn name nameEn measured metric record weight threshold
  planClause"""
_STANDARD = f"""id name nameEn totalWeight grades {{ id name nameEn minScore }}
  indicators {{ {_INDICATOR} }}"""
_GOAL = "id indicatorCode text ownerUser ownerRole dueOn status doneOn overdue updatedBy updatedAt"
_ASSESSMENT = f"""id year state stateName openedBy openedAt
  standard {{ {_STANDARD} }}
  selfAssessment {{ total score note recordedBy recordedAt
    scores {{ indicatorCode score maxScore note }} }}
  survey {{ heldOn note satisfactionRate recordedBy recordedAt
    counts {{ respondents satisfied basicallySatisfied dissatisfied total satisfactionRate }} }}
  determination {{ reason determinedBy determinedAt computedScore differsFromComputed
    grade {{ id name nameEn }} computedGrade {{ id name nameEn }} }}
  snapshots {{ step takenAt {_SCORE} }}
  liveScore {{ {_SCORE} }}
  goals {{ {_GOAL} }}"""

VIEW = f"""query ($code: String!, $year: Int!) {{
  community(code: $code) {{ code name nameEn }}
  communityAssessment(communityCode: $code, year: $year) {{ {_ASSESSMENT} }}
  gradingTransitions {{ action name nameEn fromState toState roles }}
}}"""

# Before an assessment is opened: what one opened now would start from.
PREVIEW = f"""query ($code: String!, $year: Int!) {{
  gradingStandard {{ {_STANDARD} }}
  gradingPreview(communityCode: $code, year: $year) {{ {_SCORE} }}
}}"""

_PAYLOAD = f"assessment {{ id state }} {ERRORS}"
OPEN = f"""mutation ($code: String!, $year: Int!) {{
  openAssessment(communityCode: $code, year: $year) {{ {_PAYLOAD} }}
}}"""
SELF_ASSESS = f"""mutation ($id: ID!, $scores: [SelfScoreInput!]!, $note: String!) {{
  recordSelfAssessment(assessmentId: $id, scores: $scores, note: $note) {{ {_PAYLOAD} }}
}}"""
SURVEY = f"""mutation ($id: ID!, $heldOn: Date!, $counts: [SurveyCountInput!]!, $note: String!) {{
  recordOpinionSurvey(assessmentId: $id, heldOn: $heldOn, counts: $counts, note: $note) {{
    {_PAYLOAD} }}
}}"""
DETERMINE = f"""mutation ($id: ID!, $grade: String!, $reason: String!, $due: Date,
    $owner: GoalOwnerRole) {{
  determineGrade(assessmentId: $id, gradeId: $grade, reason: $reason, goalsDueOn: $due,
    goalsOwnerRole: $owner) {{ {_PAYLOAD} }}
}}"""
UPDATE_GOAL = f"""mutation ($id: ID!, $text: String, $ownerRole: GoalOwnerRole, $dueOn: Date,
    $status: GoalStatus, $doneOn: Date) {{
  updateImprovementGoal(id: $id, text: $text, ownerRole: $ownerRole, dueOn: $dueOn,
    status: $status, doneOn: $doneOn) {{ goal {{ id }} {ERRORS} }}
}}"""

_YEAR = re.compile(r"\d{4}")


# -- reading the page's data ------------------------------------------------------------------


def _year(page: Page) -> int:
    """The year the page is about (`year`, posted or in the query): the current one when
    absent; 404 when it is no year (the graph judges its range)."""
    given = page.field("year") if page.form is not None else ""
    given = given or page.request.query_params.get("year", "")
    if not given:
        return dt.date.today().year
    if not _YEAR.fullmatch(given):
        raise PageRefusalError(404)
    return int(given)


def _found(answer: Any, key: str, page: Page) -> Any:
    """`data[key]` where null is a fair answer (nothing opened yet) unless the graph refused."""
    return answer.need(key, page) if answer.errors else answer.data.get(key)


async def _view(page: Page, code: str, year: int) -> dict[str, Any]:
    answer = await page.ask(VIEW, {"code": code, "year": year})
    community = answer.need("community", page)
    assessment = _found(answer, "communityAssessment", page)
    transitions = answer.data.get("gradingTransitions") or []
    if assessment is not None:
        standard, score = assessment["standard"], assessment["liveScore"]
    else:
        preview = await page.ask(PREVIEW, {"code": code, "year": year})
        standard = preview.need("gradingStandard", page)
        score = preview.need("gradingPreview", page)
    return {
        "community": community,
        "year": year,
        "assessment": assessment,
        "standard": standard,
        "score": score,
        "rows": _indicator_rows(standard, score),
        "transitions": {t["action"]: t for t in transitions},
        "next_steps": [
            t for t in transitions if assessment and t["fromState"] == assessment["state"]
        ],
        "history": _history(assessment, {t["action"]: t for t in transitions}, page.lang),
        "self_scores": {
            s["indicatorCode"]: s
            for s in ((assessment or {}).get("selfAssessment") or {}).get("scores", [])
        },
        "survey_values": _survey_values((assessment or {}).get("survey")),
        "records_path": f"{RECORDS}/{code}",
        "record_kinds": RECORD_KINDS,
        "page_url": page.url(f"{ASSESSMENT}/{code}", year=year),
    }


# The steps in order: the action naming it, its snapshot, and where its who and when are.
_STEPS = (
    ("OPEN", "OPENED", None, "openedBy", "openedAt"),
    ("SELF_ASSESS", "SELF_ASSESSED", "selfAssessment", "recordedBy", "recordedAt"),
    ("SURVEY", "SURVEYED", "survey", "recordedBy", "recordedAt"),
    ("DETERMINE", "DETERMINED", "determination", "determinedBy", "determinedAt"),
)


def _history(
    assessment: dict[str, Any] | None, transitions: dict[str, Any], lang: str
) -> list[dict[str, Any]]:
    """Each step taken: its name (the graph's), who, when (local time), the computed score
    stored with it, and what it recorded (`part`)."""
    if assessment is None:
        return []
    snapshots = {s["step"]: s for s in assessment["snapshots"]}
    taken = []
    for action, step, part_key, by, at in _STEPS:
        part = assessment if part_key is None else assessment[part_key]
        if part is None:
            continue
        named = transitions.get(action) or {}
        taken.append(
            {
                "action": action,
                "name": named.get("nameEn" if lang == "en" else "name", action),
                "by": part[by],
                "at": when(part[at]),
                "snapshot": snapshots.get(step),
                "part": part,
            }
        )
    return taken


def _survey_values(recorded: dict[str, Any] | None) -> dict[str, str]:
    """The survey recorded, as the form's fields (a correction starts from it)."""
    if recorded is None:
        return {}
    values = {"heldOn": recorded["heldOn"], "note": recorded["note"]}
    for count in recorded["counts"]:
        index = RESPONDENTS.index(count["respondents"])
        values.update({f"counts.{index}.{f}": str(count[f]) for f in COUNT_FIELDS})
    return values


def _indicator_rows(standard: dict[str, Any], score: dict[str, Any]) -> list[dict[str, Any]]:
    """Each indicator of the standard beside its result in `score` (points earned: the
    credit of its weight)."""
    results = {r["indicatorCode"]: r for r in score["results"]}
    rows = []
    for indicator in standard["indicators"]:
        result = results.get(indicator["code"])
        earned = result["credit"] * indicator["weight"] if result else None
        rows.append({**indicator, "result": result, "earned": earned})
    return rows


def _forms(page: Page, view: dict[str, Any]) -> dict[str, bool]:
    """Which forms this caller is shown: the role's (as the service decides) at the stage
    the step needs."""
    assessment = view["assessment"]
    state = assessment["state"] if assessment else None
    surveyed = bool(assessment and assessment["survey"])
    return {
        "show_open": assessment is None and may(page.identity, "grading_open"),
        "show_self": state == "SELF_ASSESSMENT" and may(page.identity, "grading_self"),
        "show_survey": state == "OPINION_SURVEY" and may(page.identity, "grading_survey"),
        "show_determine": state == "OPINION_SURVEY"
        and surveyed
        and may(page.identity, "grading_determine"),
        "show_goal_edit": state == "DETERMINED" and may(page.identity, "grading_goal"),
    }


def _render(
    page: Page,
    view: dict[str, Any],
    *,
    result: WriteResult | None = None,
    form: str = "",
    status: int = 200,
) -> Response:
    saved = page.request.query_params.get("saved", "")
    shown = _forms(page, view)
    return page.render(
        "assessment/assessment.html",
        status=status,
        **view,
        **shown,
        result=result,
        form=form,  # the form `result` belongs to
        # A refusal of a form this caller is not shown (a role the service refuses, a step
        # another user took meanwhile) is shown at the top, never lost.
        unplaced=result.placed(()) if result and not shown.get(f"show_{form}") else None,
        posted=dict(page.form or {}),
        saved=f"asm_saved_{saved}" if f"asm_saved_{saved}" in page.words else "",
        owner_roles=OWNER_ROLES,
        respondents=RESPONDENTS,
    )


async def show(page: Page) -> Response:
    code = page.community(page.request.path_params["code"])
    return _render(page, await _view(page, code, _year(page)))


# -- writes -----------------------------------------------------------------------------------


def _number(page: Page, name: str, problems: dict[str, list[str]]) -> float | None:
    text = page.field(name).strip()
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        problems[name] = [page.t("asm_not_a_number")]
        return None
    return value


def _count(page: Page, name: str, problems: dict[str, list[str]]) -> int | None:
    """A count of a group surveyed: blank is none (0), like an empty box on the paper form."""
    text = page.field(name).strip() or "0"
    if not text.isdecimal():  # the sign is the graph's to judge: only digits reach it
        problems[name] = [page.t("asm_not_a_whole_number")]
        return None
    return int(text)


def _date(page: Page, name: str, problems: dict[str, list[str]]) -> str | None:
    """A posted date (blank: None); one that is no date is the form's error."""
    text = page.field(name).strip()
    if not text:
        return None
    day = iso_date(text)
    if day is None:
        problems[name] = [page.t("asm_not_a_date")]
    return day


@dataclass
class Posted:
    """What a step's form posted, as read: which form, the fields it shows (an error naming
    another goes to the form's list), what could not be read, and how the names of what was
    sent map back to the form's (`rename`)."""

    form: str
    fields: set[str]
    problems: dict[str, list[str]] = field(default_factory=dict)
    rename: Callable[[dict[str, list[str]]], dict[str, list[str]]] | None = None


async def _write_step(
    page: Page, view: dict[str, Any], posted: Posted, send: tuple[str, dict[str, Any], str]
) -> Response:
    """Run one step's mutation (unless the form could not be read) and show the page again:
    after it went through, by a redirect (PRG); else with the errors beside their fields."""
    code, year = view["community"]["code"], view["year"]
    if posted.problems:
        result = WriteResult(payload=None, field_errors=posted.problems)
    else:
        result = await page.write(*send)
        if result.ok:
            return page.redirect(f"{ASSESSMENT}/{code}", year=year, saved=posted.form)
        if posted.rename is not None:
            result.field_errors = posted.rename(result.field_errors)
    result = result.placed(posted.fields)
    return _render(page, view, result=result, form=posted.form, status=422)


async def _assessment_of(page: Page) -> tuple[dict[str, Any], dict[str, Any]]:
    code = page.community(page.request.path_params["code"])
    view = await _view(page, code, _year(page))
    if view["assessment"] is None:
        raise PageRefusalError(404)
    return view, view["assessment"]


async def open_assessment(page: Page) -> Response:
    code = page.community(page.request.path_params["code"])
    view = await _view(page, code, _year(page))
    send = (OPEN, {"code": code, "year": view["year"]}, "openAssessment")
    return await _write_step(page, view, Posted("open", set()), send)


async def self_assess(page: Page) -> Response:
    view, assessment = await _assessment_of(page)
    problems: dict[str, list[str]] = {}
    scores, fields = [], {"note"}
    for i, indicator in enumerate(assessment["standard"]["indicators"]):
        name = f"scores.{i}"
        fields |= {f"{name}.score", f"{name}.note"}
        score = _number(page, f"{name}.score", problems)
        note = page.field(f"{name}.note")
        scores.append({"indicatorCode": indicator["code"], "score": score, "note": note})
    variables = {"id": assessment["id"], "scores": scores, "note": page.field("note")}
    send = (SELF_ASSESS, variables, "recordSelfAssessment")
    return await _write_step(page, view, Posted("self", fields, problems), send)


async def survey(page: Page) -> Response:
    view, assessment = await _assessment_of(page)
    problems: dict[str, list[str]] = {}
    held_on = _date(page, "heldOn", problems)
    counts, form_index = [], []  # form_index[i]: the form's group of counts[i]
    for index, respondents in enumerate(RESPONDENTS):
        names = [f"counts.{index}.{f}" for f in COUNT_FIELDS]
        if not any(page.field(n).strip() for n in names):
            continue  # a group not surveyed
        values = [_count(page, n, problems) for n in names]
        counts.append({"respondents": respondents, **dict(zip(COUNT_FIELDS, values, strict=True))})
        form_index.append(index)
    variables = {"id": assessment["id"], "heldOn": held_on, "counts": counts}
    variables["note"] = page.field("note")
    if held_on is None and "heldOn" not in problems:
        problems["heldOn"] = [page.t("asm_not_a_date")]
    fields = {"heldOn", "note"} | {
        f"counts.{i}.{f}" for i in range(len(RESPONDENTS)) for f in COUNT_FIELDS
    }
    send = (SURVEY, variables, "recordOpinionSurvey")

    def rename(errors: dict[str, list[str]]) -> dict[str, list[str]]:
        return _renumbered(errors, "counts", form_index)

    return await _write_step(page, view, Posted("survey", fields, problems, rename), send)


def _renumbered(
    errors: dict[str, list[str]], prefix: str, index: list[int]
) -> dict[str, list[str]]:
    """Errors on `prefix.<i>…` of what was sent, named by the form's own numbering (a group
    left blank was not sent, so the sent list's i is the form's index[i])."""
    renamed: dict[str, list[str]] = {}
    for key, messages in errors.items():
        parts = key.split(".")
        if len(parts) > 1 and parts[0] == prefix and parts[1].isdecimal():
            sent = int(parts[1])
            if sent < len(index):
                parts[1] = str(index[sent])
                if len(parts) == 2:  # a whole group's error: beside its first count
                    parts.append(COUNT_FIELDS[0])
        renamed.setdefault(".".join(parts), []).extend(messages)
    return renamed


async def determine(page: Page) -> Response:
    view, assessment = await _assessment_of(page)
    problems: dict[str, list[str]] = {}
    owner = page.field("goalsOwner") or None
    variables = {
        "id": assessment["id"],
        "grade": page.field("gradeId"),
        "reason": page.field("reason"),
        "due": _date(page, "goalsDueOn", problems),
        "owner": owner if owner in OWNER_ROLES else None,
    }
    send = (DETERMINE, variables, "determineGrade")
    fields = {"gradeId", "reason", "goalsDueOn", "goalsOwner"}
    return await _write_step(page, view, Posted("determine", fields, problems), send)


# -- improvement goals ------------------------------------------------------------------------


async def _goal_view(page: Page) -> tuple[dict[str, Any], dict[str, Any]]:
    view, assessment = await _assessment_of(page)
    wanted = page.request.path_params["goal"]
    goal = next((g for g in assessment["goals"] if g["id"] == wanted), None)
    if goal is None:
        raise PageRefusalError(404)
    return view, goal


def _render_goal(
    page: Page, view: dict[str, Any], goal: dict[str, Any], result: WriteResult | None = None
) -> Response:
    shown = _forms(page, view)
    # A refusal of the form this caller is not shown (a viewer posting anyway) at the top.
    in_form = bool(shown.get("show_goal_edit"))
    return page.render(
        "assessment/goal.html",
        status=200 if result is None else 422,
        **view,
        **shown,
        goal=goal,
        result=result if in_form else None,
        unplaced=result.placed(()) if result and not in_form else None,
        posted=dict(page.form or {}),
        owner_roles=OWNER_ROLES,
        goal_statuses=GOAL_STATUSES,
    )


async def goal_form(page: Page) -> Response:
    view, goal = await _goal_view(page)
    return _render_goal(page, view, goal)


async def update_goal(page: Page) -> Response:
    """Sends only what the form changed (the service checks each field it is given)."""
    view, goal = await _goal_view(page)
    problems: dict[str, list[str]] = {}
    variables: dict[str, Any] = {"id": goal["id"]}
    if page.field("text") != goal["text"]:
        variables["text"] = page.field("text")
    owner = page.field("owner")
    if owner in OWNER_ROLES and owner != goal["ownerRole"]:
        variables["ownerRole"] = owner
    due = _date(page, "dueOn", problems)
    if due is not None and due != goal["dueOn"]:
        variables["dueOn"] = due
    status = page.field("status")
    if status in GOAL_STATUSES and status != goal["status"]:
        variables["status"] = status
    done_on = _date(page, "doneOn", problems)
    if done_on is not None and done_on != goal["doneOn"]:
        variables["doneOn"] = done_on
    if problems:
        return _render_goal(page, view, goal, WriteResult(payload=None, field_errors=problems))
    result = await page.write(UPDATE_GOAL, variables, "updateImprovementGoal")
    if result.ok:
        code = view["community"]["code"]
        return page.redirect(f"{ASSESSMENT}/{code}", year=view["year"], saved="goal")
    fields = {"text", "owner", "dueOn", "status", "doneOn"}
    return _render_goal(page, view, goal, result.placed(fields))


ROUTES = [
    console_route(PATH, show),
    console_route(PATH + "/open", open_assessment, methods=("POST",)),
    console_route(PATH + "/self", self_assess, methods=("POST",)),
    console_route(PATH + "/survey", survey, methods=("POST",)),
    console_route(PATH + "/determine", determine, methods=("POST",)),
    console_route(PATH + "/goals/{goal}", goal_form),
    console_route(PATH + "/goals/{goal}", update_goal, methods=("POST",)),
]
