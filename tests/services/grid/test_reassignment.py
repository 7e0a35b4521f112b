"""Full re-assignment (DOMAIN "Places": a building is in the zone containing its interior
point): `partygrid reassign` re-derives every building's zone from the polygons in one pass
and writes only what drifted."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from expectations import expected_zone
from infra.cli import main as partygrid_main
from infra.demo.model import Demo
from infra.setup import Prepared
from services.grid.reassignment import reassign

BULK = "SELECT set_config('partygrid.bulk_zone_derivation', 'on', true)"


async def _zones(conn: AsyncConnection) -> dict[uuid.UUID, uuid.UUID | None]:
    rows = await conn.execute(text("SELECT id, zone_id FROM grid.building"))
    return dict(rows.all())


async def _drift_and_repair(url: str, demo: Demo) -> None:
    expected = expected_zone(demo)
    community = next(b.community_code for b in demo.buildings if expected[b.id] is not None)
    other = next(c.code for c in demo.communities if c.code != community)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            transaction = await conn.begin()
            # Drift, as a restore or a load with triggers off could leave it: buildings of two
            # communities lose their zone, one building points at another zone.
            await conn.execute(text(BULK))
            lost = await conn.execute(
                text(
                    "UPDATE grid.building SET zone_id = NULL "
                    "WHERE community_code IN (:a, :b) AND zone_id IS NOT NULL"
                ),
                {"a": community, "b": other},
            )
            await conn.execute(
                text("SELECT set_config('partygrid.bulk_zone_derivation', 'off', true)")
            )
            drifted = await _zones(conn)
            assert drifted != expected and lost.rowcount > 0

            # One community first: only its buildings change.
            done = await reassign(conn, community)
            fixed_one = sum(1 for b in demo.buildings if b.community_code == community)
            assert done.buildings == fixed_one
            assert done.changed == sum(
                1 for b in demo.buildings if b.community_code == community and expected[b.id]
            )
            now = await _zones(conn)
            assert {b: z for b, z in now.items() if z != expected[b]} == {
                b.id: None
                for b in demo.buildings
                if b.community_code == other and expected[b.id] is not None
            }
            # Then the whole district: everything as the polygons say, and again nothing.
            district = community[:6]
            rest = await reassign(conn, district)
            assert rest.buildings == len(demo.buildings)
            assert await _zones(conn) == expected
            assert (await reassign(conn)).changed == 0
            # The bulk flag is off again: a direct write of zone_id is re-derived, not kept.
            some = next(b.id for b in demo.buildings if expected[b.id] is not None)
            await conn.execute(
                text("UPDATE grid.building SET zone_id = NULL WHERE id = :i"), {"i": some}
            )
            assert (await _zones(conn))[some] == expected[some]
            await transaction.rollback()
    finally:
        await engine.dispose()


def test_reassignment_repairs_drift_region_by_region(prepared: Prepared, demo: Demo) -> None:
    asyncio.run(_drift_and_repair(prepared.database.service_urls["grid"], demo))


def test_the_command_finds_nothing_to_change_on_a_sound_grid(
    prepared: Prepared, demo: Demo, capsys: pytest.CaptureFixture
) -> None:
    url = prepared.database.service_urls["grid"]
    assert partygrid_main(["reassign", "--database-url", url]) == 0
    out = capsys.readouterr().out
    assert f"re-derived the zone of {len(demo.buildings)} buildings" in out
    assert out.rstrip().endswith(": 0 changed")


def test_a_malformed_region_is_refused(prepared: Prepared, capsys: pytest.CaptureFixture) -> None:
    url = prepared.database.service_urls["grid"]
    assert partygrid_main(["reassign", "--region", "41%", "--database-url", url]) == 1
    assert "expected 6 (district), 9 (street) or 12 (community) digits" in capsys.readouterr().err
