"""What grid asks the org subgraph: who an organization is, and who lives in which building.

Services talk through the graph: grid never reads org's schema. Assignments must point at a
live organization of the same community (a grid branch for a zone, a Party group for a
building); coverage ranks gaps by the Party members living in each building.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

ORGANIZATIONS = """query ($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on PartyOrganization { id name kind isLive community { code } } } }"""

RESIDENTS = """query ($codes: [String!]!) { residentCounts(communityCodes: $codes) {
  buildingId total selfManaged nonSelfManaged jointlyManaged notReportedIn } }"""

COMMUNITY_ORGANIZATIONS = """query ($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Community { code organization { id kind } } } }"""

BATCH = 2000  # representations per request: keeps each request and response moderate


class OrgUnavailableError(RuntimeError):
    """The org subgraph did not answer; callers decide whether that refuses a write."""


@dataclass(frozen=True)
class OrganizationFact:
    id: uuid.UUID
    name: str
    kind: str  # lower-case, as org stores it: grid_branch, party_group, ...
    community_code: str
    is_live: bool


@dataclass(frozen=True)
class Residents:
    total: int = 0
    self_managed: int = 0
    non_self_managed: int = 0
    jointly_managed: int = 0
    not_reported_in: int = 0


class OrgClient:
    """A small GraphQL client of the org subgraph over a shared pooled httpx client."""

    def __init__(self, url: str, client: httpx.AsyncClient) -> None:
        self._url = url
        self._client = client

    async def _query(self, query: str, variables: dict) -> dict:
        try:
            response = await self._client.post(
                self._url, json={"query": query, "variables": variables}
            )
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OrgUnavailableError(str(exc)) from exc
        if body.get("errors") or not body.get("data"):
            raise OrgUnavailableError(str(body.get("errors")))
        return body["data"]

    async def _entities(self, query: str, reps: list[dict]) -> list[dict | None]:
        found: list[dict | None] = []
        for start in range(0, len(reps), BATCH):
            data = await self._query(query, {"reps": reps[start : start + BATCH]})
            found += data["_entities"]
        return found

    async def organizations(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, OrganizationFact]:
        """Organizations org knows, by id (unknown ids are absent)."""
        reps = [{"__typename": "PartyOrganization", "id": str(i)} for i in ids]
        return {
            uuid.UUID(e["id"]): OrganizationFact(
                id=uuid.UUID(e["id"]),
                name=e["name"],
                kind=e["kind"].lower(),
                community_code=e["community"]["code"],
                is_live=e["isLive"],
            )
            for e in await self._entities(ORGANIZATIONS, reps)
            if e is not None
        }

    async def residents(self, community_codes: list[str]) -> dict[uuid.UUID, Residents]:
        """Party members living in each building of these communities, by management type, in
        one request; a building absent from the answer has none."""
        data = await self._query(RESIDENTS, {"codes": community_codes})
        return {
            uuid.UUID(c["buildingId"]): Residents(
                total=c["total"],
                self_managed=c["selfManaged"],
                non_self_managed=c["nonSelfManaged"],
                jointly_managed=c["jointlyManaged"],
                not_reported_in=c["notReportedIn"],
            )
            for c in data["residentCounts"]
        }

    async def community_kinds(self, codes: list[str]) -> dict[str, str | None]:
        """The kind of each community's own organization (committee, general branch, branch)."""
        reps = [{"__typename": "Community", "code": code} for code in codes]
        return {
            e["code"]: (e["organization"] or {}).get("kind", "").lower() or None
            for e in await self._entities(COMMUNITY_ORGANIZATIONS, reps)
            if e is not None
        }
