"""What grid asks the org subgraph: who an organization is, and who lives in which building.

Services talk through the graph: grid never reads org's schema, and asks org directly (the
route and the error rule: services/common/subgraph_client.py). Assignments must point at a
live organization of the same community (a grid branch for a zone, a Party group for a
building); coverage ranks gaps by the Party members living in each building.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import httpx

from services.common.app import internal_tokens
from services.common.auth_tokens import InternalTokens
from services.common.subgraph_client import SubgraphClient

ORGANIZATIONS = """query ($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on PartyOrganization { id name kind isLive community { code } parent { id } } } }"""

# Coverage needs both for the same regions, in one round trip; the resident figures come as
# columns (cheap for org to produce, see org's `regionResidents`).
COVERAGE_FACTS = """query ($regions: [String!]!) { regionResidents(regionCodes: $regions) {
  communities { code kind } buildingIds total notReportedIn } }"""

COMMUNITY_KINDS = """query ($regions: [String!]!) {
  communityKinds(regionCodes: $regions) { code kind } }"""

# Every buildings/gaps tile at z >= 14 needs its communities' kinds; a kind changes only when a
# community's own organization is founded or dissolved, so tiles may be this late with it.
KINDS_TTL_SECONDS = 60.0
_KINDS_CACHED = 20_000  # a bound on the cache, far above a city's communities


@dataclass(frozen=True)
class OrganizationFact:
    id: uuid.UUID
    name: str
    kind: str  # lower-case, as org stores it: grid_branch, party_group, ...
    community_code: str
    is_live: bool
    parent_id: uuid.UUID | None = None  # the organization it is under (a group: its branch)


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
    """grid's reads of the org subgraph, as domain facts, over the one `SubgraphClient`
    (its error rule: SubgraphUnavailableError)."""

    def __init__(
        self, url: str, client: httpx.AsyncClient, tokens: InternalTokens | None = None
    ) -> None:
        # Calls carry the caller of the request being served, so org applies that caller's
        # scope (an unset key: calls go without, and are refused).
        self._org = SubgraphClient(
            "org", url, client, sender="grid", tokens=tokens or internal_tokens("grid")
        )
        self._kinds: dict[str, tuple[str | None, float]] = {}  # code -> (kind, asked at)

    async def _query(self, query: str, variables: dict) -> dict:
        return await self._org.query(query, variables)

    async def _entities(self, query: str, reps: list[dict]) -> list[dict | None]:
        return await self._org.entities(query, reps)

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
                parent_id=uuid.UUID(e["parent"]["id"]) if e.get("parent") else None,
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

    async def community_kinds(
        self, codes: list[str], *, cached: bool = False
    ) -> dict[str, str | None]:
        """The kind of each community's own organization (committee, general branch, branch).
        `cached` (tiles): kinds asked less than KINDS_TTL_SECONDS ago are reused and only the
        others asked; writes check against a fresh answer. Every answer refreshes the cache."""
        now = time.monotonic()
        found: dict[str, str | None] = {}
        if cached:
            for code in codes:
                hit = self._kinds.get(code)
                if hit is not None and now - hit[1] < KINDS_TTL_SECONDS:
                    found[code] = hit[0]
        missing = [code for code in codes if code not in found]
        if missing:
            data = await self._query(COMMUNITY_KINDS, {"regions": missing})
            asked = _kinds(data["communityKinds"])
            if len(self._kinds) >= _KINDS_CACHED:
                self._kinds.clear()
            self._kinds.update((code, (kind, now)) for code, kind in asked.items())
            found.update(asked)
        return found


def _kinds(rows: list[dict]) -> dict[str, str | None]:
    return {row["code"]: row["kind"].lower() if row["kind"] else None for row in rows}
