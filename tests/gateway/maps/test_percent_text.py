"""The covered share a page prints comes from the counts, rounded once.

The graph's `percent` is already rounded to two decimals; printing it to one decimal rounded
twice: 189/206 = 91.7475…% became 91.75 and then 91.8%, and 210/255 = 82.3529…% became 82.35,
then 82.3% (binary 82.35 lies just below). The pages print what the counts say.
"""

from __future__ import annotations

import pytest

from gateway.maps.coverage import summary_lines
from gateway.maps.labels import labels_for

LABELS = labels_for(None)


@pytest.mark.parametrize(("covered", "buildings"), [(189, 206), (210, 255), (1, 3), (0, 7)])
def test_the_panel_rounds_the_share_once(covered: int, buildings: int) -> None:
    coverage = {
        "percent": round(100 * covered / buildings, 2),  # as the graph serves it
        "covered": covered,
        "buildings": buildings,
        "zonesWithoutOrganization": 0,
        "buildingStates": {"gapWithMembers": 0, "gap": 0, "orphan": 0},
    }
    line = dict(summary_lines(coverage, LABELS))[LABELS["coverage"]]
    assert line == f"{100 * covered / buildings:.1f}% ({covered}/{buildings})"


def test_no_buildings_is_a_dash() -> None:
    coverage = {
        "percent": None,
        "covered": 0,
        "buildings": 0,
        "zonesWithoutOrganization": 0,
        "buildingStates": {"gapWithMembers": 0, "gap": 0, "orphan": 0},
    }
    assert dict(summary_lines(coverage, LABELS))[LABELS["coverage"]] == "— (0/0)"
