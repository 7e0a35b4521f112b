"""Coverage states computed from the demo data (not from the services), for map tests.

Imported as `maps.map_expectations` (tests/ is on the path) by the HTTP and browser tests.
"""

from __future__ import annotations

import uuid
from collections import Counter

import shapely

from expectations import expected_zone
from infra.demo.model import BRANCH, COMMUNITY_KINDS, Demo

STATES = ("COVERED", "GAP", "GAP_WITH_MEMBERS", "ORPHAN")


def expected_states(demo: Demo, prefix: str) -> dict[uuid.UUID, str]:
    """DOMAIN "The coverage graph": each building under the region code `prefix`, by state."""
    zone_of = expected_zone(demo)
    kinds = {o.community_code: o.kind for o in demo.organizations if o.kind in COMMUNITY_KINDS}
    zone_org = {o.zone_id for o in demo.organizations if o.zone_id}
    grouped = {o.building_id for o in demo.organizations if o.building_id}
    residents = Counter(m.home_building_id for m in demo.members if m.home_building_id)
    states = {}
    for b in demo.buildings:
        if not b.community_code.startswith(prefix):
            continue
        zone = zone_of[b.id]
        if zone is None:
            states[b.id] = "ORPHAN"
        elif b.id in grouped or (kinds[b.community_code] == BRANCH and zone in zone_org):
            states[b.id] = "COVERED"
        else:
            states[b.id] = "GAP_WITH_MEMBERS" if residents[b.id] else "GAP"
    return states


def expected_counts(demo: Demo, prefix: str) -> Counter[str]:
    """How many buildings under `prefix` are in each state."""
    return Counter(expected_states(demo, prefix).values())


def figure(counts: Counter[str]) -> str:
    """The panel's coverage figure, e.g. "93.1% (312/335)"."""
    total = sum(counts.values())
    return f"{100 * counts['COVERED'] / total:.1f}% ({counts['COVERED']}/{total})"


def region_bounds(demo: Demo, prefix: str) -> tuple[float, float, float, float]:
    """lon/lat bounds of the communities and buildings under `prefix`."""
    shapes = [c.boundary for c in demo.communities if c.code.startswith(prefix)]
    shapes += [b.footprint for b in demo.buildings if b.community_code.startswith(prefix)]
    west, south, east, north = (float(v) for v in shapely.total_bounds(shapes))
    return west, south, east, north


def streets(demo: Demo) -> list[str]:
    """The street offices' codes that hold communities."""
    return sorted({c.code[:9] for c in demo.communities})
