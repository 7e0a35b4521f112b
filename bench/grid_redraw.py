"""The issue's redraw target: a redraw commit end to end through the gateway (validation and
history included) p50 ≤ 25 ms and p99 ≤ 60 ms, beside baselines measured in the same run.

Timed, one call at a time from this client loop over loopback, n times each (after warm-up):
  commit via gateway  redrawZone(dryRun: false) through the gateway
  commit direct       the same sent to the grid subgraph (the gateway's overhead)
  preview via gateway redrawZone(dryRun: true) through the gateway (commit minus history and
                      the durable commit)
  preview SQL only    the statements a preview sends, replayed over psycopg, rolled back
  baseline typename   `{ __typename }` through the gateway (HTTP + gateway floor)
  baseline SQL        `UPDATE grid.zone SET boundary = …` through psycopg as the grid role,
                      committed (the database part alone: zone shape check and building
                      re-derivation triggers included)
Every redraw alternates between the zone's own boundary and the same buffered inward by 1 m,
so each call changes the zone; the returned version is the next expectedVersion. At the end
every change set this script committed is undone (undoLatest, as many times as it committed),
so the zone, the buildings and the community's undo stack are as they were; the raw SQL
baseline ends on the original boundary and version, written back byte for byte.

The script starts nothing. Start the suite (`./partygrid up`), then:
    .venv/bin/python bench/grid_redraw.py GATEWAY_URL GRID_URL GRID_DB_URL [-n 200]
        [--zone ID]
  GATEWAY_URL  the gateway's GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql
  GRID_URL     the grid subgraph's GraphQL endpoint, e.g. http://127.0.0.1:4002/graphql
  GRID_DB_URL  the grid database as the partygrid_grid role: a libpq URL or conninfo, or the
               SQLAlchemy URL the suite uses (`postgresql+psycopg://partygrid_grid@/partygrid
               ?host=<data dir>/pg/run&port=5432` for the private cluster)
  --zone       the zone to redraw; default: the demo zone holding the most buildings
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

import httpx
import psycopg
from bench_auth import signer

TARGET_P50, TARGET_P99 = 25.0, 60.0  # ms, from the issue
WARMUP = 10

REDRAW = """mutation($z: ID!, $b: GeoJSON!, $v: Int!, $dry: Boolean!) {
  redrawZone(zoneId: $z, boundary: $b, expectedVersion: $v, dryRun: $dry,
             reason: "bench/grid_redraw.py") {
    changeSet { id number items { entity entityId after { version } } }
    diff { buildings { buildingId after { zoneId } } }
    coverageAfter { buildings orphans zones }
    findings { code }
    errors { code messageEn }
    currentVersion } }"""
UNDO = """mutation($c: String!) { undoLatest(communityCode: $c, reason: "bench cleanup") {
  changeSet { number } errors { code messageEn } } }"""
TYPENAME = "{ __typename }"


def libpq_url(url: str) -> str:
    """The SQLAlchemy dialect suffix dropped, so psycopg takes the suite's URL as well."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def post(client: httpx.Client, url: str, query: str, variables: dict | None = None) -> dict:
    body = client.post(url, json={"query": query, "variables": variables or {}}).json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return body["data"]


class Zone:
    """The zone under test: its two boundaries and the version to edit against next."""

    def __init__(self, db: psycopg.Connection, zone_id: str | None) -> None:
        if zone_id is None:
            zone_id = db.execute(
                "SELECT zone_id FROM grid.building WHERE zone_id IS NOT NULL "
                "GROUP BY zone_id ORDER BY count(*) DESC, zone_id LIMIT 1"
            ).fetchone()[0]
        row = db.execute(
            "SELECT id::text, community_code, version, encode(ST_AsEWKB(boundary), 'hex'), "
            "ST_AsGeoJSON(boundary, 15), "
            "ST_AsGeoJSON(ST_Buffer(boundary::geography, -1)::geometry, 15), "
            "ST_AsEWKB(ST_Buffer(boundary::geography, -1)::geometry), "
            "(SELECT count(*) FROM grid.building b WHERE b.zone_id = z.id) "
            "FROM grid.zone z WHERE id = %s",
            (zone_id,),
        ).fetchone()
        self.id, self.community, self.version, self.ewkb_hex = row[:4]
        self.shapes = (json.loads(row[4]), json.loads(row[5]))
        self.inner_ewkb = bytes(row[6])
        self.buildings = row[7]
        self.original_version = self.version
        self.calls = 0
        self.commits = 0

    def next_shape(self) -> dict:
        """Alternate: inner, outer, inner, … (the zone starts on the outer one)."""
        self.calls += 1
        return self.shapes[self.calls % 2]


def redraw(client: httpx.Client, url: str, zone: Zone, *, dry_run: bool) -> None:
    variables = {"z": zone.id, "b": zone.next_shape(), "v": zone.version, "dry": dry_run}
    result = post(client, url, REDRAW, variables)["redrawZone"]
    if result["errors"]:
        raise RuntimeError(result["errors"])
    if dry_run:
        zone.calls -= 1  # nothing changed: the next call redraws to the same shape again
        return
    (item,) = [i for i in result["changeSet"]["items"] if i["entityId"] == zone.id]
    zone.version = item["after"]["version"]
    zone.commits += 1


def raw_update(db: psycopg.Connection, zone: Zone) -> Callable[[], None]:
    """The database part alone: one committed UPDATE of the boundary, triggers included."""
    shapes = (bytes.fromhex(zone.ewkb_hex), zone.inner_ewkb)
    calls = 0

    def update() -> None:
        nonlocal calls
        calls += 1
        with db.transaction():
            db.execute(
                "UPDATE grid.zone SET boundary = ST_GeomFromEWKB(%s), version = version + 1, "
                "updated_at = now() WHERE id = %s",
                (shapes[calls % 2], zone.id),
            )

    return update


PREVIEW_SQL = (  # what a redraw preview sends, in order (services/grid/planner/)
    "SELECT community_code FROM grid.zone WHERE id = %(z)s",
    "SELECT pg_advisory_xact_lock(hashtext('grid.zone:' || %(c)s))",
    "SELECT b.id, b.zone_id, z.organization_id, b.party_group_id FROM grid.building b "
    "LEFT JOIN grid.zone z ON z.id = b.zone_id WHERE b.community_code = %(c)s",
    "SELECT id, organization_id FROM grid.zone WHERE community_code = %(c)s",
    "SELECT id, community_code, name, organization_id, version, ST_AsBinary(boundary) AS wkb "
    "FROM grid.zone WHERE id = %(z)s FOR UPDATE",
    "SELECT id, name, organization_id, version, ST_AsGeoJSON(boundary, 9) AS geojson, "
    "encode(ST_AsEWKB(boundary), 'hex') AS wkb FROM grid.zone WHERE id IN (%(z)s)",
    "UPDATE grid.zone SET boundary = ST_GeomFromEWKB(%(w)s), version = version + 1, "
    "updated_at = now() WHERE id = %(z)s",
    "SELECT b.id, b.zone_id, z.organization_id, b.party_group_id FROM grid.building b "
    "LEFT JOIN grid.zone z ON z.id = b.zone_id WHERE b.community_code = %(c)s",
    "SELECT id, organization_id FROM grid.zone WHERE community_code = %(c)s",
)


def preview_sql(db: psycopg.Connection, zone: Zone) -> Callable[[], None]:
    """The preview's SQL alone, replayed over psycopg and rolled back: the database's share
    of a preview (everything else in it is the subgraph's Python and HTTP)."""
    values = {"z": zone.id, "c": zone.community, "w": zone.inner_ewkb}

    def replay() -> None:
        with db.transaction(force_rollback=True):
            for statement in PREVIEW_SQL:
                cursor = db.execute(statement, values)
                if cursor.description:
                    cursor.fetchall()

    return replay


def timed(fn: Callable[[], object], n: int) -> list[float]:
    for _ in range(WARMUP):  # warm caches, plans and connections
        fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def report(results: dict[str, list[float]], zone: Zone, n: int) -> None:
    print(f"zone {zone.id} (community {zone.community}, {zone.buildings} buildings), n={n}")
    typename, sql = results["baseline typename"], results["baseline SQL"]
    for name, samples in results.items():
        print(
            f"{name:20} p50 {p(samples, 50):7.2f} ms  p99 {p(samples, 99):7.2f} ms"
            f"  ×typename {p(samples, 50) / p(typename, 50):6.2f}"
            f"  ×SQL {p(samples, 50) / p(sql, 50):6.2f}  (p50 ratios)"
        )
    commit = results["commit via gateway"]
    p50, p99 = p(commit, 50), p(commit, 99)
    print(
        f"target: commit via gateway p50 {p50:.2f} ≤ {TARGET_P50} ms "
        f"{'met' if p50 <= TARGET_P50 else 'NOT met'}; p99 {p99:.2f} ≤ {TARGET_P99} ms "
        f"{'met' if p99 <= TARGET_P99 else 'NOT met'}"
    )
    direct, preview = results["commit direct"], results["preview via gateway"]
    print(
        f"gateway overhead on a commit (p50): {p50 - p(direct, 50):+.2f} ms; "
        f"history + durable commit (commit − preview, p50): {p50 - p(preview, 50):+.2f} ms"
    )


def restore(client: httpx.Client, gateway: str, db: psycopg.Connection, zone: Zone) -> None:
    """Undo every change set this script committed, newest first."""
    for _ in range(zone.commits):
        result = post(client, gateway, UNDO, {"c": zone.community})["undoLatest"]
        if result["errors"]:
            raise RuntimeError(result["errors"])
    ewkb, version = db.execute(
        "SELECT encode(ST_AsEWKB(boundary), 'hex'), version FROM grid.zone WHERE id = %s",
        (zone.id,),
    ).fetchone()
    same = "byte for byte" if ewkb == zone.ewkb_hex else "NOT"
    print(f"restored: {zone.commits} change sets undone; boundary {same} as before (v{version})")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("gateway", help="gateway GraphQL URL")
    parser.add_argument("grid", help="grid subgraph GraphQL URL")
    parser.add_argument("grid_db", help="grid database URL (role partygrid_grid)")
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--zone", help="zone id (default: the demo zone with most buildings)")
    args = parser.parse_args()
    with (
        psycopg.connect(libpq_url(args.grid_db), autocommit=True) as db,
        httpx.Client(timeout=30, event_hooks={"request": [signer(args.gateway)]}) as client,
    ):
        zone = Zone(db, args.zone)
        results: dict[str, list[float]] = {}
        update = raw_update(db, zone)
        # first, while no change set of ours exists: an even number of updates ends on the
        # original shape, then the version goes back too (undo compares content, not versions)
        results["baseline SQL"] = timed(update, args.n + args.n % 2)
        db.execute(
            "UPDATE grid.zone SET boundary = ST_GeomFromEWKB(decode(%s, 'hex')), version = %s "
            "WHERE id = %s",
            (zone.ewkb_hex, zone.original_version, zone.id),
        )
        results["preview SQL only"] = timed(preview_sql(db, zone), args.n)
        results["baseline typename"] = timed(lambda: post(client, args.gateway, TYPENAME), args.n)
        try:
            results["commit via gateway"] = timed(
                lambda: redraw(client, args.gateway, zone, dry_run=False), args.n
            )
            results["commit direct"] = timed(
                lambda: redraw(client, args.grid, zone, dry_run=False), args.n
            )
            results["preview via gateway"] = timed(
                lambda: redraw(client, args.gateway, zone, dry_run=True), args.n
            )
            results["preview direct"] = timed(
                lambda: redraw(client, args.grid, zone, dry_run=True), args.n
            )
        finally:
            restore(client, args.gateway, db, zone)
        report(results, zone, args.n)


if __name__ == "__main__":
    main()
