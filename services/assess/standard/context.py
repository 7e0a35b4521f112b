"""The context of the standard's resolvers: its DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from services.assess.shared.context import AssessBaseContext
from services.assess.standard import documents as standards
from services.common.loaders import LoaderSet, loader


class StandardLoaders(LoaderSet):
    standard = loader(standards.standards_by_id)
    current_standard = loader(standards.current_standard_ids)
    indicators_of = loader(standards.indicators_of)
    indicator = loader(standards.indicators_by_key)


@dataclass(kw_only=True)
class StandardContext(AssessBaseContext):
    loaders: StandardLoaders


Info = strawberry.Info[StandardContext]
