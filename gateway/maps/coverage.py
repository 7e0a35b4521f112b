"""Map colours for grid's coverage states; the states themselves come from the graph.

Grid decides coverage (services/grid/coverage.py: DOMAIN "The coverage graph"); the maps
only draw what `Building.coverageState` and `coverage(regionCode:)` say.
"""

from __future__ import annotations

from typing import Any

STATES = ("COVERED", "GAP", "GAP_WITH_MEMBERS", "ORPHAN")

COLOURS = {
    "COVERED": "#2e8b57",
    "GAP": "#e53935",
    "GAP_WITH_MEMBERS": "#7f0000",
    "ORPHAN": "#9e9e9e",
}

# Label keys of gateway.maps.labels, by state.
LABEL_KEYS = {
    "COVERED": "covered",
    "GAP": "gap",
    "GAP_WITH_MEMBERS": "gap_members",
    "ORPHAN": "orphan",
}


def percent_text(coverage: dict[str, Any]) -> str:
    """ "91.7%": the covered share to one decimal, from the counts (the graph's `percent` is
    already rounded to two decimals: rounding that again turned 91.7475 into 91.8)."""
    buildings = coverage["buildings"]
    return f"{100 * coverage['covered'] / buildings:.1f}%" if buildings else "—"


def summary_lines(coverage: dict[str, Any], labels: dict[str, str]) -> list[tuple[str, str]]:
    """The panel's figures from a `coverage` (or `CommunityCoverage`) result: buildings by
    the states the map colours them with, so the panel and the map agree."""
    states = coverage["buildingStates"]
    shown = percent_text(coverage)
    return [
        (labels["coverage"], f"{shown} ({coverage['covered']}/{coverage['buildings']})"),
        (labels["gap_members"], str(states["gapWithMembers"])),
        (labels["gap"], str(states["gap"])),
        (labels["orphan"], str(states["orphan"])),
        (labels["zone_without_org"], str(coverage["zonesWithoutOrganization"])),
    ]
