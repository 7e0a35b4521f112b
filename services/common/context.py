"""The context every subgraph's resolvers receive, as a typed object rather than a dict.

Each service subclasses `SubgraphContext` with its typed loaders and the clients its
resources yield (see `create_subgraph_app`), and annotates its resolvers' `info` with
`strawberry.Info[ItsContext]`, so a misspelt or missing context entry is a type error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from services.common.auth import Identity


@dataclass(kw_only=True)
class SubgraphContext:
    """What every request of every subgraph carries."""

    request: Any  # Starlette's Request (WebSocket never: subgraphs serve POST and GET)
    response: Any  # the Response Strawberry writes headers to
    identity: Identity  # the caller, set by the internal-token guard
    engine: AsyncEngine
