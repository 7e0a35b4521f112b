"""Identities and places for the auth tests, from the demo district."""

from __future__ import annotations

import pytest

from infra.demo.model import Demo
from services.common.auth import Identity, Role


@pytest.fixture(scope="session")
def places(demo: Demo) -> dict[str, str]:
    """Community `home` and a community `away` under another street, with a zone of each."""
    communities = sorted(c.code for c in demo.communities)
    home = communities[0]
    away = next(c for c in communities if c[:9] != home[:9])
    zones = {z.community_code: str(z.id) for z in sorted(demo.zones, key=lambda z: z.name)}
    buildings = {b.community_code: str(b.id) for b in sorted(demo.buildings, key=lambda b: b.name)}
    organizations = {o.community_code: str(o.id) for o in demo.organizations if o.parent_id is None}
    return {
        "home": home,
        "away": away,
        "home_zone": zones[home],
        "away_zone": zones[away],
        "home_building": buildings[home],
        "away_building": buildings[away],
        "home_org": organizations[home],
        "away_org": organizations[away],
    }


@pytest.fixture(scope="session")
def roles(places: dict[str, str]) -> dict[str, Identity]:
    """One user of each role, scoped so that `home` is in scope and `away` is not."""
    home = places["home"]
    return {
        "district": Identity("t-district", Role.DISTRICT, home[:6]),
        "street": Identity("t-street", Role.STREET, home[:9]),
        "secretary": Identity("t-secretary", Role.SECRETARY, home),
        "planner": Identity("t-planner", Role.PLANNER, home),
        "viewer": Identity("t-viewer", Role.VIEWER, home),
    }
