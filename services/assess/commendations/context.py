"""The context of the commendations' resolvers: their DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from services.assess.commendations import evaluation as commendations
from services.assess.shared.context import AssessBaseContext
from services.common.loaders import LoaderSet, loader


class CommendationLoaders(LoaderSet):
    current_criteria = loader(commendations.current_criteria_ids)


@dataclass(kw_only=True)
class CommendationsContext(AssessBaseContext):
    loaders: CommendationLoaders


Info = strawberry.Info[CommendationsContext]
