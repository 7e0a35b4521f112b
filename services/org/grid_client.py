"""What org asks the grid subgraph: zones and buildings with their assignments.

Services talk through the graph: org never reads grid's schema, and asks grid directly (the
route and the error rule: services/common/subgraph_client.py). Placement rules need each
community's zones and buildings; dissolving an organization needs to know whether grid still
assigns zones or buildings to it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

from services.common.app import internal_tokens
from services.common.auth_tokens import InternalTokens
from services.common.subgraph_client import SubgraphClient

COMMUNITY_GRID = """query ($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Community {
    code
    zones { id name organization { id } buildings { id name partyGroup { id } } }
    orphanBuildings { id name partyGroup { id } }
  } } }"""

ASSIGNMENTS = """query ($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on PartyOrganization { id assignedZones { id name } assignedBuildings { id name } } } }"""


BUILDINGS = """query ($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Building { id community { code } } } }"""


GRID_DATA = """query ($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Community { code hasGridData } } }"""


HOMES = """query ($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Community {
    code
    zones { buildings { id name address } }
    orphanBuildings { id name address }
  } } }"""


@dataclass(frozen=True)
class ZoneFact:
    id: uuid.UUID
    name: str
    organization_id: uuid.UUID | None


@dataclass(frozen=True)
class BuildingFact:
    id: uuid.UUID
    name: str
    zone_id: uuid.UUID | None  # None: an orphan, in no zone
    party_group_id: uuid.UUID | None


@dataclass(frozen=True)
class Home:
    """A building a member may live in, as a roster names it (by id or address)."""

    id: uuid.UUID
    name: str
    address: str


@dataclass(frozen=True)
class CommunityGrid:
    code: str
    zones: list[ZoneFact]
    buildings: list[BuildingFact]


@dataclass(frozen=True)
class Assignments:
    """Names of the zones and buildings grid assigns to one organization."""

    zones: list[str]
    buildings: list[str]

    def __bool__(self) -> bool:
        return bool(self.zones or self.buildings)


def _id(value: dict | None) -> uuid.UUID | None:
    return uuid.UUID(value["id"]) if value else None


class GridClient:
    """org's reads of the grid subgraph, as domain facts, over the one `SubgraphClient`
    (its error rule: SubgraphUnavailableError)."""

    def __init__(
        self, url: str, client: httpx.AsyncClient, tokens: InternalTokens | None = None
    ) -> None:
        # Calls carry the caller of the request being served, so grid applies that caller's
        # scope (an unset key: calls go without, and are refused).
        self._grid = SubgraphClient(
            "grid", url, client, sender="org", tokens=tokens or internal_tokens("org")
        )

    async def _entities(self, query: str, reps: list[dict]) -> list[dict | None]:
        return await self._grid.entities(query, reps)

    async def communities(self, codes: list[str]) -> dict[str, CommunityGrid]:
        reps = [{"__typename": "Community", "code": code} for code in codes]
        result = {}
        for entity in await self._entities(COMMUNITY_GRID, reps):
            if entity is None:
                continue
            zones, buildings = [], []
            for zone in entity["zones"]:
                zone_id = uuid.UUID(zone["id"])
                zones.append(ZoneFact(zone_id, zone["name"], _id(zone["organization"])))
                buildings += [
                    BuildingFact(uuid.UUID(b["id"]), b["name"], zone_id, _id(b["partyGroup"]))
                    for b in zone["buildings"]
                ]
            buildings += [
                BuildingFact(uuid.UUID(b["id"]), b["name"], None, _id(b["partyGroup"]))
                for b in entity["orphanBuildings"]
            ]
            result[entity["code"]] = CommunityGrid(entity["code"], zones, buildings)
        return result

    async def assignments(self, organization_ids: list[uuid.UUID]) -> dict[uuid.UUID, Assignments]:
        reps = [{"__typename": "PartyOrganization", "id": str(i)} for i in organization_ids]
        result = {}
        for entity in await self._entities(ASSIGNMENTS, reps):
            if entity is not None:
                result[uuid.UUID(entity["id"])] = Assignments(
                    zones=[z["name"] for z in entity["assignedZones"]],
                    buildings=[b["name"] for b in entity["assignedBuildings"]],
                )
        return result

    async def building_communities(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The community of each building grid knows (unknown ids are absent)."""
        reps = [{"__typename": "Building", "id": str(i)} for i in ids]
        return {
            uuid.UUID(e["id"]): e["community"]["code"]
            for e in await self._entities(BUILDINGS, reps)
            if e is not None
        }

    async def has_grid_data(self, code: str) -> bool:
        """Whether grid holds anything of the community: a boundary, zones or buildings."""
        entities = await self._entities(GRID_DATA, [{"__typename": "Community", "code": code}])
        return any(e is not None and e["hasGridData"] for e in entities)

    async def homes(self, codes: list[str]) -> dict[str, list[Home]]:
        """Every building of each community (in a zone or not), for matching addresses."""
        reps = [{"__typename": "Community", "code": code} for code in codes]
        result: dict[str, list[Home]] = {}
        for entity in await self._entities(HOMES, reps):
            if entity is None:
                continue
            found = [b for zone in entity["zones"] for b in zone["buildings"]]
            found += entity["orphanBuildings"]
            result[entity["code"]] = [
                Home(uuid.UUID(b["id"]), b["name"], b["address"]) for b in found
            ]
        return result
