"""What every resolver of the assess subgraph receives: one typed context, every package's
DataLoaders.

Each package declares its loaders and the context its resolvers read (`<package>/context.py`;
`shared/context.py` for those without loaders); `AssessContext` is all of them at once, so
the app makes one per request and every resolver's `info: Info` is typed by its package.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.assess.commendations.context import CommendationLoaders, CommendationsContext
from services.assess.grading.context import GradingContext, GradingLoaders
from services.assess.records.context import RecordLoaders, RecordsContext


class AssessLoaders(GradingLoaders, RecordLoaders, CommendationLoaders):
    """Every package's DataLoaders (the standard's through grading's)."""


@dataclass(kw_only=True)
class AssessContext(GradingContext, RecordsContext, CommendationsContext):
    loaders: AssessLoaders
