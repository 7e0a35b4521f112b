"""Coverage states of a community's buildings and zones, from the graph's data.

DOMAIN "The coverage graph": a building with no Party group is a gap, worse when Party
members live there; a building in no zone is an orphan; a zone needs its grid branch
(committee / general-branch communities) or group (branch communities). In a branch
community groups sit in zones ("党小组建在片区"), so a building there is covered by its zone.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from enum import Enum
from typing import Any


class State(Enum):
    COVERED = "covered"
    GAP = "gap"
    GAP_MEMBERS = "gap_members"
    ORPHAN = "orphan"


COLOURS = {
    State.COVERED: "#2e8b57",
    State.GAP: "#e53935",
    State.GAP_MEMBERS: "#7f0000",
    State.ORPHAN: "#9e9e9e",
}


@dataclass(frozen=True)
class Summary:
    buildings: int
    covered: int
    gaps_with_members: int
    gaps: int
    orphans: int
    zones_without_org: int

    def __add__(self, other: Summary) -> Summary:
        return Summary(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.buildings if self.buildings else 100.0


def building_state(building: dict[str, Any], zone: dict[str, Any] | None, *, branch: bool) -> State:
    if zone is None:
        return State.ORPHAN
    has_group = building.get("partyGroup") is not None or (branch and zone.get("organization"))
    if has_group:
        return State.COVERED
    return State.GAP_MEMBERS if building.get("residentMemberCount") else State.GAP


def classify(community: dict[str, Any]) -> tuple[list[tuple[dict, dict | None, State]], Summary]:
    """Every building with its zone and state, and the community's summary."""
    branch = (community.get("organization") or {}).get("kind") == "BRANCH"
    rows: list[tuple[dict, dict | None, State]] = []
    for zone in community["zones"]:
        rows += [(b, zone, building_state(b, zone, branch=branch)) for b in zone["buildings"]]
    rows += [(b, None, State.ORPHAN) for b in community["orphanBuildings"]]
    states = [state for _, _, state in rows]
    summary = Summary(
        buildings=len(rows),
        covered=states.count(State.COVERED),
        gaps_with_members=states.count(State.GAP_MEMBERS),
        gaps=states.count(State.GAP),
        orphans=states.count(State.ORPHAN),
        zones_without_org=sum(1 for z in community["zones"] if z.get("organization") is None),
    )
    return rows, summary
