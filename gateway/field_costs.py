"""Work weights of the fields whose cost is the work behind them, not the size of their answer.

A field's size cost (`gateway.limits`) counts what a response can hold; a few fields hold little
yet make a subgraph read and check a whole region (rule findings, exports, coverage, grading
previews, commendation boards). Their weight is the backend time one call takes, in units of a
cheap read (a `region(code:)` lookup), for a region of each level; the gateway adds them up per
operation (times the list sizes around them) and refuses an operation over `max_work`, and
counts one of at least `expensive_work` as expensive (a caller may run only a few at once).

Where the numbers come from: `bench/field_costs.py` times each field for the demo district, a
street and a community against that baseline in the same run; the weights are its ratios,
rounded up (see the bench's row in bench/README.md). The level of a call is read from its
region argument: a 12-digit code is a community, a 9-digit one a street; anything else — a
district, a variable not given, an organization instead of a region — counts as a district.
A field whose argument lists codes costs the sum of its codes. A weighted field without a
region argument of its own (`Coverage.gapsGeoJSON`) takes the level of the nearest field
above it that has one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from services.common.auth import is_region_code

Level = Literal["district", "street", "community"]
LEVELS: tuple[Level, ...] = ("district", "street", "community")

# Arguments that name the region a field works on (one code or a list of them).
REGION_ARGUMENTS = frozenset(
    {"regionCode", "communityCode", "streetCode", "districtCode", "regionCodes", "communityCodes"}
)


@dataclass(frozen=True)
class Weight:
    """A field's work, in baseline reads, for one call on a region of each level."""

    district: int
    street: int
    community: int

    @classmethod
    def flat(cls, units: int) -> Weight:
        return cls(units, units, units)

    def at(self, level: Level) -> int:
        return getattr(self, level)


# Measured by bench/field_costs.py (2026-12-06, demo district, 2-core machine shared with
# other test runs, n=3): each field's p50 over its baseline's p50, rounded up; an export counts
# its heaviest layer (BUILDINGS). Keys are "Type.field" of the API schema. Measured and left
# out as cheap (about one baseline read): commendationList (a stored list), members pages,
# exports of zones. The figures are noisy on a busy machine (a second run differed by up to
# 2x), which is why the limits leave room (see `Limits`).
FIELD_COSTS: Mapping[str, Weight] = {
    "Query.findings": Weight(district=31, street=11, community=11),
    "Query.coverage": Weight(district=9, street=3, community=3),
    "Coverage.gapsGeoJSON": Weight(district=12, street=2, community=3),
    "Query.exportGeoJSON": Weight(district=19, street=7, community=7),
    "Query.exportCSV": Weight(district=16, street=5, community=3),
    # The district's 14 communities' coverage, one by one, took 15.5 baseline reads.
    "Community.coverage": Weight.flat(2),
    "Zone.coverage": Weight.flat(1),  # not measured: a part of one community's
    "Query.starRatings": Weight(district=937, street=177, community=44),
    "Query.milestoneStatuses": Weight(district=33, street=14, community=14),
    "Query.overdueMilestones": Weight(district=24, street=11, community=10),
    "Query.gradingPreview": Weight.flat(5),
    "Query.fiveGoodOrganizations": Weight.flat(3),
    # Per code: one community 4.3; the district's 14 in one call 27.2.
    "Query.communityCounts": Weight(district=28, street=28, community=5),
    "Query.regionResidents": Weight(district=2, street=2, community=1),
    # 2026-12-07, n=5, load 3.4: district 7.8, street 3.1, community 2.4 (one GROUP BY).
    "Query.postHoldings": Weight(district=8, street=4, community=3),
    "Query.monthlyReportRollup": Weight.flat(4),
}


def level_of(code: object) -> Level:
    """The level a region code names; anything not a street's or a community's counts as the
    whole district (the most work)."""
    if is_region_code(code):
        if len(code) == 12:
            return "community"
        if len(code) == 9:
            return "street"
    return "district"


def weights(overrides: Mapping[str, Mapping[str, int]] | None = None) -> dict[str, Weight]:
    """`FIELD_COSTS` with `overrides` (from settings) applied: an override replaces a field's
    weights; levels it leaves out take its district weight."""
    table = dict(FIELD_COSTS)
    for name, given in (overrides or {}).items():
        unknown = set(given) - set(LEVELS)
        if unknown or "district" not in given:
            raise ValueError(
                f"field cost of {name}: give district (and optionally street, community) "
                f"weights, not {sorted(given)}"
            )
        district = given["district"]
        table[name] = Weight(
            district, given.get("street", district), given.get("community", district)
        )
    return table


def work_of(weight: Weight, codes: Iterable[object] | None) -> int:
    """The work of one call: its region codes' weights summed (None: the codes are not known,
    counted as one district)."""
    if codes is None:
        return weight.district
    return sum(weight.at(level_of(code)) for code in codes)
