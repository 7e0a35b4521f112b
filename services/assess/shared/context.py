"""The resolver context every assess package can rely on: what every subgraph carries and the
gateway client. Each package with DataLoaders narrows it (`<package>/context.py`); the app's
`AssessContext` (services/assess/context.py) is all of them at once."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from services.assess.shared.gateway_client import GatewayClient
from services.common.context import SubgraphContext


@dataclass(kw_only=True)
class AssessBaseContext(SubgraphContext):
    gateway: GatewayClient  # org and grid, read through the gateway as the service


Info = strawberry.Info[AssessBaseContext]
