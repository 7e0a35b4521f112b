"""A suite reading from a streaming replica (infra/replica.py, services/common/replica.py): the
heavy reads answer the same there, a planner reads their own write at once, a paused replica
is noticed and read around, and the replica really answers the reads routed to it."""

from __future__ import annotations

import contextlib
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import psycopg
import pytest
from evidence_files import pdf
from own_suite import OwnDatabase, ops_settings, own_database

from infra.cluster import REPLICATION_ROLE, Cluster
from infra.replica import (
    add_replica,
    read_env,
    remove_replica,
    replica_cluster,
    replica_names,
    running_replicas,
    slots,
    spread_env,
)
from infra.setup import token_keys
from infra.stack import services
from services.common.auth import Identity, Role
from services.common.read_protocol import READ_AFTER_HEADER, READ_PRIMARY_HEADER
from stack import DISTRICT, Running

COMMUNITY = "410104002002"
PLANNER = Identity("test-planner", Role.PLANNER, "410104")
COVERAGE = "query ($r: String!) { coverage(regionCode: $r) { zones zonesWithoutOrganization } }"
ASSIGN_ZONE = """mutation($z: ID!, $o: ID, $v: Int!) {
  assignZone(zoneId: $z, organizationId: $o, expectedVersion: $v, dryRun: false) {
    errors { code messageEn } currentVersion } }"""
# One query of each heavy family the replicas serve (services/*/replica_fields.py).
FAMILIES = {
    "grid": [
        '{ coverage(regionCode: "410104") { buildings covered percent zones'
        " gapCounts { building zone } gaps(first: 20) { totalCount } } }",
        '{ coverage(regionCode: "410104002002") { gapsGeoJSON } }',
        '{ exportGeoJSON(regionCode: "410104002002", layer: BUILDINGS) }',
        '{ exportCSV(regionCode: "410104002002", layer: ZONES) }',
    ],
    "org": [
        '{ findings(regionCode: "410104", first: 50) { totalCount nodes { rule message } } }',
        '{ communityCounts(communityCodes: ["410104002002", "410104001001"])'
        " { code reportingDue reportedIn findings { rule } } }",
        '{ regionResidents(regionCodes: ["410104"]) { total notReportedIn } }',
        '{ postHoldings(regionCode: "410104") { organizationId withPosts } }',
    ],
    "assess": [
        '{ starRatings(regionCode: "410104002002", year: 2020) { unitId computedStars } }',
        '{ milestoneStatuses(regionCode: "410104002", year: 2020)'
        " { communityCode milestones { status } } }",
        '{ overdueMilestones(regionCode: "410104002", year: 2020) { count } }',
        '{ monthlyReportRollup(districtCode: "410104", month: "2020-05")'
        " { totals { communities } } }",
        '{ commendationList(regionCode: "410104002", year: 2020) { state entries { id } } }',
        '{ fiveGoodEvaluation(communityCode: "410104002002", year: 2020) { communityCode } }',
    ],
}
PRIMARY = {READ_PRIMARY_HEADER: "1"}  # what a subgraph serving a write asks: the primary
FORGED = "FFFFFFFF/FFFFFFFF"  # a position no write reached: ignored


@dataclass(frozen=True)
class Suite:
    own: OwnDatabase
    replica: Cluster
    running: Running

    @property
    def base(self) -> str:
        return self.running.gateway.removesuffix("/graphql")

    def gateway(self, query: str, variables: dict | None = None, **headers: str) -> httpx.Response:
        return httpx.post(
            self.running.gateway,
            json={"query": query, "variables": variables or {}},
            headers={**self.running.headers(self.running.gateway, PLANNER), **headers},
            timeout=30,
        )

    def replica_sql(self, statement: str) -> object:
        with psycopg.connect(self.replica.conninfo(), autocommit=True) as conn:
            row = conn.execute(statement).fetchone()
        return row[0] if row else None


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    logs = tmp_path_factory.mktemp("logs")
    with own_database(ops_settings("replica")) as own, contextlib.ExitStack() as stack:
        replica = add_replica(own.cluster, "r1")
        stack.callback(replica.stop)  # before own_database stops the primary and removes all
        env = read_env(replica, own.settings.db_name)
        keys = token_keys(own.settings)
        started = stack.enter_context(services(own.prepared.database, keys, logs, env=env))
        running = Running(started.subgraphs, started.gateway, started.supervisor, keys)
        yield Suite(own, replica, running)


def _busiest_zone(suite: Suite) -> tuple[str, str | None, int]:
    conninfo = suite.own.cluster.conninfo(database=suite.own.settings.db_name)
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            "SELECT z.id::text, z.organization_id::text, z.version FROM grid.zone z"
            " WHERE z.community_code = %s AND z.organization_id IS NOT NULL"
            " ORDER BY z.id LIMIT 1",
            (COMMUNITY,),
        ).fetchone()
    assert row is not None
    return row[0], row[1], row[2]


def _assign(
    suite: Suite, zone: str, org: str | None, version: int, **headers: str
) -> httpx.Response:
    response = suite.gateway(ASSIGN_ZONE, {"z": zone, "o": org, "v": version}, **headers)
    body = response.json()
    assert not body.get("errors") and body["data"]["assignZone"]["errors"] == [], body
    return response


def _unowned(suite: Suite, **headers: str) -> int:
    response = suite.gateway(COVERAGE, {"r": COMMUNITY}, **headers)
    body = response.json()
    assert not body.get("errors"), body
    return int(body["data"]["coverage"]["zonesWithoutOrganization"])


def _gaps_tile(
    suite: Suite, zone: str, headers: dict[str, str] | None = None, *, via_gateway: bool = False
) -> bytes:
    """The z12 `gaps` tile around `zone`, from the grid subgraph's tile route (or the
    gateway's, which passes it on for the signed-in caller)."""
    conninfo = suite.own.cluster.conninfo(database=suite.own.settings.db_name)
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(boundary) c FROM grid.zone"
            " WHERE id = %s) z",
            (zone,),
        ).fetchone()
    assert row is not None
    z, (lon, lat) = 12, row
    x = int((lon + 180) / 360 * 2**z)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z)
    url = suite.running.gateway if via_gateway else suite.running.subgraphs["grid"]
    response = httpx.get(
        f"{url.removesuffix('/graphql')}/tiles/gaps/{z}/{x}/{y}.pbf",
        headers={**suite.running.headers(url, DISTRICT), **(headers or {})},
        timeout=30,
    )
    assert response.status_code in (200, 204), response.text
    return response.content


def test_the_replica_streams_through_its_slot(suite: Suite) -> None:
    assert replica_names(suite.own.cluster) == ["r1"]
    assert [(s.slot, s.active) for s in slots(suite.own.cluster)] == [("partygrid_r1", True)]
    assert suite.replica_sql("SELECT pg_is_in_recovery()") is True
    mode = os.stat(suite.replica.data).st_mode & 0o777
    assert mode == 0o700


def _reads_started(suite: Suite, service: str) -> set[tuple[int, object]]:
    """(backend, when its last query started) of `service`'s read pool on the replica (the
    lag monitor has a pool of its own: these run only the reads routed there)."""
    with psycopg.connect(suite.replica.conninfo(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid, query_start FROM pg_stat_activity WHERE application_name = %s",
            (f"partygrid-{service}-reads",),
        ).fetchall()
    return {(row[0], row[1]) for row in rows}


@pytest.mark.parametrize("service", sorted(FAMILIES))
def test_heavy_reads_answer_the_same_on_the_replica(suite: Suite, service: str) -> None:
    url = suite.running.subgraphs[service]
    for query in FAMILIES[service]:
        before = _reads_started(suite, service)
        on_replica = suite.running.post(url, query, identity=DISTRICT)
        assert _reads_started(suite, service) - before, (
            "not read on the replica",
            query,
            httpx.get(url.removesuffix("/graphql") + "/healthz").json(),
        )
        before = _reads_started(suite, service)
        forced = httpx.post(
            url,
            json={"query": query},
            headers={**suite.running.headers(url, DISTRICT), **PRIMARY},
            timeout=30,
        ).json()
        assert _reads_started(suite, service) == before, ("read on the replica", query)
        assert "errors" not in on_replica, (query, on_replica)
        assert on_replica == forced, query


def test_a_position_no_write_reached_is_ignored(suite: Suite) -> None:
    """A forged read-after position (past the primary's own) sends nothing to the primary:
    the replica answers at once, as for a caller without a token."""
    url = suite.running.subgraphs["grid"]
    query = FAMILIES["grid"][0]
    suite.running.post(url, query, identity=DISTRICT)  # the monitor has seen the primary
    before = _reads_started(suite, "grid")
    forged = httpx.post(
        url,
        json={"query": query},
        headers={**suite.running.headers(url, DISTRICT), READ_AFTER_HEADER: FORGED},
        timeout=30,
    ).json()
    assert "errors" not in forged, forged
    assert _reads_started(suite, "grid") - before


def test_a_planner_reads_their_own_write_and_the_replica_answers_the_rest(suite: Suite) -> None:
    zone, org, version = _busiest_zone(suite)
    before = _unowned(suite)
    tile_before = _gaps_tile(suite, zone)
    # Replay paused: what the primary commits now is not on the replica.
    suite.replica_sql("SELECT pg_wal_replay_pause()")
    try:
        written = _assign(suite, zone, None, version)
        token = written.headers["partygrid-read-after"]
        assert token.startswith("grid=")
        cookie = written.cookies.get("partygrid_read_after")
        assert cookie == token
        set_cookie = written.headers["set-cookie"]
        assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
        # The planner's next read carries the token: the replica is behind it, the primary
        # answers, and the write is there on the first read (header or cookie alike).
        assert _unowned(suite, **{"partygrid-read-after": token}) == before + 1
        assert _unowned(suite, cookie=f"partygrid_read_after={cookie}") == before + 1
        # Without the token the read goes to the (paused) replica: it does not have the write
        # yet, which proves that the replica really answers the reads routed to it.
        assert _unowned(suite) == before
        # The map tiles too: the zone without an organization is in the gaps layer of the
        # primary's tile, not yet in the replica's.
        assert _gaps_tile(suite, zone) == tile_before
        assert _gaps_tile(suite, zone, PRIMARY) != tile_before
        # Through the gateway's own tile route the planner's token goes on to grid: the
        # primary draws the tile with the write; without it the replica's tile is as before.
        assert _gaps_tile(suite, zone, {"partygrid-read-after": token}, via_gateway=True) != (
            tile_before
        )
        assert _gaps_tile(suite, zone, via_gateway=True) == tile_before
        # /readyz shows the replica behind (once measured again), yet taking reads.
        ready = _readyz_until(suite, lambda body: (_grid(body).get("lagBytes") or 0) > 0)
        assert _grid(ready)["state"] == "ok", ready
    finally:
        suite.replica_sql("SELECT pg_wal_replay_resume()")
    _assign(suite, zone, org, version + 1)  # as it was


MOVE_MEMBER = """mutation($id: ID!, $b: ID!, $v: Int) {
  updateMember(id: $id, input: { homeBuildingId: $b }, expectedVersion: $v) {
    errors { code messageEn } member { id } } }"""
MEMBER_BUILDINGS = "query ($r: String!) { coverage(regionCode: $r) { memberBuildings } }"


def _a_move(suite: Suite) -> tuple[str, int, str, str]:
    """A member living in a building with other members, and a building of the same
    community where nobody lives: moving them adds one building with a member."""
    conninfo = suite.own.cluster.conninfo(database=suite.own.settings.db_name)
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            "WITH lived AS (SELECT home_building_id b, count(*) n FROM org.member"
            "  WHERE left_on IS NULL AND home_building_id IS NOT NULL GROUP BY 1)"
            " SELECT m.id::text, m.version, m.home_building_id::text, e.id::text"
            " FROM org.member m JOIN lived l ON l.b = m.home_building_id AND l.n >= 2"
            " JOIN grid.building e ON e.community_code = m.community_code"
            "  AND e.zone_id IS NOT NULL AND e.party_group_id IS NULL"
            "  AND e.id NOT IN (SELECT b FROM lived)"
            " WHERE m.left_on IS NULL AND m.community_code = %s ORDER BY m.id, e.id LIMIT 1",
            (COMMUNITY,),
        ).fetchone()
    assert row is not None
    return row[0], row[1], row[2], row[3]


def _member_buildings(suite: Suite, **headers: str) -> int:
    body = suite.gateway(MEMBER_BUILDINGS, {"r": COMMUNITY}, **headers).json()
    assert not body.get("errors"), body
    return int(body["data"]["coverage"]["memberBuildings"])


def _move(suite: Suite, member: str, building: str, version: int) -> httpx.Response:
    response = httpx.post(
        suite.running.gateway,
        json={"query": MOVE_MEMBER, "variables": {"id": member, "b": building, "v": version}},
        headers=suite.running.headers(suite.running.gateway, DISTRICT),
        timeout=30,
    )
    body = response.json()
    assert not body.get("errors") and body["data"]["updateMember"]["errors"] == [], body
    return response


def test_a_read_resting_on_another_services_write_sees_it(suite: Suite) -> None:
    """An org write, then grid's coverage (which asks org for the residents): with the
    caller's token grid reads on the primary AND asks org's primary, so the move is seen."""
    member, version, home, empty = _a_move(suite)
    before = _member_buildings(suite)
    suite.replica_sql("SELECT pg_wal_replay_pause()")
    try:
        token = _move(suite, member, empty, version).headers["partygrid-read-after"]
        assert token.startswith("org=")
        assert _member_buildings(suite, **{"partygrid-read-after": token}) == before + 1
        assert _member_buildings(suite) == before  # the replicas, grid's and org's: paused
    finally:
        suite.replica_sql("SELECT pg_wal_replay_resume()")
    _move(suite, member, home, version + 1)  # as it was


DELETE_BUILDING = """mutation($b: ID!, $v: Int!) {
  deleteBuilding(buildingId: $b, expectedVersion: $v, dryRun: true) { errors { code } } }"""


def test_a_write_checks_another_service_on_its_primary(suite: Suite) -> None:
    """grid deleting a building asks org who lives there: while serving the mutation it asks
    org's primary, so a member just moved in is seen (replicas paused, and no token)."""
    member, version, home, empty = _a_move(suite)
    conninfo = suite.own.cluster.conninfo(database=suite.own.settings.db_name)
    with psycopg.connect(conninfo) as conn:
        row = conn.execute("SELECT version FROM grid.building WHERE id = %s", (empty,)).fetchone()
    assert row is not None
    delete = {"b": empty, "v": row[0]}
    assert suite.gateway(DELETE_BUILDING, delete).json()["data"]["deleteBuilding"] == {"errors": []}
    suite.replica_sql("SELECT pg_wal_replay_pause()")
    try:
        _move(suite, member, empty, version)
        refused = suite.gateway(DELETE_BUILDING, delete).json()
        assert refused["data"]["deleteBuilding"] == {"errors": [{"code": "IN_USE"}]}, refused
    finally:
        suite.replica_sql("SELECT pg_wal_replay_resume()")
    _move(suite, member, home, version + 1)  # as it was


def test_a_lagging_replica_takes_no_reads_and_readyz_says_so(suite: Suite) -> None:
    """The grid subgraph again, with a lag limit the paused replica passes: reads go to the
    primary at once (no token needed) and /readyz reports it degraded, still 200."""
    zone, org, version = _busiest_zone(suite)
    own = suite.own
    replica_env = read_env(suite.replica, own.settings.db_name)["grid"]
    env = {"grid": {**replica_env, "PARTYGRID_GRID_READ_MAX_LAG_SECONDS": "0.001"}}
    keys = token_keys(own.settings)
    logs = suite.running.supervisor.log_dir / "strict"
    with services(own.prepared.database, keys, logs, env=env) as strict:
        running = Running(strict.subgraphs, strict.gateway, strict.supervisor, keys)
        before = running.post(running.gateway, COVERAGE, {"r": COMMUNITY})
        suite.replica_sql("SELECT pg_wal_replay_pause()")
        try:
            written = running.post(
                running.gateway, ASSIGN_ZONE, {"z": zone, "o": None, "v": version}
            )
            assert written["data"]["assignZone"]["errors"] == []
            body = _readyz_until(
                strict.base_url("gateway"),
                lambda body: _grid(body).get("state") == "lagging",
            )
            assert any(d.startswith("grid replica lagging") for d in body["degraded"]), body
            after = running.post(running.gateway, COVERAGE, {"r": COMMUNITY})
            unowned = after["data"]["coverage"]["zonesWithoutOrganization"]
            assert unowned == before["data"]["coverage"]["zonesWithoutOrganization"] + 1
        finally:
            suite.replica_sql("SELECT pg_wal_replay_resume()")
        running.post(running.gateway, ASSIGN_ZONE, {"z": zone, "o": org, "v": version + 1})


def _cli(suite: Suite, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PARTYGRID_DATA_DIR": str(suite.own.settings.data_dir),
        "PARTYGRID_DB_NAME": suite.own.settings.db_name,
    }
    return subprocess.run(
        [sys.executable, "-m", "infra.cli", "replica", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _grid(body: dict) -> dict:
    """grid's replica in a /readyz answer ({} when grid's /healthz did not answer in time)."""
    return (body.get("replicas") or {}).get("grid") or {}


def _readyz_until(suite: Suite | str, seen: Callable[[dict], bool]) -> dict:
    """/readyz's answer (of the suite's gateway, or the one at this base URL) once `seen`
    holds (the lag is measured again at most once a second, in the background; a stopped
    replica's slot is let go a moment after its server has stopped); fails after 30 s."""
    base = suite if isinstance(suite, str) else suite.base
    body: dict = {}
    for _ in range(300):
        response = httpx.get(f"{base}/readyz", timeout=10)
        assert response.status_code == 200
        if seen(body := response.json()):
            return body
        time.sleep(0.1)
    raise AssertionError(body)


def _poll(ask: Callable[[], object], what: str) -> object:
    """`ask()`'s first truthy answer, asked every 0.1 s for up to 30 s."""
    for _ in range(300):
        if found := ask():
            return found
        time.sleep(0.1)
    raise AssertionError(what)


def _one(conn: psycopg.Connection, query: str) -> object:
    row = conn.execute(query).fetchone()
    return row[0] if row else None


def test_a_replica_that_cannot_stream_is_down(suite: Suite) -> None:
    """Behind and no WAL coming (its replication role refused): down at once, not "ok"
    until the lag limit, and /readyz says so; streaming again, it is ok."""
    zone, org, version = _busiest_zone(suite)
    primary = suite.own.cluster.conninfo()
    with psycopg.connect(primary, autocommit=True) as conn:
        conn.execute(f"ALTER ROLE {REPLICATION_ROLE} NOLOGIN")
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_replication")
    try:
        _assign(suite, zone, None, version)  # the primary moves on without the replica
        body = _readyz_until(suite, lambda body: _grid(body).get("state") == "down")
        down = [d for d in body["degraded"] if d.startswith("grid replica down: reads on")]
        assert down and "holds back vacuum" in down[0], body
    finally:
        with psycopg.connect(primary, autocommit=True) as conn:
            conn.execute(f"ALTER ROLE {REPLICATION_ROLE} LOGIN")
    _readyz_until(suite, lambda body: _grid(body) == _CAUGHT_UP)
    _assign(suite, zone, org, version + 1)  # as it was


_CAUGHT_UP = {"state": "ok", "lagBytes": 0, "replaySeconds": 0.0}


def test_a_replica_failing_under_a_read_hands_it_to_the_primary(suite: Suite) -> None:
    """A read waiting on the replica (behind a lock replayed from the primary) has its
    connection ended: the primary answers it, and the caller never sees the failure."""
    url = suite.running.subgraphs["grid"]
    query = FAMILIES["grid"][0]
    headers = suite.running.headers(url, DISTRICT)
    expected = httpx.post(url, json={"query": query}, headers={**headers, **PRIMARY}, timeout=30)
    locked = (
        "SELECT count(*) FROM pg_locks WHERE mode = 'AccessExclusiveLock'"
        " AND relation = 'grid.building'::regclass"
    )
    waiting = (
        "SELECT pid FROM pg_stat_activity WHERE usename = 'partygrid_grid'"
        " AND wait_event_type = 'Lock'"
    )
    conninfo = suite.own.cluster.conninfo(database=suite.own.settings.db_name)
    with psycopg.connect(conninfo) as lock, ThreadPoolExecutor(1) as pool:
        lock.execute("LOCK TABLE grid.building IN ACCESS EXCLUSIVE MODE")
        with psycopg.connect(conninfo, autocommit=True) as other:  # a commit flushes the
            other.execute("SELECT pg_current_xact_id()")  # lock's WAL record to the replica
        with psycopg.connect(
            suite.replica.conninfo(database=suite.own.settings.db_name)
        ) as replica:
            replica.autocommit = True
            _poll(lambda: _one(replica, locked), "the lock on the replica")
            asked = pool.submit(httpx.post, url, json={"query": query}, headers=headers, timeout=60)
            pid = _poll(lambda: _one(replica, waiting), "a read waiting there")
            replica.execute("SELECT pg_terminate_backend(%s)", (pid,))
        lock.rollback()
        answer = asked.result()
    assert answer.status_code == 200
    assert "errors" not in answer.json(), answer.json()
    assert answer.json() == expected.json()


def test_replica_commands_add_list_and_remove(suite: Suite) -> None:
    refused = _cli(suite, "add", "R1!")
    assert refused.returncode == 2 and "not a replica name" in refused.stderr
    added = _cli(suite, "add", "r2")
    try:
        _r2_listed_stopped_and_removed(suite, added)
    finally:
        if "r2" in replica_names(suite.own.cluster):  # a failure above: leave nothing running
            _cli(suite, "remove", "r2")


def _r2_listed_stopped_and_removed(suite: Suite, added: subprocess.CompletedProcess[str]) -> None:
    assert added.returncode == 0, added.stderr
    listed = _cli(suite, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {row["name"]: row for row in json.loads(listed.stdout)["replicas"]}
    assert sorted(rows) == ["r1", "r2"]
    assert rows["r2"]["running"] and rows["r2"]["slotActive"] and rows["r2"]["replayLsn"]
    # A replica stopped for good and not removed: its slot keeps WAL; /readyz says so.
    # A slot that is not ours (another tool's, on the same server) is not named by the
    # public /readyz.
    primary = suite.own.cluster.conninfo()
    with psycopg.connect(primary, autocommit=True) as conn:
        conn.execute("SELECT pg_create_physical_replication_slot('someone_elses')")
    try:
        replica_cluster(suite.own.cluster, "r2").stop()
        body = _readyz_until(suite, lambda body: "partygrid_r2" in str(body.get("degraded")))
        assert "someone_elses" not in str(body), body
    finally:
        with psycopg.connect(primary, autocommit=True) as conn:
            conn.execute("SELECT pg_drop_replication_slot('someone_elses')")
    removed = _cli(suite, "remove", "r2")
    assert removed.returncode == 0, removed.stderr
    assert replica_names(suite.own.cluster) == ["r1"]
    assert [s.slot for s in slots(suite.own.cluster)] == ["partygrid_r1"]  # no WAL kept for r2


def test_a_slot_keeps_a_bounded_amount_of_wal(suite: Suite) -> None:
    """A replica away for long costs the primary at most 8GB of WAL, not its whole disk."""
    with psycopg.connect(suite.own.cluster.conninfo(), autocommit=True) as conn:
        row = conn.execute("SHOW max_slot_wal_keep_size").fetchone()
    assert row is not None and row[0] == "8GB"


def test_services_are_spread_over_the_replicas(suite: Suite) -> None:
    r2 = replica_cluster(suite.own.cluster, "r2")  # not started: its URLs are what counts
    env = spread_env([suite.replica, r2], suite.own.settings.db_name)
    on = {
        name: str(r2.socket_dir) in env[name][f"PARTYGRID_{name.upper()}_READ_DATABASE_URL"]
        for name in env
    }
    assert on == {"org": False, "grid": True, "assess": False}
    assert spread_env([], suite.own.settings.db_name) == {}


def test_up_stops_every_replica_when_it_ends(suite: Suite) -> None:
    """The last test of the module (it stops r1, then starts it again): `partygrid up`'s
    replicas stop when it ends, one added by `partygrid replica add` meanwhile too."""
    primary = suite.own.cluster
    try:
        with running_replicas(primary, 0) as started:
            assert [r.root.name for r in started] == ["r1"]
            extra = add_replica(primary, "r3")  # as `partygrid replica add r3` while up runs
            assert extra.running_pid() is not None
        assert extra.running_pid() is None
        assert suite.replica.running_pid() is None
    finally:
        suite.replica.start()
        remove_replica(primary, "r3")


def test_an_evidence_upload_returns_the_authors_position(suite: Suite) -> None:
    """A write through a plain-HTTP route (not GraphQL) answers the primary's position too:
    the author's next reads wait for it."""
    files = suite.base + "/files/evidence"
    headers = {
        **suite.running.headers(suite.running.gateway, DISTRICT),
        "content-type": "application/octet-stream",
    }
    kept = httpx.post(files, params={"community": COMMUNITY}, content=pdf(), headers=headers)
    assert kept.status_code == 201, kept.text
    token = kept.headers.get("partygrid-read-after", "")
    assert token.startswith("assess=") and kept.cookies.get("partygrid_read_after") == token
