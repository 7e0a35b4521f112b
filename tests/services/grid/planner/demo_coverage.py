"""Coverage of a demo community computed from the demo data alone (shapely, not the service):
what a plan's preview should report before and after (DOMAIN "The coverage graph")."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass

from shapely.geometry.base import BaseGeometry

from infra.demo.model import BRANCH, COMMUNITY_KINDS, Demo


@dataclass(frozen=True)
class Expected:
    buildings: int
    covered: int
    gaps_with_members: int
    orphans: int

    @property
    def percent(self) -> float:
        return 100 * self.covered / self.buildings


def zone_of(demo: Demo, code: str, boundaries: dict | None = None, added: tuple = ()) -> dict:
    """Each building's zone id (None: orphan; "new": one of the `added` zones), some zones'
    boundaries replaced (DOMAIN "Places": the zone holding its interior point)."""
    boundaries = boundaries or {}
    zones = [z for z in demo.zones if z.community_code == code]
    found: dict[uuid.UUID, object] = {}
    for b in (b for b in demo.buildings if b.community_code == code):
        point = b.footprint.representative_point()
        hits = [z.id for z in zones if boundaries.get(z.id, z.boundary).covers(point)]
        hits += ["new" for shape in added if shape.covers(point)]
        found[b.id] = hits[0] if hits else None
    return found


def expected(
    demo: Demo,
    code: str,
    *,
    added: tuple[BaseGeometry, ...] = (),
    groups: dict[uuid.UUID, uuid.UUID | None] | None = None,
) -> Expected:
    """The community's figures with some zones added (without an organization) and some
    buildings given another Party group (None: none)."""
    kind = next(
        o.kind for o in demo.organizations if o.community_code == code and o.kind in COMMUNITY_KINDS
    )
    zone_org = {o.zone_id for o in demo.organizations if o.zone_id}
    group = {o.building_id: o.id for o in demo.organizations if o.building_id}
    group.update(groups or {})
    residents = Counter(
        m.home_building_id for m in demo.members if m.home_building_id and m.left_on is None
    )
    counts: Counter[str] = Counter()
    for building_id, zone in zone_of(demo, code, added=added).items():
        counts["buildings"] += 1
        if zone is None:
            counts["orphans"] += 1
        elif group.get(building_id) or (kind == BRANCH and zone in zone_org):
            counts["covered"] += 1
        elif residents[building_id]:
            counts["gaps_with_members"] += 1
    return Expected(
        counts["buildings"], counts["covered"], counts["gaps_with_members"], counts["orphans"]
    )
