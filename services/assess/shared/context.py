"""The resolver context every assess package can rely on: what every subgraph carries and the
clients of org and grid. Each package with DataLoaders narrows it (`<package>/context.py`); the app's
`AssessContext` (services/assess/context.py) is all of them at once."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from services.assess.shared.peers import Peers
from services.common.context import SubgraphContext


@dataclass(kw_only=True)
class AssessBaseContext(SubgraphContext):
    peers: Peers  # org and grid, asked directly as the service


Info = strawberry.Info[AssessBaseContext]
