"""How assess reads the rest of the graph: through the gateway, as itself.

Issue 7: computed indicators are "queried through the gateway with a service identity (never
by reading other services' tables)". The gateway accepts a service's signed internal token
(`partygrid-identity`, role `service`) and forwards it to org and grid, which let the service
read the whole tree and write nothing. Assess checks its own caller's scope before it asks.
"""

from __future__ import annotations

from typing import Any

import httpx

from services.common.app import internal_tokens
from services.common.auth import service_identity
from services.common.auth_tokens import InternalTokens

IDENTITY = service_identity("assess")


class GatewayUnavailableError(RuntimeError):
    """The gateway did not answer, or answered with errors; no indicator is guessed."""


class GatewayClient:
    """Posts GraphQL documents to the gateway over one pooled httpx client."""

    def __init__(
        self, url: str, client: httpx.AsyncClient, tokens: InternalTokens | None = None
    ) -> None:
        self._url = url
        self._client = client
        self._tokens = tokens or internal_tokens("assess")

    async def query(self, document: str, variables: dict[str, Any] | None = None) -> dict:
        """The `data` of a read; GatewayUnavailableError on transport errors or any error."""
        headers = self._tokens.headers(IDENTITY) if self._tokens else {}
        try:
            response = await self._client.post(
                self._url, json={"query": document, "variables": variables or {}}, headers=headers
            )
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise GatewayUnavailableError(f"gateway: {type(exc).__name__}") from exc
        if response.status_code != 200 or body.get("errors") or body.get("data") is None:
            raise GatewayUnavailableError(f"gateway: {body.get('errors') or response.status_code}")
        return body["data"]
