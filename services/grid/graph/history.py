"""GraphQL of the grid's history: change sets listed and diffed, and undo of the latest."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import shapely
import strawberry
from strawberry.types import Info

from services.common.auth import caller
from services.common.errors import DomainError, UserError
from services.common.geojson import GeoJSON
from services.common.pagination import connection
from services.grid.graph.access import GridWriter, scoped_code
from services.grid.graph.planner import (
    BuildingPlacementChange,
    DryRun,
    Placement,
    PlanCoverage,
    PlanDiff,
    PlanResult,
    coverage_of,
    plan,
)
from services.grid.planner import history


@strawberry.type(description="An entity's state in a change set (absent entities: null).")
class EntityState:
    version: int
    name: str | None = None
    boundary: GeoJSON | None = strawberry.field(default=None, description="Zones only.")
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="A zone's grid branch (or group in branch communities)."
    )
    party_group_id: strawberry.ID | None = strawberry.field(
        default=None, description="A building's Party group."
    )
    footprint: GeoJSON | None = strawberry.field(default=None, description="Buildings only.")
    households: int | None = strawberry.field(default=None, description="Buildings only.")

    @classmethod
    def of(cls, state: dict | None) -> EntityState | None:
        if state is None:
            return None
        org, group = state.get("organizationId"), state.get("partyGroupId")
        return cls(
            version=state["version"],
            name=state.get("name"),
            boundary=state.get("boundary"),
            organization_id=strawberry.ID(org) if org else None,
            party_group_id=strawberry.ID(group) if group else None,
            footprint=_footprint(state),
            households=state.get("households"),
        )


def _footprint(state: dict) -> dict | None:
    """A building's footprint as GeoJSON (history keeps it as EWKB only: half the size)."""
    if "boundary" in state or not state.get("wkb"):
        return None
    return json.loads(shapely.to_geojson(shapely.from_wkb(bytes.fromhex(state["wkb"]))))


@strawberry.type(description="One entity a change set wrote: before and after.")
class ChangeItem:
    entity: str = strawberry.field(description="zone or building.")
    entity_id: strawberry.ID
    before: EntityState | None
    after: EntityState | None


@strawberry.type(description="One committed planner edit (or undo), numbered per community.")
class ChangeSet:
    id: strawberry.ID
    community_code: str
    number: int
    kind: str
    author: str
    reason: str
    created_at: dt.datetime
    undo_of: strawberry.ID | None = strawberry.field(description="The change set it undid.")
    undone_at: dt.datetime | None
    summary: strawberry.Private[dict]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ChangeSet:
        return cls(
            id=strawberry.ID(str(row["id"])),
            community_code=row["community_code"],
            number=row["number"],
            kind=row["kind"],
            author=row["author"],
            reason=row["reason"],
            created_at=row["created_at"],
            undo_of=strawberry.ID(str(row["undo_of"])) if row["undo_of"] else None,
            undone_at=row["undone_at"],
            summary=row["summary"] or {},
        )

    @strawberry.field(description="Each entity written, with its state before and after.")
    async def items(self, info: Info) -> list[ChangeItem]:
        async with info.context["engine"].connect() as conn:
            return _items(await history.items_of(conn, uuid.UUID(str(self.id))))

    @strawberry.field(description="Buildings that changed zone, branch or group; zones made/gone.")
    def diff(self) -> PlanDiff:
        return PlanDiff(
            buildings=[
                BuildingPlacementChange(
                    building_id=strawberry.ID(b["id"]),
                    before=Placement.of(*_placement(b["before"])),
                    after=Placement.of(*_placement(b["after"])),
                )
                for b in self.summary.get("buildings", [])
            ],
            zones_created=[strawberry.ID(i) for i in self.summary.get("zonesCreated", [])],
            zones_deleted=[strawberry.ID(i) for i in self.summary.get("zonesDeleted", [])],
            buildings_deleted=[strawberry.ID(i) for i in self.summary.get("buildingsDeleted", [])],
        )

    @strawberry.field
    def coverage_before(self) -> PlanCoverage | None:
        return coverage_of(self.summary.get("coverageBefore"))

    @strawberry.field
    def coverage_after(self) -> PlanCoverage | None:
        return coverage_of(self.summary.get("coverageAfter"))


def _placement(values: dict) -> tuple:
    return values.get("zone_id"), values.get("branch_id"), values.get("group_id")


@strawberry.type
class ChangeSetPageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class ChangeSetEdge:
    cursor: str
    node: ChangeSet


@strawberry.type(description="A page of change sets, oldest first (Relay connection).")
class ChangeSetConnection:
    edges: list[ChangeSetEdge]
    page_info: ChangeSetPageInfo
    total_count: int
    errors: list[UserError] = strawberry.field(default_factory=list)

    @strawberry.field
    def nodes(self) -> list[ChangeSet]:
        return [edge.node for edge in self.edges]


@strawberry.type
class HistoryQueries:
    @strawberry.field(description="A community's change sets, oldest first, paged.")
    async def change_sets(
        self, info: Info, community_code: str, first: int | None = 50, after: str | None = None
    ) -> ChangeSetConnection:
        scoped_code(info, community_code)
        try:
            async with info.context["engine"].connect() as conn:
                page = await history.change_sets_page(conn, community_code, first, after)
        except DomainError as refused:
            return ChangeSetConnection(
                edges=[],
                page_info=ChangeSetPageInfo(has_next_page=False, end_cursor=None),
                total_count=0,
                errors=refused.user_errors(),
            )
        generic = connection(page, ChangeSet.from_row)
        return ChangeSetConnection(
            edges=[ChangeSetEdge(cursor=e.cursor, node=e.node) for e in generic.edges],
            page_info=ChangeSetPageInfo(
                has_next_page=generic.page_info.has_next_page,
                end_cursor=generic.page_info.end_cursor,
            ),
            total_count=generic.total_count,
        )

    @strawberry.field(description="A change set by id.")
    async def change_set(self, info: Info, id: strawberry.ID) -> ChangeSet | None:
        try:
            key = uuid.UUID(str(id))
        except ValueError:
            return None
        async with info.context["engine"].connect() as conn:
            row = await history.change_set_by_id(conn, key)
        if row is None or not caller(info).covers(row["community_code"]):
            return None
        return ChangeSet.from_row(row)

    @strawberry.field(
        description="What differs between the grid as change set fromNumber left it (0: "
        "before the first) and as toNumber left it; an edit and its undo cancel out."
    )
    async def change_sets_diff(
        self, info: Info, community_code: str, from_number: int, to_number: int
    ) -> HistoryDiff:
        scoped_code(info, community_code)
        try:
            async with info.context["engine"].connect() as conn:
                rows = await history.net_changes(conn, community_code, from_number, to_number)
        except DomainError as refused:
            return HistoryDiff(
                from_number=from_number,
                to_number=to_number,
                items=[],
                errors=refused.user_errors(),
            )
        return HistoryDiff(from_number=from_number, to_number=to_number, items=_items(rows))


@strawberry.type(description="The net changes between two numbered states of a community's grid.")
class HistoryDiff:
    from_number: int
    to_number: int
    items: list[ChangeItem] = strawberry.field(
        description="Each entity that differs: its state then and now (null: absent)."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


def _items(rows: list[dict]) -> list[ChangeItem]:
    return [
        ChangeItem(
            entity=r["entity"],
            entity_id=strawberry.ID(str(r["entity_id"])),
            before=EntityState.of(r["before"]),
            after=EntityState.of(r["after"]),
        )
        for r in rows
    ]


@strawberry.type
class HistoryMutations:
    @strawberry.mutation(
        permission_classes=[GridWriter],
        description="Undo the community's latest change set not yet undone (repeat to undo "
        "earlier ones, in order); STALE if anything it wrote changed since.",
    )
    async def undo_latest(
        self,
        info: Info,
        community_code: str,
        reason: str = "",
        dry_run: DryRun = False,
    ) -> PlanResult:
        return await plan(
            info,
            lambda: history.undo_latest(community_code, info.context["org"]),
            kind="undo",
            reason=reason,
            dry_run=dry_run,
        )


QUERY_TYPES: tuple[type, ...] = (HistoryQueries,)
MUTATION_TYPES: tuple[type, ...] = (HistoryMutations,)
TYPES: tuple[type, ...] = ()  # entity types to register with the schema
LOADERS: dict = {}
