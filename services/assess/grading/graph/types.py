"""The types of the grading workflow in the graph: an assessment (分类定级) of one community
and year with its self-assessment, opinion survey, determination, the computed score stored at
each step, and the improvement goals its gaps became; inputs and payloads of the steps.

Queries: grading/graph/queries.py; the steps (mutations): grading/graph/steps.py.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

import strawberry

from services.assess.grading import assessing
from services.assess.grading import workflow as grading
from services.assess.grading.context import Info
from services.assess.shared import dates
from services.assess.shared.document_owners import district_of
from services.assess.standard.graph import Grade, GradingStandard, Indicator
from services.common.errors import DomainError, UserError, UserErrorCode
from services.common.pagination import Connection
from services.common.subgraph_client import SubgraphUnavailableError


@strawberry.enum(description="Where an assessment stands (plan: 自查自评 → 民意测评 → 认定等级).")
class AssessmentState(Enum):
    SELF_ASSESSMENT = "self_assessment"  # 自查自评
    OPINION_SURVEY = "opinion_survey"  # 党员群众民意测评
    DETERMINED = "determined"  # 办事处党工委认定等级


@strawberry.enum(description="The step a stored computed score was taken at.")
class GradingStep(Enum):
    OPENED = "opened"
    SELF_ASSESSED = "self_assessed"
    SURVEYED = "surveyed"
    DETERMINED = "determined"


@strawberry.enum(description="Who rated in the opinion survey.")
class SurveyRespondents(Enum):
    MEMBERS = "members"  # 党员
    RESIDENTS = "residents"  # 群众


@strawberry.enum(description="An improvement goal: open → done.")
class GoalStatus(Enum):
    OPEN = "open"
    DONE = "done"


@strawberry.enum(description="A role that owns an improvement goal.")
class GoalOwnerRole(Enum):
    SECRETARY = "secretary"  # 社区党组织书记
    STREET = "street"  # 办事处党工委
    DISTRICT = "district"  # 区委组织部


@strawberry.enum(description="A step of the grading workflow.")
class GradingAction(Enum):
    OPEN = "open"
    SELF_ASSESS = "self_assess"
    SURVEY = "survey"
    DETERMINE = "determine"
    EDIT_GOAL = "edit_goal"


@strawberry.type(description="Who may take a step of the grading workflow, from which state.")
class GradingTransition:
    action: GradingAction
    name: str
    name_en: str
    from_state: AssessmentState | None = strawberry.field(description="Null: none opened yet.")
    to_state: AssessmentState | None = strawberry.field(description="Null: the state stays.")
    roles: list[str] = strawberry.field(description="Roles that may take it, in their scope.")


def _grade(grades: list[dict], grade_id: str) -> Grade:
    found = next((g for g in grades if g["id"] == grade_id), None)
    if found is None:  # a grade id the standard lacks cannot be stored; keep the id visible
        return Grade(id=strawberry.ID(grade_id), name=grade_id, name_en=grade_id, min_score=0)
    return Grade(**found)


@strawberry.type(description="One indicator's result in a computed score.")
class GradingIndicatorResult:
    indicator_code: str
    value: float | None = strawberry.field(description="Measured share 0-1; null: no data.")
    credit: float = strawberry.field(description="Share of the weight earned, 0-1.")
    passed: bool
    detail: str = strawberry.field(description="What was counted (Chinese).")
    detail_en: str
    refs: list[str]


@strawberry.type(description="The computed score (assessing the live data) at one moment.")
class GradingSnapshot:
    step: GradingStep | None = strawberry.field(description="Null for a live score.")
    taken_at: dt.datetime | None
    as_of: dt.date
    score: float = strawberry.field(description="0-100.")
    grade: Grade
    meets_standard: bool = strawberry.field(description="三有四化: every indicator passes.")
    passed: int = strawberry.field(description="Indicators passed.")
    results: list[GradingIndicatorResult]

    @classmethod
    def from_values(cls, values: dict[str, Any], grades: list[dict]) -> GradingSnapshot:
        step = values.get("step")
        return cls(
            step=GradingStep(step) if step else None,
            taken_at=values.get("taken_at"),
            as_of=values["as_of"],
            score=float(values["score"]),
            grade=_grade(grades, values["grade_id"]),
            meets_standard=values["meets_standard"],
            passed=sum(1 for r in values["results"] if r["passed"]),
            results=[
                GradingIndicatorResult(
                    indicator_code=r["code"],
                    value=r["value"],
                    credit=r["credit"],
                    passed=r["passed"],
                    detail=r["detail"],
                    detail_en=r["detail_en"],
                    refs=list(r["refs"]),
                )
                for r in values["results"]
            ],
        )


@strawberry.type(description="A self-score of one indicator.")
class SelfScore:
    indicator_code: str
    score: float
    max_score: float = strawberry.field(description="The indicator's weight.")
    note: str


@strawberry.type(description="自查自评: the community's self-scores.")
class SelfAssessment:
    scores: list[SelfScore]
    total: float = strawberry.field(description="Sum of the self-scores (of the total weight).")
    score: float = strawberry.field(description="On 0-100, like the computed score.")
    note: str
    recorded_by: str
    recorded_at: dt.datetime


@strawberry.type(description="One group's ratings: 满意 / 基本满意 / 不满意.")
class SurveyCount:
    respondents: SurveyRespondents
    satisfied: int
    basically_satisfied: int
    dissatisfied: int
    total: int
    satisfaction_rate: float | None = strawberry.field(
        description="(满意 + 基本满意) / all ratings."
    )


@strawberry.type(description="党员群众民意测评.")
class OpinionSurvey:
    held_on: dt.date
    note: str
    counts: list[SurveyCount]
    satisfaction_rate: float | None = strawberry.field(description="Over every group's ratings.")
    recorded_by: str
    recorded_at: dt.datetime


@strawberry.type(description="办事处党工委认定等级, with the computed score beside it.")
class Determination:
    grade: Grade
    reason: str
    determined_by: str
    determined_at: dt.datetime
    computed_score: float
    computed_grade: Grade
    differs_from_computed: bool


@strawberry.type(description="A gap turned into a goal (找出差距和问题，制定目标和措施).")
class ImprovementGoal:
    id: strawberry.ID
    assessment_id: strawberry.ID
    community_code: str
    year: int
    indicator_code: str
    text: str
    owner_user: str | None = strawberry.field(description="A user name, or…")
    owner_role: GoalOwnerRole | None = strawberry.field(description="…a role.")
    due_on: dt.date
    status: GoalStatus
    done_on: dt.date | None
    updated_by: str
    updated_at: dt.datetime

    @strawberry.field(description="Open and due before the day (today by default).")
    def overdue(self, as_of: dt.date | None = None) -> bool:
        return self.status is GoalStatus.OPEN and self.due_on < (as_of or dates.today())

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ImprovementGoal:
        return cls(
            id=strawberry.ID(str(row["id"])),
            assessment_id=strawberry.ID(str(row["assessment_id"])),
            community_code=row["community_code"],
            year=row["year"],
            indicator_code=row["indicator_code"],
            text=row["text"],
            owner_user=row["owner_user"],
            owner_role=GoalOwnerRole(row["owner_role"]) if row["owner_role"] else None,
            due_on=row["due_on"],
            status=GoalStatus(row["status"]),
            done_on=row["done_on"],
            updated_by=row["updated_by"],
            updated_at=row["updated_at"],
        )


@strawberry.type(description="分类定级: one community's grading in one year.")
class Assessment:
    id: strawberry.ID
    community_code: str
    year: int
    state: AssessmentState
    state_name: str = strawberry.field(description="The state in Chinese.")
    opened_by: str
    opened_at: dt.datetime
    row: strawberry.Private[dict]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Assessment:
        return cls(
            id=strawberry.ID(str(row["id"])),
            community_code=row["community_code"],
            year=row["year"],
            state=AssessmentState(row["state"]),
            state_name=grading.STATE_NAMES[row["state"]][0],
            opened_by=row["opened_by"],
            opened_at=row["opened_at"],
            row=row,
        )

    async def _standard(self, info: Info) -> dict:
        row = await info.context.loaders.standard.load(self.row["standard_id"])
        assert row is not None  # an assessment's standard_id is a foreign key (RESTRICT)
        return row

    @strawberry.field(description="The standard it was opened under (kept for good).")
    async def standard(self, info: Info) -> GradingStandard:
        return GradingStandard.from_row(await self._standard(info))

    @strawberry.field
    async def self_assessment(self, info: Info) -> SelfAssessment | None:
        if self.row["self_assessed_at"] is None:
            return None
        rows = await info.context.loaders.grading_self_scores.load(self.row["id"])
        indicators = await info.context.loaders.indicators_of.load(self.row["standard_id"])
        weights = {i["code"]: float(i["weight"]) for i in indicators}
        order = {i["code"]: n for n, i in enumerate(indicators)}
        rows = sorted(rows, key=lambda r: order.get(r["indicator_code"], len(order)))
        total = sum(float(r["score"]) for r in rows)
        all_weight = sum(weights.values())
        return SelfAssessment(
            scores=[
                SelfScore(
                    indicator_code=r["indicator_code"],
                    score=float(r["score"]),
                    max_score=weights.get(r["indicator_code"], 0.0),
                    note=r["note"],
                )
                for r in rows
            ],
            total=round(total, 2),
            score=round(100 * total / all_weight, 2) if all_weight else 0.0,
            note=self.row["self_note"],
            recorded_by=self.row["self_assessed_by"],
            recorded_at=self.row["self_assessed_at"],
        )

    @strawberry.field
    async def survey(self, info: Info) -> OpinionSurvey | None:
        if self.row["surveyed_at"] is None:
            return None
        rows = await info.context.loaders.grading_survey_counts.load(self.row["id"])
        counts = [
            SurveyCount(
                respondents=SurveyRespondents(r["respondents"]),
                satisfied=r["satisfied"],
                basically_satisfied=r["basically_satisfied"],
                dissatisfied=r["dissatisfied"],
                total=r["satisfied"] + r["basically_satisfied"] + r["dissatisfied"],
                satisfaction_rate=grading.satisfaction_rate(
                    r["satisfied"], r["basically_satisfied"], r["dissatisfied"]
                ),
            )
            for r in rows
        ]
        return OpinionSurvey(
            held_on=self.row["survey_held_on"],
            note=self.row["survey_note"],
            counts=counts,
            satisfaction_rate=grading.satisfaction_rate(
                sum(c.satisfied for c in counts),
                sum(c.basically_satisfied for c in counts),
                sum(c.dissatisfied for c in counts),
            ),
            recorded_by=self.row["surveyed_by"],
            recorded_at=self.row["surveyed_at"],
        )

    @strawberry.field
    async def determination(self, info: Info) -> Determination | None:
        if self.row["determined_at"] is None:
            return None
        grades = (await self._standard(info))["grades"]
        snaps = await info.context.loaders.grading_snapshots.load(self.row["id"])
        computed = next(s for s in snaps if s["step"] == "determined")
        return Determination(
            grade=_grade(grades, self.row["grade_id"]),
            reason=self.row["reason"],
            determined_by=self.row["determined_by"],
            determined_at=self.row["determined_at"],
            computed_score=float(computed["score"]),
            computed_grade=_grade(grades, computed["grade_id"]),
            differs_from_computed=computed["grade_id"] != self.row["grade_id"],
        )

    @strawberry.field(description="The computed score stored at each step, in step order.")
    async def snapshots(self, info: Info) -> list[GradingSnapshot]:
        grades = (await self._standard(info))["grades"]
        snaps = await info.context.loaders.grading_snapshots.load(self.row["id"])
        return [GradingSnapshot.from_values(s, grades) for s in snaps]

    @strawberry.field(description="The computed score now, from live data, under its standard.")
    async def live_score(self, info: Info) -> GradingSnapshot:
        rows = await assessing.standard_rows(
            info.context.engine, self.row["standard_id"], district_of(self.community_code)
        )
        if rows is None:
            raise DomainError(UserErrorCode.NOT_FOUND, "评价标准缺失", "The standard is missing")
        values = await measure_or_refuse(info, rows, self.community_code, self.year)
        return GradingSnapshot.from_values(values, rows.standard["grades"])

    @strawberry.field(description="Improvement goals from its gaps, by indicator.")
    async def goals(self, info: Info) -> list[ImprovementGoal]:
        rows = await info.context.loaders.grading_goals.load(self.row["id"])
        return [ImprovementGoal.from_row(r) for r in rows]

    @strawberry.field(description="The indicators of its standard.")
    async def indicators(self, info: Info) -> list[Indicator]:
        rows = await info.context.loaders.indicators_of.load(self.row["standard_id"])
        return [Indicator.from_row(r) for r in rows]


@strawberry.type(description="A page of assessments.")
class AssessmentConnection(Connection[Assessment]):
    """Named so the schema shows one clear type."""


@strawberry.type(description="A page of improvement goals.")
class ImprovementGoalConnection(Connection[ImprovementGoal]):
    """Named so the schema shows one clear type."""


@strawberry.type
class AssessmentPayload:
    assessment: Assessment | None
    errors: list[UserError]


@strawberry.type
class ImprovementGoalPayload:
    goal: ImprovementGoal | None
    errors: list[UserError]


@strawberry.input(description="A self-score of one indicator, from 0 to its weight.")
class SelfScoreInput:
    indicator_code: str
    score: float
    note: str = ""


@strawberry.input(description="One group's ratings in the opinion survey.")
class SurveyCountInput:
    respondents: SurveyRespondents
    satisfied: int
    basically_satisfied: int
    dissatisfied: int


async def measure_or_refuse(
    info: Info, rows: assessing.StandardRows, community_code: str, year: int
) -> dict[str, Any]:
    """The computed score now, as stored with a step; UNAVAILABLE when org or grid cannot
    be read (no indicator is guessed, nothing is written)."""
    today = dates.today()
    try:
        scores = await assessing.assess(
            info.context.engine, info.context.peers, rows, [community_code], year, today
        )
    except SubgraphUnavailableError as down:
        raise down.refusal(
            "无法读取组织和网格数据，未作更改",
            "the organization and grid data cannot be read; nothing was changed",
        ) from down
    return grading.snapshot_values(scores[community_code], today)
