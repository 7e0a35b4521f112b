"""The steps of the grading workflow in the graph (mutations): open → self-assess → survey →
determine, each storing the computed score beside it, and edits of the improvement goals the
gaps become. Types: grading/graph/types.py; reads: grading/graph/queries.py.

Domain rules live in services/assess/grading/workflow.py; here: who the caller is, scope, and the
reads of the graph a step needs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection

from services.assess.grading import assessing, goal_due, goals
from services.assess.grading import reads as grading_reads
from services.assess.grading import workflow as grading
from services.assess.grading.context import Info
from services.assess.grading.graph.types import (
    Assessment,
    AssessmentPayload,
    GoalOwnerRole,
    GoalStatus,
    ImprovementGoal,
    ImprovementGoalPayload,
    SelfScoreInput,
    SurveyCountInput,
    measure_or_refuse,
)
from services.assess.shared import dates
from services.assess.shared.document_owners import district_of
from services.assess.shared.graph import caller_community, parse_id
from services.assess.shared.text import MAX_NOTE, clean_text
from services.common.auth import caller, require_found_in_scope, require_role
from services.common.errors import (
    DomainError,
    UserErrorCode,
    not_found,
    refuse_all,
    run_write,
)


async def _standard_of(info: Info, row: dict) -> assessing.StandardRows:
    rows = await assessing.standard_rows(
        info.context.engine, row["standard_id"], district_of(row["community_code"])
    )
    if rows is None:  # the foreign key keeps it; guard anyway
        raise not_found("评价标准", "standard", row["standard_id"], "assessmentId")
    return rows


# A step's write, prepared: lock, check the state again, store.
Write = Callable[[AsyncConnection], Awaitable[dict]]


async def _assessment_payload(
    info: Info, prepare: Callable[[], Awaitable[Write]]
) -> AssessmentPayload:
    """`prepare` does the slow work (standard, org and grid, checks) with no transaction open and
    returns the write, which locks the row, checks its state again and only stores: a step
    holds neither the row lock nor a second pooled connection while org or grid answers."""
    try:
        write = await prepare()
    except DomainError as refused:
        return AssessmentPayload(assessment=None, errors=refused.user_errors())
    row, errors = await run_write(info.context.engine, write, grading.CONSTRAINT_ERRORS)
    return AssessmentPayload(assessment=Assessment.from_row(row) if row else None, errors=errors)


async def _peek_row(info: Info, assessment_id: strawberry.ID) -> dict:
    """The assessment a step acts on, unlocked (to prepare the step), in the caller's scope
    (one outside it is NOT_FOUND, like an unknown id)."""
    key = parse_id(assessment_id)
    async with info.context.engine.connect() as conn:
        found = await grading_reads.assessments_by_id(conn, [key]) if key is not None else [None]
    unknown = not_found("分类定级", "assessment", assessment_id, "assessmentId")
    if found[0] is None:
        raise unknown
    require_found_in_scope(caller(info), found[0]["community_code"], unknown)
    return found[0]


async def _step_row(conn: AsyncConnection, peeked: dict, step: grading.Step) -> dict:
    """The assessment locked for the step, still in the state the step needs (a concurrent
    step may have moved it while this one was prepared)."""
    row = await grading.assessment_or_refuse(conn, peeked["id"])
    grading.expect_step(row, step)
    return row


def _require(info: Info, step: grading.Step) -> str:
    identity = caller(info)
    may = grading.MAY[step]
    require_role(identity, may.roles, what_zh=f"进行“{may.name}”", what_en=may.name_en)
    return identity.subject


# -- mutations --------------------------------------------------------------------------------
# Each step prepares with no transaction open (scope, state, the standard, the checks, the
# computed score from org and grid), then writes: lock the row, check its state again, store.


@strawberry.type
class GradingMutations:
    @strawberry.mutation(
        description="Open a community's assessment of a year under the current standard "
        "(secretary of the community, its street office, or the district)."
    )
    async def open_assessment(
        self, info: Info, community_code: str, year: int
    ) -> AssessmentPayload:
        by = _require(info, grading.Step.OPEN)
        engine = info.context.engine

        async def prepare() -> Write:
            await caller_community(info.context.peers.org, caller(info), community_code)
            dates.check_year(year, dates.today())
            async with engine.connect() as conn:
                if await grading_reads.assessment_of(conn, community_code, year) is not None:
                    raise grading.CONSTRAINT_ERRORS["assessment_once_a_year"]
            rows = await assessing.standard_rows(engine, None, district_of(community_code))
            if rows is None:
                raise DomainError(
                    UserErrorCode.NOT_FOUND, "尚无现行评价标准", "No current grading standard"
                )
            snapshot = await measure_or_refuse(info, rows, community_code, year)

            async def write(conn: AsyncConnection) -> dict:
                # A concurrent open of the same year hits assessment_once_a_year (CONFLICT).
                return await grading.open_assessment(
                    conn,
                    community_code=community_code,
                    year=year,
                    standard_id=rows.standard["id"],
                    by=by,
                    snapshot=snapshot,
                )

            return write

        return await _assessment_payload(info, prepare)

    @strawberry.mutation(
        description="自查自评: a self-score (0 to the indicator's weight) and note for every "
        "indicator of the assessment's standard; the assessment moves on to the opinion survey."
    )
    async def record_self_assessment(
        self,
        info: Info,
        assessment_id: strawberry.ID,
        scores: list[SelfScoreInput],
        note: str = "",
    ) -> AssessmentPayload:
        by = _require(info, grading.Step.SELF_ASSESS)

        async def prepare() -> Write:
            peeked = await _peek_row(info, assessment_id)
            grading.expect_step(peeked, grading.Step.SELF_ASSESS)
            rows = await _standard_of(info, peeked)
            given = [
                grading.SelfScoreInput(
                    s.indicator_code,
                    s.score,
                    clean_text(s.note, ["scores", str(i), "note"], MAX_NOTE, what_zh="自评说明")
                    or "",
                )
                for i, s in enumerate(scores)
            ]
            self_note = clean_text(note, "note", MAX_NOTE, what_zh="自查说明") or ""
            grading.check_self_scores(rows.indicators, given)
            snapshot = await measure_or_refuse(info, rows, peeked["community_code"], peeked["year"])

            async def write(conn: AsyncConnection) -> dict:
                row = await _step_row(conn, peeked, grading.Step.SELF_ASSESS)
                return await grading.record_self_assessment(
                    conn, row, given, note=self_note, by=by, snapshot=snapshot
                )

            return write

        return await _assessment_payload(info, prepare)

    @strawberry.mutation(
        description="党员群众民意测评: members' and residents' ratings (street office or "
        "district); may be recorded again to correct it until the grade is determined."
    )
    async def record_opinion_survey(
        self,
        info: Info,
        assessment_id: strawberry.ID,
        held_on: dt.date,
        counts: list[SurveyCountInput],
        note: str = "",
    ) -> AssessmentPayload:
        by = _require(info, grading.Step.SURVEY)

        async def prepare() -> Write:
            peeked = await _peek_row(info, assessment_id)
            grading.expect_step(peeked, grading.Step.SURVEY)
            given = [
                grading.SurveyInput(
                    c.respondents.value, c.satisfied, c.basically_satisfied, c.dissatisfied
                )
                for c in counts
            ]
            grading.check_survey(given, held_on=held_on, year=peeked["year"], today=dates.today())
            survey_note = clean_text(note, "note", MAX_NOTE, what_zh="测评说明") or ""
            rows = await _standard_of(info, peeked)
            snapshot = await measure_or_refuse(info, rows, peeked["community_code"], peeked["year"])

            async def write(conn: AsyncConnection) -> dict:
                row = await _step_row(conn, peeked, grading.Step.SURVEY)
                return await grading.record_survey(
                    conn, row, given, held_on=held_on, note=survey_note, by=by, snapshot=snapshot
                )

            return write

        return await _assessment_payload(info, prepare)

    @strawberry.mutation(
        description="办事处党工委认定等级: a grade of the assessment's standard with its reason "
        "(street office or district), after the self-assessment and the survey. Every "
        "indicator failing at this moment becomes an improvement goal, due by `goalsDueOn` "
        "(not before today; default: the year's 三有四化 deadline, or the end of the next "
        "quarter when that is later) and owned by `goalsOwnerUser` or "
        "`goalsOwnerRole` (default: the community secretary)."
    )
    async def determine_grade(  # noqa: PLR0913 -- the GraphQL field's arguments (the schema stays as it is)
        self,
        info: Info,
        assessment_id: strawberry.ID,
        grade_id: str,
        reason: str,
        goals_due_on: dt.date | None = None,
        goals_owner_user: str | None = None,
        goals_owner_role: GoalOwnerRole | None = None,
    ) -> AssessmentPayload:
        by = _require(info, grading.Step.DETERMINE)

        async def prepare() -> Write:
            peeked = await _peek_row(info, assessment_id)
            grading.expect_step(peeked, grading.Step.DETERMINE)
            grading.expect_surveyed(peeked)
            rows = await _standard_of(info, peeked)
            owner = grading.GoalOwner(
                goals_owner_user,
                goals_owner_role.value if goals_owner_role else None,
            )
            if owner.user is None and owner.role is None:
                owner = grading.GoalOwner(role=grading.DEFAULT_GOAL_OWNER_ROLE)
            # Blank is refused by check_determination ("needs its reason"), the rest here.
            why = clean_text(reason, "reason", MAX_NOTE, what_zh="认定理由") or ""
            grading.check_determination(rows.standard, grade_id, why, owner)
            made_on = dates.today()  # the goals are made today: never due before it
            due = goals_due_on or goal_due.default_due(peeked["year"], made_on)
            refuse_all(goal_due.check_due(due, peeked["year"], made_on, "goalsDueOn"))
            snapshot = await measure_or_refuse(info, rows, peeked["community_code"], peeked["year"])

            async def write(conn: AsyncConnection) -> dict:
                row = await _step_row(conn, peeked, grading.Step.DETERMINE)
                grading.expect_surveyed(row)
                return await grading.determine(
                    conn,
                    row,
                    grade_id=grade_id,
                    reason=why,
                    by=by,
                    snapshot=snapshot,
                    indicators=rows.indicators,
                    goals_due_on=due,
                    goals_owner=owner,
                )

            return write

        return await _assessment_payload(info, prepare)

    @strawberry.mutation(
        description="Edit an improvement goal (text, owner, due date) or mark it done "
        "(open → done)."
    )
    async def update_improvement_goal(  # noqa: PLR0913 -- the GraphQL field's arguments (the schema stays as it is)
        self,
        info: Info,
        id: strawberry.ID,
        text: str | None = None,
        owner_user: str | None = None,
        owner_role: GoalOwnerRole | None = None,
        due_on: dt.date | None = None,
        status: GoalStatus | None = None,
        done_on: dt.date | None = None,
    ) -> ImprovementGoalPayload:
        by = _require(info, grading.Step.EDIT_GOAL)

        async def write(conn: AsyncConnection) -> dict:
            key = parse_id(id)
            goal = await goals.goal_or_refuse(conn, key)
            unknown = not_found("整改目标", "improvement goal", key, "id")
            require_found_in_scope(caller(info), goal["community_code"], unknown)
            owner = None
            if owner_user is not None or owner_role is not None:
                owner = grading.GoalOwner(owner_user, owner_role.value if owner_role else None)
            change = goals.GoalChange(
                text=text,
                owner=owner,
                due_on=due_on,
                status=status.value if status else None,
                done_on=done_on,
            )
            return await goals.update_goal(conn, goal, change, by=by, today=dates.today())

        row, errors = await run_write(info.context.engine, write)
        return ImprovementGoalPayload(
            goal=ImprovementGoal.from_row(row) if row else None, errors=errors
        )


QUERY_TYPES: tuple[type, ...] = ()
MUTATION_TYPES = (GradingMutations,)
TYPES: list[type] = []
