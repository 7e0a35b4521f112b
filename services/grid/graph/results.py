"""What the planner's mutations and the history queries answer: plan results (diff,
coverage, findings) and change sets, shared by services/grid/graph/planner.py and
services/grid/graph/history.py."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import shapely
import strawberry

from services.common.errors import UserError
from services.common.geojson import GeoJSON
from services.grid.context import Info
from services.grid.graph.core import Building, PartyOrganization, organization_ref
from services.grid.planner import history
from services.grid.planner.plan import BuildingChange, Figures, Outcome
from services.grid.validation import Finding, Severity

# Registered as a GraphQL enum in place (as services/grid/graph/transfer.py does), so the
# finding carries the domain enum itself.
strawberry.enum(
    Severity,
    name="PlanFindingSeverity",
    description="ERROR: why a plan was refused (nothing written); WARNING: the plan may go "
    "ahead but the planner should confirm it (e.g. it creates coverage gaps); INFO: what the "
    "grid did quietly (e.g. snapped a drawing to the community boundary).",
)


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


def _footprint(state: dict[str, Any]) -> GeoJSON | None:
    """A building's footprint as GeoJSON (history keeps it as EWKB only: half the size)."""
    if "boundary" in state or not state.get("wkb"):
        return None
    return GeoJSON(json.loads(shapely.to_geojson(shapely.from_wkb(bytes.fromhex(state["wkb"])))))


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
        async with info.context.engine.connect() as conn:
            return change_items(await history.items_of(conn, uuid.UUID(str(self.id))))

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


def _as_uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None


def _placement(values: dict) -> tuple:
    return values.get("zone_id"), values.get("branch_id"), values.get("group_id")


@strawberry.type(description="Where a building sits in the coverage graph.")
class Placement:
    zone_id: strawberry.ID | None
    branch: PartyOrganization | None = strawberry.field(
        description="Its zone's organization: grid branch (or group in branch communities)."
    )
    group: PartyOrganization | None = strawberry.field(description="Its Party group.")

    @classmethod
    def of(cls, zone_id: Any, branch_id: Any, group_id: Any) -> Placement:
        return cls(
            zone_id=strawberry.ID(str(zone_id)) if zone_id else None,
            branch=organization_ref(_as_uuid(branch_id)),
            group=organization_ref(_as_uuid(group_id)),
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
    covered: int | None = strawberry.field(
        default=None,
        description="Buildings covered by the coverage rule (as Coverage.covered: in branch "
        "communities a building is covered by its zone's group); null when org did not "
        "answer.",
    )
    percent: float | None = strawberry.field(
        default=None,
        description="Covered share of the buildings, % (as Coverage.percent); null when "
        "there are no buildings or org did not answer.",
    )
    gaps_with_members: int | None = strawberry.field(
        default=None,
        description="Severe gaps: buildings with resident Party members and no Party group "
        "(coverage state GAP_WITH_MEMBERS, as the maps count them); null when org did not "
        "answer.",
    )


@strawberry.type(description="Something about a plan: a refusal's detail, or a warning.")
class PlanFinding:
    code: str
    message: str
    message_en: str
    repaired: GeoJSON | None = strawberry.field(
        default=None, description="A valid shape offered in place of an invalid one."
    )
    zone_id: strawberry.ID | None = None
    severity: Severity = strawberry.field(
        default=Severity.ERROR,
        description="ERROR for a refusal's detail; WARNING and INFO never refuse the plan.",
    )


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
        repaired=None if f.repaired is None else GeoJSON(f.repaired),
        zone_id=strawberry.ID(f.zone_id) if f.zone_id else None,
        severity=f.severity,
    )


@strawberry.type(description="A preview or commit of a planner operation.")
class PlanResult:
    change_set: ChangeSet | None = strawberry.field(
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


def change_items(rows: list[dict]) -> list[ChangeItem]:
    return [
        ChangeItem(
            entity=r["entity"],
            entity_id=strawberry.ID(str(r["entity_id"])),
            before=EntityState.of(r["before"]),
            after=EntityState.of(r["after"]),
        )
        for r in rows
    ]
