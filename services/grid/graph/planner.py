"""GraphQL of the planner: edit zones and assignments, previewing first.

Every mutation takes `dryRun`: true previews (the same write, rolled back: the diff of
buildings that change zone, branch or group, coverage before and after, findings), false
commits it and records a change set. One mutation per operation, not preview*/commit* pairs,
so a preview and its commit are guaranteed to be the same call. Refusals come back as
`errors` (nothing written) with `findings` (e.g. a repaired shape offered) and, for STALE,
`currentVersion`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

import strawberry

from services.common.auth import caller
from services.common.errors import DomainError, UserErrorCode
from services.common.geojson import GeoJSON
from services.grid.context import Info
from services.grid.graph.access import GridWriter
from services.grid.graph.results import PlanResult, result_of
from services.grid.planner.assignments import AssignBuildings, AssignZone, BuildingSelection
from services.grid.planner.buildings import DeleteBuilding, MergeBuildings
from services.grid.planner.plan import Operation
from services.grid.planner.runner import Run, refused_outcome, run_plan
from services.grid.planner.shapes import split_line, zone_shape
from services.grid.planner.zones import (
    CreateZone,
    DeleteZone,
    MergeZones,
    RedrawZone,
    RedrawZones,
    SplitZone,
    ZoneChange,
    check_change_count,
)

ANONYMOUS = "anonymous"


def author_of(info: Info) -> str:
    """Who edits: the user the internal token names (never a header the caller could set)."""
    return caller(info).subject[:200] or ANONYMOUS


def _id(value: strawberry.ID | None, field: str) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise DomainError(
            UserErrorCode.INVALID, f"编号无效：{value}", f"Not an id: {value}", [field]
        ) from None


def _required_id(value: strawberry.ID, field: str) -> uuid.UUID:
    """An id the schema makes non-null."""
    parsed = _id(value, field)
    assert parsed is not None  # GraphQL refused a null before the resolver ran
    return parsed


def _ids(values: list[strawberry.ID], field: str) -> list[uuid.UUID]:
    return [_required_id(v, field) for v in values]


Build = Callable[[], Awaitable[Operation]]


async def plan(info: Info, build: Build, run: Run) -> PlanResult:
    """Build the operation (input checks refuse before any transaction), then run it."""
    try:
        operation = await build()
    except DomainError as refused:
        outcome = refused_outcome(refused)
        outcome.current_version = None
        return result_of(outcome)
    return result_of(await run_plan(info.context.engine, operation, run))


def run_of(info: Info, kind: str, reason: str, dry_run: bool) -> Run:
    return Run(
        kind=kind, author=author_of(info), reason=reason, dry_run=dry_run, org=info.context.org
    )


DryRun = Annotated[
    bool, strawberry.argument(description="Preview only: run, report, and roll back.")
]


@dataclass(frozen=True)
class Selected:
    """Buildings as a mutation names them: by ids (with optional versions) or a drawn area."""

    ids: list[strawberry.ID] | None
    area: GeoJSON | None
    versions: list[int] | None

    async def selection(self) -> BuildingSelection:
        ids = None if self.ids is None else [_required_id(b, "buildingIds") for b in self.ids]
        area = None if self.area is None else await zone_shape(self.area, ["area"])
        return BuildingSelection(ids, area, self.versions)


async def _assign_buildings(
    info: Info, community_code: str, group_id: strawberry.ID | None, selected: Selected, run: Run
) -> PlanResult:
    async def build() -> Operation:
        group = _id(group_id, "partyGroupId")
        buildings = await selected.selection()
        return AssignBuildings(community_code, group, buildings, info.context.org)

    return await plan(info, build, run)


@strawberry.input(description="One zone's new boundary in redrawZones.")
class ZoneBoundaryChange:
    zone_id: strawberry.ID
    boundary: GeoJSON = strawberry.field(description="Polygon or MultiPolygon.")
    expected_version: int


@strawberry.type
class PlannerMutations:
    @strawberry.mutation(
        permission_classes=[GridWriter],
        description="Redraw a zone's boundary (Polygon or MultiPolygon).",
    )
    async def redraw_zone(
        self,
        info: Info,
        zone_id: strawberry.ID,
        boundary: GeoJSON,
        expected_version: int,
        reason: str = "",
        dry_run: DryRun = False,
    ) -> PlanResult:
        async def build() -> Operation:
            zone = _required_id(zone_id, "zoneId")
            return RedrawZone(zone, await zone_shape(boundary, ["boundary"]), expected_version)

        return await plan(info, build, run_of(info, "redraw_zone", reason, dry_run))

    @strawberry.mutation(
        permission_classes=[GridWriter],
        description="Redraw several zones of one community at once, all or nothing (e.g. a "
        "vertex two zones share, moved on both sides): one change set; each zone checked as "
        "by redrawZone.",
    )
    async def redraw_zones(
        self,
        info: Info,
        changes: list[ZoneBoundaryChange],
        reason: str = "",
        dry_run: DryRun = False,
    ) -> PlanResult:
        async def build() -> Operation:
            check_change_count(len(changes))  # before parsing a single shape
            checked = []
            for i, change in enumerate(changes):
                at = ["changes", str(i)]
                zone = _required_id(change.zone_id, "changes")
                shape = await zone_shape(change.boundary, [*at, "boundary"])
                checked.append(ZoneChange(zone, shape, change.expected_version))
            return RedrawZones(checked)

        return await plan(info, build, run_of(info, "redraw_zones", reason, dry_run))

    @strawberry.mutation(
        permission_classes=[GridWriter],
        description="Split a zone by a LineString: it keeps the larger half, a new zone "
        "(optionally with an organization) gets the other.",
    )
    async def split_zone(  # noqa: PLR0913 -- the mutation's GraphQL arguments, as the schema has them
        self,
        info: Info,
        zone_id: strawberry.ID,
        line: GeoJSON,
        expected_version: int,
        new_zone_name: str,
        new_organization_id: strawberry.ID | None = None,
        reason: str = "",
        dry_run: DryRun = False,
    ) -> PlanResult:
        async def build() -> Operation:
            return SplitZone(
                _required_id(zone_id, "zoneId"),
                await split_line(line, ["line"]),
                expected_version,
                new_zone_name,
                _id(new_organization_id, "newOrganizationId"),
                info.context.org,
            )

        return await plan(info, build, run_of(info, "split_zone", reason, dry_run))

    @strawberry.mutation(
        permission_classes=[GridWriter],
        description="Merge zones of one community into the first (it keeps its id, name and "
        "organization). Zones that touch merge into their union; zones up to about 10 m apart "
        "also take the land between them (finding MERGE_BRIDGED) when that makes one piece; "
        "otherwise the merge is refused (RULE_VIOLATION, rule zone.not_contiguous, with the "
        "gap in metres) unless `allowMultiPart` confirms a zone of several pieces.",
    )
    async def merge_zones(
        self,
        info: Info,
        zone_ids: list[strawberry.ID],
        expected_versions: list[int],
        reason: str = "",
        dry_run: DryRun = False,
        allow_multi_part: Annotated[
            bool,
            strawberry.argument(
                description="The planner confirmed a merged zone of several pieces."
            ),
        ] = False,
    ) -> PlanResult:
        async def build() -> Operation:
            ids = _ids(zone_ids, "zoneIds")
            return MergeZones(ids, list(expected_versions), allow_multi_part)

        return await plan(info, build, run_of(info, "merge_zones", reason, dry_run))

    @strawberry.mutation(
        permission_classes=[GridWriter], description="Draw a new zone in a community."
    )
    async def create_zone(  # noqa: PLR0913 -- the mutation's GraphQL arguments, as the schema has them
        self,
        info: Info,
        community_code: str,
        name: str,
        boundary: GeoJSON,
        organization_id: strawberry.ID | None = None,
        reason: str = "",
        dry_run: DryRun = False,
    ) -> PlanResult:
        async def build() -> Operation:
            return CreateZone(
                community_code,
                name,
                await zone_shape(boundary, ["boundary"]),
                _id(organization_id, "organizationId"),
                info.context.org,
            )

        return await plan(info, build, run_of(info, "create_zone", reason, dry_run))

    @strawberry.mutation(
        permission_classes=[GridWriter],
        description="Delete a zone; its buildings re-derive their zone.",
    )
    async def delete_zone(
        self,
        info: Info,
        zone_id: strawberry.ID,
        expected_version: int,
        reason: str = "",
        dry_run: DryRun = False,
    ) -> PlanResult:
        async def build() -> Operation:
            return DeleteZone(_required_id(zone_id, "zoneId"), expected_version)

        return await plan(info, build, run_of(info, "delete_zone", reason, dry_run))

    @strawberry.mutation(
        permission_classes=[GridWriter],
        description="Assign buildings (by ids, or those whose interior point lies in `area`) "
        "to a Party group of their community; a null group unassigns them.",
    )
    async def assign_buildings(  # noqa: PLR0913 -- the mutation's GraphQL arguments, as the schema has them
        self,
        info: Info,
        community_code: str,
        # UNSET: the argument is nullable, so a caller may leave it out (the schema keeps no
        # default); without one the call failed as an internal error.
        party_group_id: strawberry.ID | None = strawberry.UNSET,
        building_ids: list[strawberry.ID] | None = None,
        area: GeoJSON | None = None,
        expected_versions: list[int] | None = None,
        reason: str = "",
        dry_run: DryRun = False,
    ) -> PlanResult:
        group = None if party_group_id is strawberry.UNSET else party_group_id
        kind = "assign_buildings" if group else "unassign_buildings"
        run = run_of(info, kind, reason, dry_run)
        selected = Selected(building_ids, area, expected_versions)
        return await _assign_buildings(info, community_code, group, selected, run)

    @strawberry.mutation(
        permission_classes=[GridWriter],
        description="Clear the Party group of buildings (by ids or area).",
    )
    async def unassign_buildings(  # noqa: PLR0913 -- the mutation's GraphQL arguments, as the schema has them
        self,
        info: Info,
        community_code: str,
        building_ids: list[strawberry.ID] | None = None,
        area: GeoJSON | None = None,
        expected_versions: list[int] | None = None,
        reason: str = "",
        dry_run: DryRun = False,
    ) -> PlanResult:
        run = run_of(info, "unassign_buildings", reason, dry_run)
        selected = Selected(building_ids, area, expected_versions)
        return await _assign_buildings(info, community_code, None, selected, run)

    @strawberry.mutation(
        permission_classes=[GridWriter],
        description="Assign a zone to its organization: a live grid branch of its community "
        "(a Party group in branch communities); null unassigns.",
    )
    async def assign_zone(
        self,
        info: Info,
        zone_id: strawberry.ID,
        expected_version: int,
        # UNSET like assignBuildings' partyGroupId: left out, the nullable argument failed
        # as an internal error (found by the fuzz suite); left out means null (unassign).
        organization_id: strawberry.ID | None = strawberry.UNSET,
        reason: str = "",
        dry_run: DryRun = False,
    ) -> PlanResult:
        organization = None if organization_id is strawberry.UNSET else organization_id

        async def build() -> Operation:
            return AssignZone(
                _required_id(zone_id, "zoneId"),
                _id(organization, "organizationId"),
                expected_version,
                info.context.org,
            )

        return await plan(info, build, run_of(info, "assign_zone", reason, dry_run))

    @strawberry.mutation(
        permission_classes=[GridWriter],
        description="Delete a building nothing is attached to: one with a Party group or "
        "resident Party members is refused (IN_USE) naming them.",
    )
    async def delete_building(
        self,
        info: Info,
        building_id: strawberry.ID,
        expected_version: int,
        reason: str = "",
        dry_run: DryRun = False,
    ) -> PlanResult:
        async def build() -> Operation:
            building = _required_id(building_id, "buildingId")
            return DeleteBuilding(building, expected_version, info.context.org)

        return await plan(info, build, run_of(info, "delete_building", reason, dry_run))

    @strawberry.mutation(
        permission_classes=[GridWriter],
        description="Merge buildings of one community into the first (it keeps its id, name "
        "and address): footprints united, households summed, the Party group carried over. "
        "Party members may live only in the first (IN_USE otherwise).",
    )
    async def merge_buildings(
        self,
        info: Info,
        building_ids: list[strawberry.ID],
        expected_versions: list[int],
        reason: str = "",
        dry_run: DryRun = False,
    ) -> PlanResult:
        async def build() -> Operation:
            ids = _ids(building_ids, "buildingIds")
            return MergeBuildings(ids, list(expected_versions), info.context.org)

        return await plan(info, build, run_of(info, "merge_buildings", reason, dry_run))


QUERY_TYPES: tuple[type, ...] = ()
MUTATION_TYPES: tuple[type, ...] = (PlannerMutations,)
TYPES: tuple[type, ...] = ()  # entity types to register with the schema
