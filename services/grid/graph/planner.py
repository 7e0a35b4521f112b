"""GraphQL of the planner: edit zones and assignments, previewing first.

Every mutation takes `dryRun`: true previews (the same write, rolled back: the diff of
buildings that change zone, branch or group, coverage before and after, findings), false
commits it and records a change set. One mutation per operation, not preview*/commit* pairs,
so a preview and its commit are guaranteed to be the same call. Refusals come back as
`errors` (nothing written) with `findings` (e.g. a repaired shape offered) and, for STALE,
`currentVersion`.
"""

from __future__ import annotations

import inspect
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from services.common.auth import caller
from services.common.errors import DomainError, UserError, UserErrorCode
from services.common.geojson import GeoJSON
from services.grid.graph.access import GridWriter
from services.grid.graph.core import Building, PartyOrganization, organization_ref
from services.grid.planner import assignments
from services.grid.planner import buildings as building_edits
from services.grid.planner import zones as redraw
from services.grid.planner.runner import BuildingChange, Figures, Operation, Outcome, run_plan
from services.grid.validation import Finding, PlanRefusedError, split_line, zone_shape

if TYPE_CHECKING:
    from services.grid.graph.history import ChangeSet

_HISTORY = "services.grid.graph.history"  # imports this module: resolved lazily
ANONYMOUS = "anonymous"


def author_of(info: Info) -> str:
    """Who edits: the user the internal token names (never a header the caller could set)."""
    return caller(info).subject[:200] or ANONYMOUS


@strawberry.type(description="Where a building sits in the coverage graph.")
class Placement:
    zone_id: strawberry.ID | None
    branch: PartyOrganization | None = strawberry.field(
        description="Its zone's organization: grid branch (or group in branch communities)."
    )
    group: PartyOrganization | None = strawberry.field(description="Its Party group.")

    @classmethod
    def of(cls, zone_id: Any, branch_id: Any, group_id: Any) -> Placement:
        as_uuid = lambda v: uuid.UUID(str(v)) if v else None  # noqa: E731
        return cls(
            zone_id=strawberry.ID(str(zone_id)) if zone_id else None,
            branch=organization_ref(as_uuid(branch_id)),
            group=organization_ref(as_uuid(group_id)),
        )


@strawberry.type(description="A building whose zone, branch or group the plan changes.")
class BuildingPlacementChange:
    building_id: strawberry.ID
    before: Placement
    after: Placement

    @strawberry.field(description="The building as stored now (after a commit: changed).")
    async def building(self, info: Info) -> Building | None:
        return await Building.resolve_reference(info, self.building_id)


@strawberry.type(description="What a plan changes.")
class PlanDiff:
    buildings: list[BuildingPlacementChange]
    zones_created: list[strawberry.ID]
    zones_deleted: list[strawberry.ID]
    buildings_deleted: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Buildings deleted, or merged into another."
    )


@strawberry.type(description="Coverage figures of the community, from grid data.")
class PlanCoverage:
    buildings: int
    with_group: int = strawberry.field(description="Buildings with a Party group.")
    orphans: int = strawberry.field(description="Buildings in no zone.")
    zones: int
    zones_without_organization: int


@strawberry.type(description="Something about a plan: a refusal's detail, or a warning.")
class PlanFinding:
    code: str
    message: str
    message_en: str
    repaired: GeoJSON | None = strawberry.field(
        default=None, description="A valid shape offered in place of an invalid one."
    )
    zone_id: strawberry.ID | None = None


def diff_of(
    buildings: list[BuildingChange], created: list, deleted: list, gone: list | None = None
) -> PlanDiff:
    return PlanDiff(
        buildings=[
            BuildingPlacementChange(
                building_id=strawberry.ID(str(c.building_id)),
                before=Placement.of(c.before.zone_id, c.before.branch_id, c.before.group_id),
                after=Placement.of(c.after.zone_id, c.after.branch_id, c.after.group_id),
            )
            for c in buildings
        ],
        zones_created=[strawberry.ID(str(i)) for i in created],
        zones_deleted=[strawberry.ID(str(i)) for i in deleted],
        buildings_deleted=[strawberry.ID(str(i)) for i in gone or []],
    )


def coverage_of(figures: Figures | dict | None) -> PlanCoverage | None:
    if figures is None:
        return None
    values = figures if isinstance(figures, dict) else vars(figures)
    return PlanCoverage(**values)


def finding_of(f: Finding) -> PlanFinding:
    return PlanFinding(
        code=f.code,
        message=f.message,
        message_en=f.message_en,
        repaired=f.repaired,
        zone_id=strawberry.ID(f.zone_id) if f.zone_id else None,
    )


@strawberry.type(description="A preview or commit of a planner operation.")
class PlanResult:
    change_set: Annotated[ChangeSet, strawberry.lazy(_HISTORY)] | None = strawberry.field(
        description="The recorded change set (commits only)."
    )
    diff: PlanDiff | None
    coverage_before: PlanCoverage | None
    coverage_after: PlanCoverage | None
    findings: list[PlanFinding]
    errors: list[UserError]
    current_version: int | None = strawberry.field(
        default=None, description="With a STALE error: the version to edit against."
    )


def result_of(outcome: Outcome) -> PlanResult:
    from services.grid.graph.history import ChangeSet  # history imports this module

    refused = bool(outcome.errors)
    return PlanResult(
        change_set=ChangeSet.from_row(outcome.change_set) if outcome.change_set else None,
        diff=None
        if refused
        else diff_of(
            outcome.buildings,
            outcome.zones_created,
            outcome.zones_deleted,
            outcome.buildings_deleted,
        ),
        coverage_before=coverage_of(outcome.coverage_before),
        coverage_after=coverage_of(outcome.coverage_after),
        findings=[finding_of(f) for f in outcome.findings],
        errors=outcome.errors,
        current_version=outcome.current_version,
    )


def _id(value: strawberry.ID | None, field: str) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise DomainError(
            UserErrorCode.INVALID, f"编号无效：{value}", f"Not an id: {value}", [field]
        ) from None


async def plan(info: Info, build: Any, *, kind: str, reason: str, dry_run: bool) -> PlanResult:
    """Build the operation (input checks refuse before any transaction), then run it."""
    try:
        operation: Operation = build()
        if inspect.isawaitable(operation):  # a build that checks shapes in a geometry worker
            operation = await operation
    except PlanRefusedError as refused:
        return result_of(Outcome(findings=refused.findings, errors=refused.user_errors()))
    except DomainError as refused:
        return result_of(Outcome(errors=refused.user_errors()))
    outcome = await run_plan(
        info.context["engine"],
        operation,
        kind=kind,
        author=author_of(info),
        reason=reason,
        dry_run=dry_run,
    )
    return result_of(outcome)


DryRun = Annotated[
    bool, strawberry.argument(description="Preview only: run, report, and roll back.")
]


@dataclass(frozen=True)
class BuildingSelection:
    """Buildings named by id (with optional versions) or by a drawn area."""

    ids: list[strawberry.ID] | None
    area: GeoJSON | None
    versions: list[int] | None


async def _assign_buildings(
    info: Info,
    community_code: str,
    group_id: strawberry.ID | None,
    buildings: BuildingSelection,
    reason: str,
    dry_run: bool,
) -> PlanResult:

    async def build() -> Operation:
        return assignments.assign_buildings(
            community_code,
            _id(group_id, "partyGroupId"),
            None if buildings.ids is None else [_id(b, "buildingIds") for b in buildings.ids],
            None if buildings.area is None else await zone_shape(buildings.area, ["area"]),
            buildings.versions,
            info.context["org"],
        )

    return await plan(
        info,
        build,
        kind="assign_buildings" if group_id else "unassign_buildings",
        reason=reason,
        dry_run=dry_run,
    )


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
            return redraw.redraw_zone(
                _id(zone_id, "zoneId"), await zone_shape(boundary, ["boundary"]), expected_version
            )

        return await plan(
            info,
            build,
            kind="redraw_zone",
            reason=reason,
            dry_run=dry_run,
        )

    @strawberry.mutation(
        permission_classes=[GridWriter],
        description="Split a zone by a LineString: it keeps the larger half, a new zone "
        "(optionally with an organization) gets the other.",
    )
    async def split_zone(
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
            return redraw.split_zone(
                _id(zone_id, "zoneId"),
                await split_line(line, ["line"]),
                expected_version,
                new_zone_name,
                _id(new_organization_id, "newOrganizationId"),
                info.context["org"],
            )

        return await plan(
            info,
            build,
            kind="split_zone",
            reason=reason,
            dry_run=dry_run,
        )

    @strawberry.mutation(
        permission_classes=[GridWriter],
        description="Merge adjacent zones of one community into the first (it keeps its id, "
        "name and organization).",
    )
    async def merge_zones(
        self,
        info: Info,
        zone_ids: list[strawberry.ID],
        expected_versions: list[int],
        reason: str = "",
        dry_run: DryRun = False,
    ) -> PlanResult:
        return await plan(
            info,
            lambda: redraw.merge_zones(
                [_id(z, "zoneIds") for z in zone_ids], list(expected_versions)
            ),
            kind="merge_zones",
            reason=reason,
            dry_run=dry_run,
        )

    @strawberry.mutation(
        permission_classes=[GridWriter], description="Draw a new zone in a community."
    )
    async def create_zone(
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
            return redraw.create_zone(
                community_code,
                name,
                await zone_shape(boundary, ["boundary"]),
                _id(organization_id, "organizationId"),
                info.context["org"],
            )

        return await plan(
            info,
            build,
            kind="create_zone",
            reason=reason,
            dry_run=dry_run,
        )

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
        return await plan(
            info,
            lambda: redraw.delete_zone(_id(zone_id, "zoneId"), expected_version),
            kind="delete_zone",
            reason=reason,
            dry_run=dry_run,
        )

    @strawberry.mutation(
        permission_classes=[GridWriter],
        description="Assign buildings (by ids, or those whose interior point lies in `area`) "
        "to a Party group of their community; a null group unassigns them.",
    )
    async def assign_buildings(
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
        buildings = BuildingSelection(building_ids, area, expected_versions)
        group = None if party_group_id is strawberry.UNSET else party_group_id
        return await _assign_buildings(info, community_code, group, buildings, reason, dry_run)

    @strawberry.mutation(
        permission_classes=[GridWriter],
        description="Clear the Party group of buildings (by ids or area).",
    )
    async def unassign_buildings(
        self,
        info: Info,
        community_code: str,
        building_ids: list[strawberry.ID] | None = None,
        area: GeoJSON | None = None,
        expected_versions: list[int] | None = None,
        reason: str = "",
        dry_run: DryRun = False,
    ) -> PlanResult:
        buildings = BuildingSelection(building_ids, area, expected_versions)
        return await _assign_buildings(info, community_code, None, buildings, reason, dry_run)

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
        return await plan(
            info,
            lambda: assignments.assign_zone(
                _id(zone_id, "zoneId"),
                _id(organization, "organizationId"),
                expected_version,
                info.context["org"],
            ),
            kind="assign_zone",
            reason=reason,
            dry_run=dry_run,
        )

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
        return await plan(
            info,
            lambda: building_edits.delete_building(
                _id(building_id, "buildingId"), expected_version, info.context["org"]
            ),
            kind="delete_building",
            reason=reason,
            dry_run=dry_run,
        )

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
        return await plan(
            info,
            lambda: building_edits.merge_buildings(
                [_id(b, "buildingIds") for b in building_ids],
                list(expected_versions),
                info.context["org"],
            ),
            kind="merge_buildings",
            reason=reason,
            dry_run=dry_run,
        )


QUERY_TYPES: tuple[type, ...] = ()
MUTATION_TYPES: tuple[type, ...] = (PlannerMutations,)
TYPES: tuple[type, ...] = ()  # entity types to register with the schema
LOADERS: dict = {}
