"""The context of the grading workflow's resolvers: its DataLoaders and the standard's (an
assessment shows the standard it was made under)."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from services.assess.grading import reads as grading_reads
from services.assess.standard.context import StandardContext, StandardLoaders
from services.common.loaders import loader


class GradingLoaders(StandardLoaders):
    grading_assessment = loader(grading_reads.assessments_by_id)
    grading_self_scores = loader(grading_reads.self_scores_of)
    grading_survey_counts = loader(grading_reads.survey_counts_of)
    grading_snapshots = loader(grading_reads.snapshots_of)
    grading_goals = loader(grading_reads.goals_of)


@dataclass(kw_only=True)
class GradingContext(StandardContext):
    loaders: GradingLoaders


Info = strawberry.Info[GradingContext]
