"""The subgraphs assess reads, each asked directly as the assess service.

The route (services/common/subgraph_client.py): a service reads another's data from the
subgraph that owns it, never through the gateway. Issue 7's rule stands: computed indicators
and every other fact assess needs are read from the graph "with a service identity (never by
reading other services' tables)". Assess checks its own caller's scope before it asks, then
reads as itself (`Sender.SERVICE`: the whole tree, no writes). The error rule is the client's:
no answer is a `SubgraphUnavailableError` naming the service, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from services.common.app import internal_tokens
from services.common.auth_tokens import InternalTokens
from services.common.subgraph_client import Sender, SubgraphClient


@dataclass(frozen=True)
class Peers:
    """org (organizations, members, regions) and grid (zones, buildings, coverage)."""

    org: SubgraphClient
    grid: SubgraphClient

    @classmethod
    def connect(
        cls,
        urls: dict[str, str],
        client: httpx.AsyncClient,
        tokens: InternalTokens | None = None,
    ) -> Peers:
        """Both clients over one pooled httpx client; `urls` by service name."""
        tokens = tokens or internal_tokens("assess")

        def one(service: str) -> SubgraphClient:
            return SubgraphClient(
                service, urls[service], client, "assess", tokens, identity=Sender.SERVICE
            )

        return cls(org=one("org"), grid=one("grid"))
