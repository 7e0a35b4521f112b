"""What grid asks the org subgraph: who an organization is, and who lives in which building.

Services talk through the graph: grid never reads org's schema. Assignments must point at a
live organization of the same community (a grid branch for a zone, a Party group for a
building); coverage ranks gaps by the Party members living in each building.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

from services.common.app import internal_tokens
from services.common.auth import current_identity, service_identity
from services.common.auth_tokens import InternalTokens

ORGANIZATIONS = """query ($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on PartyOrganization { id name kind isLive community { code } } } }"""

# Coverage needs both for the same regions, in one round trip; the resident figures come as
# columns (cheap for org to produce, see org's `regionResidents`).
COVERAGE_FACTS = """query ($regions: [String!]!) { regionResidents(regionCodes: $regions) {
  communities { code kind } buildingIds total notReportedIn } }"""

COMMUNITY_KINDS = """query ($regions: [String!]!) {
  communityKinds(regionCodes: $regions) { code kind } }"""

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
    """Resident Party members of one building: all, and those not reported in (plan 三)."""

    total: int = 0
    not_reported_in: int = 0


@dataclass(frozen=True)
class CoverageFacts:
    """What coverage needs from org about some regions' communities."""

    kinds: dict[str, str | None]  # community code -> kind of its organization (lower-case)
    residents: dict[uuid.UUID, Residents]  # a building absent here has none


class OrgClient:
    """A small GraphQL client of the org subgraph over a shared pooled httpx client."""

    def __init__(
        self, url: str, client: httpx.AsyncClient, tokens: InternalTokens | None = None
    ) -> None:
        self._url = url
        self._client = client
        # Calls carry the caller of the request being served, so the other subgraph applies
        # that caller's scope (an unset key: calls go without, and are refused).
        self._tokens = tokens or internal_tokens("grid")

    def _headers(self) -> dict[str, str]:
        if self._tokens is None:
            return {}
        # Outside a /graphql request (tiles, the CLI) nobody has logged in: the service asks
        # as itself. Inside one, the guard has already refused anonymous callers.
        identity = current_identity()
        if identity.anonymous:
            identity = service_identity("grid")
        return self._tokens.headers(identity)

    async def _query(self, query: str, variables: dict) -> dict:
        try:
            response = await self._client.post(
                self._url, json={"query": query, "variables": variables}, headers=self._headers()
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

    async def coverage_facts(self, region_codes: list[str]) -> CoverageFacts:
        """Community kinds and the resident members of every building at or below these
        regions (6, 9 or 12-digit codes), in one request."""
        table = (await self._query(COVERAGE_FACTS, {"regions": region_codes}))["regionResidents"]
        return CoverageFacts(
            kinds=_kinds(table["communities"]),
            residents={
                uuid.UUID(building): Residents(total, pending)
                for building, total, pending in zip(
                    table["buildingIds"], table["total"], table["notReportedIn"], strict=True
                )
            },
        )

    async def community_kinds(self, codes: list[str]) -> dict[str, str | None]:
        """The kind of each community's own organization (committee, general branch, branch)."""
        return _kinds((await self._query(COMMUNITY_KINDS, {"regions": codes}))["communityKinds"])


def _kinds(rows: list[dict]) -> dict[str, str | None]:
    return {row["code"]: row["kind"].lower() if row["kind"] else None for row in rows}
