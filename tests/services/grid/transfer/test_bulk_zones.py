"""A bulk import derives buildings' zones set-wise (grid_0006), exactly as the per-row rule
does (DOMAIN "Places": the zone of the building's community that covers its footprint's
interior point, the lowest id when two do), and single writes keep the per-row trigger.

Each check runs on a connection of the cluster's admin that takes the grid role after turning
on PL/pgSQL call counting, so that it can see how many times the per-row trigger function
ran and how many building rows were updated after being inserted, in its own transaction.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from placeholder_communities import placeholder_communities, sql
from shapely.geometry import Point, box, mapping
from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from infra.database import role_of
from infra.setup import Prepared
from services.common.errors import DomainError, UserErrorCode
from services.grid.transfer.file_import import ImportOptions, import_file
from services.grid.transfer.files import Kind, SourceFile

WEST, EAST = "990000000411", "990000000412"
AREAS = {WEST: box(114.40, 35.60, 114.41, 35.61), EAST: box(114.41, 35.60, 114.42, 35.61)}
# Ids ordered Z2 < Z1 < Z3: where two zones cover a point, the lowest id takes it.
Z2, Z1, Z3 = (uuid.UUID(f"00000000-0000-4000-8000-00000000041{i}") for i in (1, 2, 3))
ZONES = {
    Z1: (WEST, box(114.400, 35.600, 114.405, 35.608)),
    Z2: (WEST, box(114.405, 35.600, 114.410, 35.608)),  # shares x = 114.405 with Z1
    Z3: (EAST, box(114.410, 35.600, 114.415, 35.608)),  # touches Z2 at the communities' edge
}
BUILDINGS = {
    "1号楼": box(114.401, 35.601, 114.4015, 35.6015),  # inside Z1
    "2号楼": Point(114.405, 35.604),  # on the Z1/Z2 edge: both cover it, Z2 has the lower id
    "3号楼": box(114.4048, 35.603, 114.4056, 35.6035),  # straddles Z1/Z2, mostly in Z2
    "4号楼": box(114.402, 35.6085, 114.4025, 35.609),  # in WEST, in no zone
    "5号楼": box(114.411, 35.601, 114.4115, 35.6015),  # in EAST, inside Z3
    "6号楼": box(114.417, 35.601, 114.4175, 35.6015),  # in EAST, in no zone
    "7号楼": Point(114.41, 35.604),  # on the communities' edge: its own community's zone
}
# The per-row rule as grid_0001 wrote it (zone_of), applied to stored rows.
PER_ROW_RULE = (
    "SELECT b.name, b.zone_id, (SELECT z.id FROM grid.zone z "
    "WHERE z.community_code = b.community_code AND z.boundary && b.footprint "
    "AND ST_Covers(z.boundary, ST_PointOnSurface(b.footprint)) ORDER BY z.id LIMIT 1) "
    "FROM grid.building b WHERE b.community_code = ANY(:c) ORDER BY b.name"
)
COUNTS = (
    "SELECT coalesce(pg_stat_get_xact_function_calls("
    "'grid.building_derive_zone()'::regprocedure), 0), "
    "pg_stat_get_xact_tuples_updated('grid.building'::regclass)"
)


@pytest.fixture
def url(prepared: Prepared) -> Iterator[str]:
    """The grid role's URL, with two neighbouring test communities and their zones."""
    with placeholder_communities(prepared.database.service_urls["grid"], AREAS) as grid:
        for zone_id, (code, shape) in ZONES.items():
            sql(
                grid,
                "INSERT INTO grid.zone (id, community_code, name, boundary) "
                "VALUES (:i, :c, :n, ST_GeomFromText(:b, 4326))",
                i=zone_id,
                c=code,
                n=f"片区{zone_id.int % 10}",
                b=shape.wkt,
            )
        yield grid


def _counting(admin: str) -> psycopg.Connection:
    """A connection as the grid role that counts PL/pgSQL calls in its transactions."""
    conn = psycopg.connect(admin)
    conn.execute("SET track_functions = 'pl'")
    conn.execute(f"SET ROLE {role_of('grid')}")
    return conn


def _geojson() -> bytes:
    features = [
        {"type": "Feature", "properties": {"name": name}, "geometry": mapping(shape)}
        for name, shape in BUILDINGS.items()
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


async def _import_counting(admin: str) -> tuple[Any, int, int]:
    async def counting() -> psycopg.AsyncConnection:
        # Session settings: the import opens its own transactions (read, then write).
        conn = await psycopg.AsyncConnection.connect(admin, autocommit=True)
        await conn.execute("SET track_functions = 'pl'")
        await conn.execute(f"SET ROLE {role_of('grid')}")
        await conn.set_autocommit(False)
        return conn

    engine = create_async_engine(
        "postgresql+psycopg://", async_creator=counting, poolclass=pool.NullPool
    )
    counts: list[tuple[int, int]] = []

    async def in_the_write(conn: Any, _report: Any) -> None:
        counts.append(tuple((await conn.execute(text(COUNTS))).one()))

    try:
        report = await import_file(
            engine,
            Kind.BUILDINGS,
            SourceFile(_geojson(), "buildings.geojson"),
            ImportOptions(in_thread=True, before_commit=in_the_write),
        )
        [(calls, updated)] = counts
        return report, calls, updated
    finally:
        await engine.dispose()


def test_an_import_assigns_each_building_the_zone_of_the_per_row_rule_set_wise(
    url: str, prepared: Prepared
) -> None:
    report, calls, updated = asyncio.run(_import_counting(prepared.database.admin_conninfo))
    assert report.imported == len(BUILDINGS), report.summary()
    stored = sql(url, PER_ROW_RULE, c=list(AREAS))
    assert [name for name, _, _ in stored] == sorted(BUILDINGS)
    assert {name: zone for name, zone, _ in stored} == {name: rule for name, _, rule in stored}
    zones = {name: zone for name, zone, _ in stored}
    assert zones["1号楼"] == Z1 and zones["5号楼"] == Z3
    assert zones["2号楼"] == Z2  # on the shared edge: the lower id
    assert zones["3号楼"] == Z2
    assert zones["4号楼"] is None and zones["6号楼"] is None
    ((community,),) = sql(
        url,
        "SELECT community_code FROM grid.building WHERE name = '7号楼' AND community_code = ANY(:c)",
        c=list(AREAS),
    )
    assert zones["7号楼"] == (Z2 if community == WEST else Z3)
    # Set-wise: the per-row trigger never ran, and no row had to be written twice (the
    # import's INSERT already carried the zone the statement trigger derives).
    assert (calls, updated) == (0, 0)


def test_bulk_inserts_are_corrected_by_the_database_and_single_writes_stay_per_row(
    url: str, prepared: Prepared
) -> None:
    admin = prepared.database.admin_conninfo
    insert = "INSERT INTO grid.building (id, community_code, name, footprint, zone_id) VALUES {}"
    values = "(%s, %s, %s, ST_GeomFromText(%s, 4326), %s)"
    with _counting(admin) as bulk, _counting(admin) as single:
        # A bulk writer that gets the zones wrong (or leaves them out): the statement trigger
        # derives each from the rule, in the row's own community (7: Z3, though Z2 of the
        # other community covers the point too and has the lower id).
        bulk.execute("SELECT set_config('partygrid.bulk_zone_derivation', 'on', true)")
        rows = [
            (uuid.uuid4(), WEST, "1号楼", BUILDINGS["1号楼"].wkt, Z3),
            (uuid.uuid4(), WEST, "2号楼", BUILDINGS["2号楼"].wkt, None),
            (uuid.uuid4(), WEST, "4号楼", BUILDINGS["4号楼"].wkt, Z1),
            (uuid.uuid4(), EAST, "7号楼", BUILDINGS["7号楼"].wkt, Z2),
        ]
        bulk.execute(
            insert.format(", ".join([values] * len(rows))), [v for row in rows for v in row]
        )
        # Meanwhile a single write in another transaction: the flag is the bulk writer's
        # alone, so the per-row trigger derives this one's zone before it is stored.
        single.execute(
            insert.format(values), (uuid.uuid4(), EAST, "5号楼", BUILDINGS["5号楼"].wkt, None)
        )
        assert single.execute(COUNTS).fetchone() == (1, 0)
        single.commit()
        derived = dict(
            bulk.execute(
                "SELECT name, zone_id FROM grid.building WHERE id = ANY(%s)",
                ([r[0] for r in rows],),
            ).fetchall()
        )
        assert derived == {"1号楼": Z1, "2号楼": Z2, "4号楼": None, "7号楼": Z3}
        # Four corrections, each an UPDATE of zone_id alone that the per-row function lets
        # through (grid_0004); the four inserts themselves never called it.
        assert bulk.execute(COUNTS).fetchone() == (4, 4)
        bulk.commit()
    assert sql(
        url,
        "SELECT zone_id FROM grid.building WHERE name = '5号楼' AND community_code = :c",
        c=EAST,
    ) == [(Z3,)]


def _file(buildings: dict[str, Any]) -> SourceFile:
    features = [
        {"type": "Feature", "properties": {"name": name}, "geometry": mapping(shape)}
        for name, shape in buildings.items()
    ]
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    return SourceFile(data, "buildings.geojson")


def test_a_re_import_copies_new_buildings_and_updates_stored_ones_by_the_same_rules(
    url: str, prepared: Prepared
) -> None:
    """One import into a community that holds some of the file's buildings: the new ones go
    in by COPY (zones guessed by the writer, checked by the database), the stored ones are
    updated; both end with the zone of the per-row rule and the natural key of grid_0003's
    algorithm, and only the moved building is written twice."""
    first = {"1号楼": BUILDINGS["1号楼"], "3号楼": BUILDINGS["3号楼"]}
    again = {
        "1号楼": box(114.406, 35.601, 114.4065, 35.6015),  # moved from Z1 into Z2: updated
        "3号楼": BUILDINGS["3号楼"],  # unchanged: skipped
        "2号楼": BUILDINGS["2号楼"],  # new, on the Z1/Z2 edge (Z2)
        "4号楼": BUILDINGS["4号楼"],  # new, in no zone
        "第十二栋": box(114.4012, 35.6052, 114.4016, 35.6056),  # new, in Z1; Chinese numeral
        "A座12-3": box(114.4072, 35.6052, 114.4076, 35.6056),  # new, in Z2; two numbers
    }

    async def run() -> tuple[Any, int, int]:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        try:
            await import_file(
                engine, Kind.BUILDINGS, _file(first), ImportOptions(community_code=WEST)
            )
        finally:
            await engine.dispose()
        admin = prepared.database.admin_conninfo
        counts: list[tuple[int, int]] = []

        async def counting() -> psycopg.AsyncConnection:
            conn = await psycopg.AsyncConnection.connect(admin, autocommit=True)
            await conn.execute("SET track_functions = 'pl'")
            await conn.execute(f"SET ROLE {role_of('grid')}")
            await conn.set_autocommit(False)
            return conn

        async def in_the_write(conn: Any, _report: Any) -> None:
            counts.append(tuple((await conn.execute(text(COUNTS))).one()))

        engine = create_async_engine(
            "postgresql+psycopg://", async_creator=counting, poolclass=pool.NullPool
        )
        try:
            report = await import_file(
                engine,
                Kind.BUILDINGS,
                _file(again),
                ImportOptions(community_code=WEST, in_thread=True, before_commit=in_the_write),
            )
        finally:
            await engine.dispose()
        [(calls, updated)] = counts
        return report, calls, updated

    report, calls, updated = asyncio.run(run())
    assert (report.imported, report.updated) == (4, 1), report.summary()
    stored = sql(url, PER_ROW_RULE, c=[WEST])
    assert {name: zone for name, zone, _ in stored} == {name: rule for name, _, rule in stored}
    zones = {name: zone for name, zone, _ in stored}
    assert zones == {
        "1号楼": Z2,
        "2号楼": Z2,
        "3号楼": Z2,
        "4号楼": None,
        "第十二栋": Z1,
        "A座12-3": Z2,
    }
    keys = sql(
        url,
        "SELECT name, name_key, grid.natural_key_full(name) FROM grid.building "
        "WHERE community_code = :c",
        c=WEST,
    )
    assert len(keys) == len(again)
    assert all(key == full for _, key, full in keys), keys
    # The moved building: its UPDATE ran the per-row trigger once; no new row was rewritten.
    assert (calls, updated) == (1, 1)


def test_a_new_id_held_by_another_community_refuses_the_copy_and_writes_nothing(
    url: str, prepared: Prepared
) -> None:
    """The short read sees only its own community's ids: an id another community holds
    reaches the COPY, whose refusal is a typed CONFLICT naming the id, and nothing of the
    file is written."""
    taken = uuid.uuid4()
    sql(
        url,
        "INSERT INTO grid.building (id, community_code, name, footprint) "
        "VALUES (:i, :c, '5号楼', ST_GeomFromText(:b, 4326))",
        i=taken,
        c=EAST,
        b=BUILDINGS["5号楼"].wkt,
    )
    features = [
        {
            "type": "Feature",
            "properties": {"name": name, "编号": key},
            "geometry": mapping(BUILDINGS[name]),
        }
        for name, key in (("1号楼", "b-1"), ("4号楼", str(taken)))
    ]
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode()

    async def run() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        try:
            await import_file(
                engine,
                Kind.BUILDINGS,
                SourceFile(data, "b.geojson"),
                ImportOptions(community_code=WEST),
            )
        finally:
            await engine.dispose()

    with pytest.raises(DomainError) as refused:
        asyncio.run(run())
    assert refused.value.code is UserErrorCode.CONFLICT
    assert str(taken) in refused.value.message_en
    assert sql(url, "SELECT count(*) FROM grid.building WHERE community_code = :c", c=WEST) == [
        (0,)
    ]
    assert sql(url, "SELECT community_code FROM grid.building WHERE id = :i", i=taken) == [(EAST,)]
