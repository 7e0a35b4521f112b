"""Helpers of the grading and milestone tests: calls through the gateway, the demo district's
communities as org serves them, and the rows these tests own (their own years)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, pool, text

from services.common.auth import Identity, Role
from stack import DISTRICT, Running

ASSESSMENT_FIELDS = """id communityCode year state stateName openedBy
  standard { id grades { id name minScore } indicators { code weight } }
  selfAssessment { total score note recordedBy scores { indicatorCode score maxScore note } }
  survey { heldOn note satisfactionRate recordedBy
           counts { respondents satisfied basicallySatisfied dissatisfied total satisfactionRate } }
  determination { grade { id } reason determinedBy determinedAt computedScore computedGrade { id }
                  differsFromComputed }
  snapshots { step asOf score grade { id } meetsStandard passed
              results { indicatorCode value credit passed detail } }
  goals { id indicatorCode text ownerUser ownerRole dueOn status doneOn updatedBy }"""

ERRORS = "errors { code message messageEn field rule }"

OPEN = f"""mutation ($code: String!, $year: Int!) {{
  openAssessment(communityCode: $code, year: $year) {{ assessment {{ {ASSESSMENT_FIELDS} }} {ERRORS} }}
}}"""
SELF_ASSESS = f"""mutation ($id: ID!, $scores: [SelfScoreInput!]!, $note: String! = "") {{
  recordSelfAssessment(assessmentId: $id, scores: $scores, note: $note) {{
    assessment {{ {ASSESSMENT_FIELDS} }} {ERRORS} }}
}}"""
SURVEY = f"""mutation ($id: ID!, $heldOn: Date!, $counts: [SurveyCountInput!]!, $note: String! = "") {{
  recordOpinionSurvey(assessmentId: $id, heldOn: $heldOn, counts: $counts, note: $note) {{
    assessment {{ {ASSESSMENT_FIELDS} }} {ERRORS} }}
}}"""
DETERMINE = f"""mutation ($id: ID!, $grade: String!, $reason: String!, $due: Date,
                   $ownerUser: String, $ownerRole: GoalOwnerRole) {{
  determineGrade(assessmentId: $id, gradeId: $grade, reason: $reason, goalsDueOn: $due,
                 goalsOwnerUser: $ownerUser, goalsOwnerRole: $ownerRole) {{
    assessment {{ {ASSESSMENT_FIELDS} }} {ERRORS} }}
}}"""
UPDATE_GOAL = f"""mutation ($id: ID!, $text: String, $ownerUser: String, $ownerRole: GoalOwnerRole,
                   $dueOn: Date, $status: GoalStatus, $doneOn: Date) {{
  updateImprovementGoal(id: $id, text: $text, ownerUser: $ownerUser, ownerRole: $ownerRole,
                        dueOn: $dueOn, status: $status, doneOn: $doneOn) {{
    goal {{ id indicatorCode text ownerUser ownerRole dueOn status doneOn updatedBy }} {ERRORS} }}
}}"""
PREVIEW = """query ($code: String!, $year: Int!) {
  gradingPreview(communityCode: $code, year: $year) {
    score grade { id } meetsStandard results { indicatorCode passed } } }"""


@dataclass(frozen=True)
class Community:
    code: str
    name: str
    is_pilot: bool

    @property
    def street(self) -> str:
        return self.code[:9]


def communities(running: Running, region: str = DISTRICT.region) -> list[Community]:
    """The communities org serves under a region, by code."""
    data = gql(
        running,
        "query ($r: String!) { communities(regionCode: $r) { code name isPilot } }",
        {"r": region},
    )
    found = [Community(c["code"], c["name"], c["isPilot"]) for c in data["communities"]]
    return sorted(found, key=lambda c: c.code)


def gql(
    running: Running, query: str, variables: dict | None = None, who: Identity = DISTRICT
) -> dict[str, Any]:
    """A read through the gateway that must succeed."""
    result = running.post(running.gateway, query, variables or {}, identity=who)
    assert "errors" not in result, result
    return result["data"]


def mutate(
    running: Running, query: str, variables: dict, who: Identity = DISTRICT
) -> dict[str, Any]:
    """A mutation through the gateway; its payload."""
    (payload,) = gql(running, query, variables, who).values()
    return payload


def forbidden(running: Running, query: str, variables: dict, who: Identity) -> str:
    """The mutation is refused with FORBIDDEN; returns the reason (role or scope)."""
    result = running.post(running.gateway, query, variables, identity=who)
    assert result.get("errors"), result
    extensions = result["errors"][0]["extensions"]
    assert extensions["code"] == "FORBIDDEN", result
    return extensions["reason"]


def codes(payload: dict) -> set[str]:
    return {e["code"] for e in payload["errors"]}


def street_user(code: str) -> Identity:
    return Identity(f"test-street-{code}", Role.STREET, code[:9])


def secretary(code: str) -> Identity:
    return Identity(f"test-secretary-{code}", Role.SECRETARY, code)


def full_self_scores(assessment: dict) -> list[dict]:
    """A self-score for every indicator: its whole weight."""
    return [
        {"indicatorCode": i["code"], "score": i["weight"], "note": f"自评{i['code']}"}
        for i in assessment["standard"]["indicators"]
    ]


SURVEY_COUNTS = [
    {"respondents": "MEMBERS", "satisfied": 30, "basicallySatisfied": 8, "dissatisfied": 2},
    {"respondents": "RESIDENTS", "satisfied": 50, "basicallySatisfied": 20, "dissatisfied": 5},
]


class Rows:
    """The assess database as the assess role sees it: fingerprints and clean-up of the rows
    these tests own (by year)."""

    def __init__(self, url: str, years: list[int]) -> None:
        self.engine = create_engine(url, poolclass=pool.NullPool)
        self.years = years

    def clean(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                text("DELETE FROM assess.assessment WHERE year = ANY(:y)"), {"y": self.years}
            )
            conn.execute(
                text("DELETE FROM assess.milestone_attestation WHERE year = ANY(:y)"),
                {"y": self.years},
            )

    def fingerprint(self) -> list[tuple]:
        """Every row of the grading and milestone tables in these years, as text."""
        queries = [
            "SELECT 'a', a::text FROM assess.assessment a WHERE year = ANY(:y)",
            "SELECT 's', s::text FROM assess.self_score s JOIN assess.assessment a"
            " ON a.id = s.assessment_id WHERE a.year = ANY(:y)",
            "SELECT 'c', c::text FROM assess.survey_count c JOIN assess.assessment a"
            " ON a.id = c.assessment_id WHERE a.year = ANY(:y)",
            "SELECT 'n', n::text FROM assess.grading_snapshot n JOIN assess.assessment a"
            " ON a.id = n.assessment_id WHERE a.year = ANY(:y)",
            "SELECT 'g', g::text FROM assess.improvement_goal g WHERE year = ANY(:y)",
            "SELECT 'm', m::text FROM assess.milestone_attestation m WHERE year = ANY(:y)",
        ]
        with self.engine.connect() as conn:
            return sorted(
                tuple(r) for q in queries for r in conn.execute(text(q), {"y": self.years})
            )

    @contextmanager
    def unchanged(self) -> Iterator[None]:
        before = self.fingerprint()
        yield
        assert self.fingerprint() == before
