"""The processes a test session runs, as the tests see them."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from infra.supervisor import Supervisor


@dataclass(frozen=True)
class Running:
    """GraphQL URLs of the processes started for the session."""

    subgraphs: dict[str, str]
    gateway: str
    supervisor: Supervisor

    def post(self, url: str, query: str, variables: dict | None = None) -> dict:
        response = httpx.post(url, json={"query": query, "variables": variables}, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()
