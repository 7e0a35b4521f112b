"""Replica lag under the redraw load of `grid_redraw.py`, and what a replica costs that load.

Starts its own suite on a private cluster with the product's settings under PARTYGRID_DATA_DIR
(`infra.stack.prepared`, like `partygrid up`), with one streaming replica (infra/replica.py).
Rounds alternate (so both see the same machine):
  without    the replica stopped, the services without READ_DATABASE_URL: n redraw commits
             through the gateway (`grid_redraw.redraw`'s call, its zone and shapes)
  streaming  the replica streaming, the services not reading from it: what replication
             alone costs the primary (WAL sender, the replica's replay on the same CPUs)
  reading    the replica streaming, the services reading from it: the same n commits; after
           each, the commit's WAL position (the `PartyGrid-Read-After` token the gateway
           returns) is polled on the replica (`pg_last_wal_replay_lsn()`, every `--poll-ms`)
           until replayed: write → visible-on-replica lag. Only the commits are timed for
           the redraw figures; the polling happens between them.
Prints redraw p50/p99 per mode (the issue-15 targets: p50 ≤ 25 ms, p99 ≤ 60 ms), the lag
p50/p99/max, and the machine's load average. Every change set is undone at the end.

    PARTYGRID_DATA_DIR=/tmp/bench-replica .venv/bin/python bench/replica_lag.py -n 200
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from bench_auth import signer
from grid_redraw import REDRAW, TARGET_P50, TARGET_P99, Zone, libpq_url, p, restore

from infra.cluster import Cluster
from infra.database import Database
from infra.replica import add_replica, read_env, replica_cluster, replica_names
from infra.settings import SuiteSettings
from infra.setup import token_keys
from infra.stack import Stack, prepared, services
from services.common.read_protocol import parse_lsn

WARMUP = 10


def commit(client: httpx.Client, url: str, zone: Zone) -> str | None:
    """One redraw commit (as `grid_redraw.redraw`); the read-after token it returned."""
    variables = {"z": zone.id, "b": zone.next_shape(), "v": zone.version, "dry": False}
    response = client.post(url, json={"query": REDRAW, "variables": variables})
    body = response.json()
    result = body["data"]["redrawZone"] if body.get("data") else None
    if body.get("errors") or result is None or result["errors"]:
        raise RuntimeError(body)
    (item,) = [i for i in result["changeSet"]["items"] if i["entityId"] == zone.id]
    zone.version = item["after"]["version"]
    zone.commits += 1
    return response.headers.get("partygrid-read-after")


def visible_after(replica: psycopg.Connection, token: str, poll: float) -> float:
    """Seconds until the replica has replayed the grid position in `token`."""
    target = parse_lsn(dict(part.split("=", 1) for part in token.split("."))["grid"])
    assert target is not None
    started = time.perf_counter()
    while True:
        value = replica.execute("SELECT pg_last_wal_replay_lsn()::text").fetchone()
        if value and (parse_lsn(value[0]) or 0) >= target:
            return time.perf_counter() - started
        time.sleep(poll)


@dataclass(frozen=True)
class Bench:
    cluster: Cluster  # the primary
    settings: SuiteSettings
    database: Database
    grid_db: psycopg.Connection  # as the grid role, for the undo's check
    logs: Path

    @property
    def replica(self) -> Cluster:
        return replica_cluster(self.cluster, "r1")

    @contextlib.contextmanager
    def suite(self, *, reading: bool) -> Iterator[Stack]:
        """The services, reading from the replica when `reading` (access log off, as in
        the other benches)."""
        env: dict[str, dict[str, str]] = (
            read_env(self.replica, self.settings.db_name) if reading else {}
        )
        env["gateway"] = {"PARTYGRID_GATEWAY_ACCESS_LOG": "off"}
        with services(self.database, token_keys(self.settings), self.logs, env=env) as stack:
            yield stack


def run_round(
    bench: Bench, zone: Zone, n: int, *, replica: bool, reading: bool, poll: float
) -> tuple[list[float], list[float]]:
    """n timed commits (after warm-up), with the replica streaming or not, the services
    reading from it or not; the lags when reading."""
    if replica:
        bench.replica.start()
    else:
        bench.replica.stop()
    times: list[float] = []
    lags: list[float] = []
    with (
        bench.suite(reading=reading) as stack,
        httpx.Client(timeout=30, event_hooks={"request": [signer(stack.gateway)]}) as client,
        contextlib.ExitStack() as more,
    ):
        standby = (
            more.enter_context(psycopg.connect(bench.replica.conninfo(), autocommit=True))
            if reading
            else None
        )
        try:
            for _ in range(WARMUP):
                commit(client, stack.gateway, zone)
            for _ in range(n):
                started = time.perf_counter()
                token = commit(client, stack.gateway, zone)
                times.append((time.perf_counter() - started) * 1000)
                if standby is not None:
                    assert token, "a commit with a replica returns a read-after token"
                    lags.append(visible_after(standby, token, poll) * 1000)
        finally:
            restore(client, stack.gateway, bench.grid_db, zone)
            # Undoing made new versions; the boundary is the original one (the next shape is
            # the inner one again).
            row = bench.grid_db.execute(
                "SELECT version FROM grid.zone WHERE id = %s", (zone.id,)
            ).fetchone()
            zone.version, zone.commits, zone.calls = row[0], 0, 0
    return times, lags


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--poll-ms", type=float, default=1.0)
    args = parser.parse_args()
    if "PARTYGRID_DATA_DIR" not in os.environ:
        raise SystemExit("set PARTYGRID_DATA_DIR to a bench folder (a cluster is made there)")
    settings = SuiteSettings()
    logs = Path(tempfile.mkdtemp(prefix="bench-replica-"))
    # mode: (replica streaming, services reading from it)
    modes = {"without": (False, False), "streaming": (True, False), "reading": (True, True)}
    results: dict[str, list[float]] = {mode: [] for mode in modes}
    lags: list[float] = []
    loads = [os.getloadavg()[0]]
    with prepared(settings) as ready:
        if ready.cluster is None:
            raise SystemExit("the private cluster only: unset DATABASE_URL")
        if "r1" not in replica_names(ready.cluster):
            add_replica(ready.cluster, "r1")
        grid_url = libpq_url(ready.database.service_urls["grid"])
        try:
            with psycopg.connect(grid_url, autocommit=True) as grid_db:
                bench = Bench(ready.cluster, settings, ready.database, grid_db, logs)
                zone = Zone(grid_db, None)
                for _ in range(args.rounds):
                    for mode, (streaming, reading) in modes.items():
                        times, lag = run_round(
                            bench,
                            zone,
                            args.n,
                            replica=streaming,
                            reading=reading,
                            poll=args.poll_ms / 1000,
                        )
                        results[mode] += times
                        lags += lag
                        loads.append(os.getloadavg()[0])
        finally:
            replica_cluster(ready.cluster, "r1").stop()
    print(
        f"zone {zone.id} ({zone.community}, {zone.buildings} buildings), n={args.n}×{args.rounds}"
    )
    base = p(results["without"], 50)
    for mode, samples in results.items():
        print(
            f"redraw commit via gateway, {mode:9}  p50 {p(samples, 50):7.2f} ms"
            f"  p99 {p(samples, 99):7.2f} ms  ×{p(samples, 50) / base:.2f} (p50 vs without)"
        )
    print(f"(issue-15 targets: p50 ≤ {TARGET_P50} ms, p99 ≤ {TARGET_P99} ms)")
    print(
        f"write → visible on the replica: p50 {p(lags, 50):.2f} ms  p99 {p(lags, 99):.2f} ms"
        f"  max {max(lags):.2f} ms (polled every {args.poll_ms} ms)"
    )
    print(f"load average (1 min): {min(loads):.1f}–{max(loads):.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
