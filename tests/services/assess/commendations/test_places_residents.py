"""A building's resident members, as the star ratings count them, are the members whose home
building it is, whatever their community (org's `Building.residentMemberCount`): members who
moved to another community and kept their home building here still make it a building with
members.

The move is made in org's table (committed, put back at the end): org re-checks a home
building only when it changes, so a member who moves community keeps the old building."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, pool, text

from infra.demo.model import Demo
from infra.setup import Prepared
from stack import Running
from tests.services.assess.commendations.test_commendations import (
    PLACES,
    _expected_stars,
    gql,
)

YEAR = 2022  # a past year; only read here (no rating is awarded)
STAR_RATINGS = """query ($r: String!, $y: Int!) { starRatings(regionCode: $r, year: $y) {
  unitId computedStars criteria { code value met detailEn } } }"""


def _lived_building(running: Running, code: str) -> tuple[str, set[str]] | None:
    """(building, its units): a building of some unit's area with members living in it."""
    for zone in gql(running, PLACES, {"c": code})["community"]["zones"]:
        for b in zone["buildings"]:
            units = {u["id"] for u in (zone["organization"], b["partyGroup"]) if u}
            if units and b["residentMemberCount"] > 0:
                return b["id"], units
    return None


def _execute(url: str, sql: str, **params: object) -> list[tuple]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql), params)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


@contextlib.contextmanager
def _moved_away(prepared: Prepared, building: str, old: str, new: str) -> Iterator[int]:
    """The members of `old` living in `building` move to community `new`, keeping their home
    building; yields how many moved."""
    url = prepared.database.service_urls["org"]
    moved = _execute(
        url,
        "UPDATE org.member SET community_code = :new WHERE home_building_id = :b"
        " AND community_code = :old AND left_on IS NULL RETURNING id",
        b=building,
        old=old,
        new=new,
    )
    try:
        yield len(moved)
    finally:
        for (member,) in moved:
            _execute(
                url, "UPDATE org.member SET community_code = :c WHERE id = :m", c=old, m=member
            )


def _area_detail(running: Running, code: str, unit: str) -> str:
    """S3's detail from the gateway's figures: covered buildings with members of the unit's
    area (services/assess/commendations/facts.py words it)."""
    zones = gql(running, PLACES, {"c": code})["community"]["zones"]
    area = [
        b
        for z in zones
        for b in z["buildings"]
        if (z["organization"] or {}).get("id") == unit or (b["partyGroup"] or {}).get("id") == unit
    ]
    lived = [b for b in area if b["residentMemberCount"] > 0]
    if not lived:
        return f"{len(area)} buildings, none with members"
    covered = sum(b["coverageState"] == "COVERED" for b in lived)
    return f"member buildings covered {covered}/{len(lived)}"


def test_members_who_moved_community_still_live_in_their_building(
    running: Running, demo: Demo, prepared: Prepared
) -> None:
    branches = sorted({o.community_code for o in demo.organizations if o.kind == "branch"})
    found = next(((c, hit) for c in branches if (hit := _lived_building(running, c))), None)
    if found is None:
        pytest.fail("no branch community of the demo has a unit's building with members")
    community, (building, units) = found
    elsewhere = next(c for c in branches if c != community)
    with _moved_away(prepared, building, community, elsewhere) as moved:
        assert moved > 0
        zones = gql(running, PLACES, {"c": community})["community"]["zones"]
        counts = {b["id"]: b["residentMemberCount"] for z in zones for b in z["buildings"]}
        assert counts[building] > 0  # the gateway's figure still counts them
        expected = _expected_stars(running, community)
        got = gql(running, STAR_RATINGS, {"r": community, "y": YEAR})["starRatings"]
        assert {r["unitId"] for r in got} == set(expected)
        for rating in got:
            stars, met = expected[rating["unitId"]]
            assert {c["code"]: c["met"] for c in rating["criteria"]} == met, rating
            assert rating["computedStars"] == stars, rating
        rated = [r for r in got if r["unitId"] in units]
        assert rated, units
        for rating in rated:
            (s3,) = [c for c in rating["criteria"] if c["code"] == "S3"]
            assert s3["detailEn"] == _area_detail(running, community, rating["unitId"]), rating
