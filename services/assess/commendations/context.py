"""The context of the commendations' resolvers: their DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry

from services.assess.commendations import evaluation as commendations
from services.assess.commendations.facts import Bases
from services.assess.shared.context import AssessBaseContext
from services.common.loaders import LoaderSet, loader


class CommendationLoaders(LoaderSet):
    current_criteria = loader(commendations.current_criteria_ids)


@dataclass(kw_only=True)
class CommendationsContext(AssessBaseContext):
    loaders: CommendationLoaders
    # Communities' org and grid reads, once per request (a community's commendations page
    # asks its star board and its five goods in one document).
    community_bases: Bases = field(default_factory=dict)


Info = strawberry.Info[CommendationsContext]
