"""GraphQL of the grid's history: change sets listed and diffed, undo and redo (a redo is
recorded as the undo of an undo: its `undoOf` is that undo)."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry

from services.common.auth import caller
from services.common.errors import DomainError, UserError
from services.common.pagination import connection
from services.grid.context import Info
from services.grid.graph.access import GridWriter, scoped_code
from services.grid.graph.planner import DryRun, plan, run_of
from services.grid.graph.results import ChangeItem, ChangeSet, PlanResult, change_items
from services.grid.planner import history
from services.grid.planner.plan import Operation
from services.grid.planner.redo import RedoLatest, next_steps
from services.grid.planner.undo import REDO, UNDO, UndoLatest

ExpectedNumber = Annotated[
    int | None,
    strawberry.argument(
        description="The number of the change set the caller previewed: STALE (naming the "
        "current one in currentVersion) when another would be reversed instead."
    ),
]


@strawberry.type
class ChangeSetPageInfo:
    has_next_page: bool
    end_cursor: str | None
    has_previous_page: bool = False


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
    next_undo: ChangeSet | None = strawberry.field(
        default=None, description="The change set undoLatest would reverse (null: none)."
    )
    next_redo: ChangeSet | None = strawberry.field(
        default=None, description="The change set redoLatest would re-apply (null: none)."
    )

    @strawberry.field(description="Whether there is a change set left to undo.")
    def can_undo(self) -> bool:
        return self.next_undo is not None

    @strawberry.field(description="Whether there is an undone change set left to redo.")
    def can_redo(self) -> bool:
        return self.next_redo is not None

    @strawberry.field
    def nodes(self) -> list[ChangeSet]:
        return [edge.node for edge in self.edges]


@strawberry.type
class HistoryQueries:
    @strawberry.field(
        description="A community's change sets, oldest first, paged (`last`: the newest "
        "`last` of them, still oldest first), with what undo and redo would do next."
    )
    async def change_sets(
        self,
        info: Info,
        community_code: str,
        first: int | None = 50,
        after: str | None = None,
        last: int | None = None,
    ) -> ChangeSetConnection:
        scoped_code(info, community_code)
        try:
            async with info.context.engine.connect() as conn:
                page = await history.change_sets_page(conn, community_code, first, after, last)
                undo, redo = await next_steps(conn, community_code)
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
                has_previous_page=last is not None and page.total > len(page.rows),
            ),
            total_count=generic.total_count,
            next_undo=ChangeSet.from_row(undo) if undo else None,
            next_redo=ChangeSet.from_row(redo) if redo else None,
        )

    @strawberry.field(description="A change set by id.")
    async def change_set(self, info: Info, id: strawberry.ID) -> ChangeSet | None:
        try:
            key = uuid.UUID(str(id))
        except ValueError:
            return None
        async with info.context.engine.connect() as conn:
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
            async with info.context.engine.connect() as conn:
                rows = await history.net_changes(conn, community_code, from_number, to_number)
        except DomainError as refused:
            return HistoryDiff(
                from_number=from_number,
                to_number=to_number,
                items=[],
                errors=refused.user_errors(),
            )
        return HistoryDiff(from_number=from_number, to_number=to_number, items=change_items(rows))


@strawberry.type(description="The net changes between two numbered states of a community's grid.")
class HistoryDiff:
    from_number: int
    to_number: int
    items: list[ChangeItem] = strawberry.field(
        description="Each entity that differs: its state then and now (null: absent)."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


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
        expected_number: ExpectedNumber = None,
    ) -> PlanResult:
        async def build() -> Operation:
            return UndoLatest(community_code, info.context.org, expected_number)

        return await plan(info, build, run_of(info, UNDO, reason, dry_run))

    @strawberry.mutation(
        permission_classes=[GridWriter],
        description="Re-apply the change set the community's latest undo reversed (repeat to "
        "redo earlier undos, in order); STALE if anything changed since that undo; NOT_FOUND "
        "when nothing is undone, or a new edit came after the undo (it ends the chain).",
    )
    async def redo_latest(
        self,
        info: Info,
        community_code: str,
        reason: str = "",
        dry_run: DryRun = False,
        expected_number: ExpectedNumber = None,
    ) -> PlanResult:
        async def build() -> Operation:
            return RedoLatest(community_code, info.context.org, expected_number)

        return await plan(info, build, run_of(info, REDO, reason, dry_run))


QUERY_TYPES: tuple[type, ...] = (HistoryQueries,)
MUTATION_TYPES: tuple[type, ...] = (HistoryMutations,)
TYPES: tuple[type, ...] = ()  # entity types to register with the schema
