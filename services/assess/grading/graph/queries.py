"""The grading workflow per community and year in the graph, read: an assessment by id or by
community and year, assessments and improvement goals under a region (as far as the caller
sees), the computed score an assessment opened now would start from, and who may take each
step. Types: grading/graph/types.py; the steps: grading/graph/steps.py.

Reads take any year: none is stored for a year to come (the steps refuse one), and the
preview is the live score of a plan year (2000 to 50 years ahead, like the milestones' plan
view, which derives from it; INVALID otherwise).
Domain rules live in services/assess/grading/workflow.py; here: who the caller is, scope, and types.
"""

from __future__ import annotations

import datetime as dt

import strawberry

from services.assess.grading import assessing
from services.assess.grading import reads as grading_reads
from services.assess.grading import workflow as grading
from services.assess.grading.context import Info
from services.assess.grading.graph.types import (
    Assessment,
    AssessmentConnection,
    AssessmentState,
    GoalStatus,
    GradingAction,
    GradingSnapshot,
    GradingTransition,
    ImprovementGoal,
    ImprovementGoalConnection,
    measure_or_refuse,
)
from services.assess.shared.document_owners import district_of
from services.assess.shared.graph import parse_id, plan_year
from services.common.auth import caller, is_region_code
from services.common.pagination import EMPTY_PAGE, connection

# -- helpers ----------------------------------------------------------------------------------


def _scoped(info: Info, region_code: str) -> str | None:
    """The part of the tree under `region_code` the caller sees; None: nothing."""
    if not is_region_code(region_code):
        return None
    return caller(info).narrow(region_code)


# -- queries ----------------------------------------------------------------------------------


@strawberry.type
class GradingQueries:
    @strawberry.field(description="An assessment by id (in the caller's scope).")
    async def assessment(self, info: Info, id: strawberry.ID) -> Assessment | None:
        key = parse_id(id)
        row = await info.context.loaders.grading_assessment.load(key) if key else None
        if row is None or not caller(info).covers(row["community_code"]):
            return None
        return Assessment.from_row(row)

    @strawberry.field(description="A community's assessment of a year.")
    async def community_assessment(
        self, info: Info, community_code: str, year: int
    ) -> Assessment | None:
        if not caller(info).covers(community_code):
            return None
        async with info.context.engine.connect() as conn:
            row = await grading_reads.assessment_of(conn, community_code, year)
        return Assessment.from_row(row) if row else None

    @strawberry.field(
        description="Assessments of the communities under a district, street or community "
        "(as far as the caller sees), by year and community."
    )
    async def assessments(
        self,
        info: Info,
        region_code: str,
        year: int | None = None,
        state: AssessmentState | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> AssessmentConnection:
        scoped = _scoped(info, region_code)
        if scoped is None:
            return connection(EMPTY_PAGE, Assessment.from_row, AssessmentConnection)
        async with info.context.engine.connect() as conn:
            page = await grading_reads.list_assessments(
                conn,
                scoped,
                year=year,
                state=state.value if state else None,
                first=first,
                after=after,
            )
        return connection(page, Assessment.from_row, AssessmentConnection)

    @strawberry.field(
        description="Improvement goals of the communities under a region, by community, year "
        "and indicator; with `overdueOn`, only the open ones due before that day."
    )
    async def improvement_goals(  # noqa: PLR0913 -- the GraphQL field's arguments (the schema stays as it is)
        self,
        info: Info,
        region_code: str,
        year: int | None = None,
        status: GoalStatus | None = None,
        overdue_on: dt.date | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> ImprovementGoalConnection:
        scoped = _scoped(info, region_code)
        if scoped is None:
            return connection(EMPTY_PAGE, ImprovementGoal.from_row, ImprovementGoalConnection)
        async with info.context.engine.connect() as conn:
            page = await grading_reads.list_goals(
                conn,
                scoped,
                year=year,
                status=status.value if status else None,
                overdue_on=overdue_on,
                first=first,
                after=after,
            )
        return connection(page, ImprovementGoal.from_row, ImprovementGoalConnection)

    @strawberry.field(
        description="A community's computed score now, from live data, under the current "
        "standard of its district (or `standardId`): what an assessment opened now would "
        "start from."
    )
    async def grading_preview(
        self,
        info: Info,
        community_code: str,
        year: int,
        standard_id: strawberry.ID | None = None,
    ) -> GradingSnapshot | None:
        plan_year(year)
        if not (is_region_code(community_code) and caller(info).covers(community_code)):
            return None
        rows = await assessing.standard_rows(
            info.context.engine,
            str(standard_id) if standard_id else None,
            district_of(community_code),
        )
        if rows is None:
            return None
        values = await measure_or_refuse(info, rows, community_code, year)
        return GradingSnapshot.from_values(values, rows.standard["grades"])

    @strawberry.field(description="Who may take each step of the grading workflow.")
    def grading_transitions(self) -> list[GradingTransition]:
        return [
            GradingTransition(
                action=GradingAction(t.step.value),
                name=t.name,
                name_en=t.name_en,
                from_state=AssessmentState(t.before) if t.before else None,
                to_state=AssessmentState(t.after) if t.after else None,
                roles=sorted(r.value for r in t.roles),
            )
            for t in grading.TRANSITIONS
        ]


QUERY_TYPES = (GradingQueries,)
MUTATION_TYPES: tuple[type, ...] = ()
TYPES: list[type] = []
