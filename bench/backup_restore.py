"""Backups and restores with pgBackRest (`infra/backup.py`, as `partygrid backup|restore` run
them) against plain `pg_dump` / `pg_restore` of the same database, and the recovery point and
recovery time of a crash and of a lost disk.

    PARTYGRID_DATA_DIR is not used: the benchmark's cluster lives in --data-dir.
    .venv/bin/python bench/backup_restore.py [-n 3] [--data-dir /tmp/bench-backup]
    .venv/bin/python bench/backup_restore.py --city      # the 1M-building city (minutes)

Rounds alternate: a full backup (verified), a small change (10 evidence files of 256 KiB and
300 buildings renamed), an incremental backup (verified), `pg_dump -Fc`, `pg_dump -Fd -j2`,
`pg_restore -j2` of that directory into a fresh database; then restores of the latest state
and of a moment (to promoted, migrated, sessions ended, stopped: the whole command). Medians
and ratios, repository and dump sizes. Then the drills: commits every 0.5 s, the postmaster
killed (a crash: restarted, every acknowledged commit there?), and again with its data folder
removed (a lost disk: restore latest, the last commit present; RTO = restore + start + the
suite's processes ready).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from infra import backup
from infra.cluster import ADMIN, SOCKET_PORT, Cluster
from infra.locking import RunLock
from infra.settings import SuiteSettings
from infra.setup import Prepared, database, private_cluster, token_keys
from infra.stack import services

CHANGE = """
INSERT INTO assess.evidence_blob (sha256, content, size, media_type)
SELECT encode(sha256(c), 'hex'), c, octet_length(c), 'application/octet-stream'
FROM (SELECT decode(string_agg(md5(random()::text || g), ''), 'hex') AS c
      FROM generate_series(1, 16384) g, generate_series(1, 10) f GROUP BY f) blobs
ON CONFLICT DO NOTHING;
UPDATE grid.building SET name = name || '' WHERE id IN (
    SELECT id FROM grid.building ORDER BY random() LIMIT 300);
"""


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _as_cluster_user(cluster: Cluster, args: list[str]) -> None:
    cmd = ["env", f"PGPASSFILE={cluster.pgpass_file()}", *args]
    if cluster.run_as:
        cmd = ["runuser", "-u", cluster.run_as, "--", *cmd]
    subprocess.run(cmd, check=True, capture_output=True, cwd="/")


def _libpq(cluster: Cluster) -> list[str]:
    return ["-h", str(cluster.socket_dir), "-p", str(SOCKET_PORT), "-U", ADMIN]


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _mib(size: float) -> str:
    return f"{size / 2**20:.1f} MiB"


@contextlib.contextmanager
def _started(settings: SuiteSettings) -> Iterator[Prepared]:
    with RunLock(settings.data_dir), database(settings) as prepared:
        yield prepared


def _execute(prepared: Prepared, sql: str) -> None:
    with psycopg.connect(prepared.database.admin_conninfo, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _db_size(prepared: Prepared, name: str) -> int:
    with psycopg.connect(prepared.database.admin_conninfo) as conn:
        row = conn.execute("SELECT pg_database_size(%s)", (name,)).fetchone()
    assert row is not None
    return int(row[0])


def _dumps(prepared: Prepared, settings: SuiteSettings, times: dict[str, list[float]]) -> dict:
    cluster = prepared.cluster
    assert cluster is not None
    folder = settings.data_dir / "dumps"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700)
    if cluster.run_as:
        shutil.chown(folder, cluster.run_as, cluster.run_as)
    bindir, libpq, db = cluster.bindir, _libpq(cluster), settings.db_name
    custom, directory = folder / "db.dump", folder / "db.dir"
    times["pg_dump -Fc"].append(
        _timed(
            lambda: _as_cluster_user(
                cluster, [str(bindir / "pg_dump"), *libpq, "-d", db, "-Fc", "-f", str(custom)]
            )
        )
    )
    times["pg_dump -Fd -j2"].append(
        _timed(
            lambda: _as_cluster_user(
                cluster,
                [str(bindir / "pg_dump"), *libpq, "-d", db, "-Fd", "-j2", "-f", str(directory)],
            )
        )
    )
    _execute(prepared, "DROP DATABASE IF EXISTS restored WITH (FORCE)")
    _execute(prepared, "CREATE DATABASE restored")
    times["pg_restore -j2"].append(
        _timed(
            lambda: _as_cluster_user(
                cluster,
                [str(bindir / "pg_restore"), *libpq, "-d", "restored", "-j2", str(directory)],
            )
        )
    )
    _execute(prepared, "DROP DATABASE restored WITH (FORCE)")
    return {"pg_dump -Fc": _size(custom), "pg_dump -Fd": _size(directory)}


def _restore(
    times: dict[str, list[float]], name: str, settings: SuiteSettings, to: dt.datetime | None
) -> backup.Restored:
    """`partygrid restore` as a whole, and its steps apart."""
    started = time.perf_counter()
    done = backup.restore(settings, to=to)
    times[name].append(time.perf_counter() - started)
    for step, seconds in done.steps.items():
        times.setdefault(f"{name}: {step}", []).append(seconds)
    return done


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def rounds(settings: SuiteSettings, n: int) -> None:
    times: dict[str, list[float]] = {
        k: []
        for k in (
            "backup full",
            "backup incr",
            "pg_dump -Fc",
            "pg_dump -Fd -j2",
            "pg_restore -j2",
            "restore latest",
            "restore --to",
        )
    }
    sizes: dict[str, int] = {}
    moments: list[dt.datetime] = []
    with _started(settings) as prepared:
        sizes["database"] = _db_size(prepared, settings.db_name)
        for _ in range(n):
            taken = backup.take(settings, "full")
            times["backup full"].append(taken.seconds)
            sizes["full backup added"] = taken.backup.repo_size
            _execute(prepared, CHANGE)
            moments.append(dt.datetime.now(dt.UTC))
            taken = backup.take(settings, "incr")
            times["backup incr"].append(taken.seconds)
            sizes["incr backup added"] = taken.backup.repo_size
            sizes.update(_dumps(prepared, settings, times))
        sizes["repository"] = _size(settings.backup_folder)
    for _ in range(n):
        _restore(times, "restore latest", settings, None)
        # Each restore starts a timeline; the moment (after the last round's change, on the
        # first timeline) is reached through the newest timeline's history.
        _restore(times, "restore --to", settings, moments[-1])
    print(f"\n== rounds (n={n}), medians; database {_mib(sizes['database'])}")
    for name, values in times.items():
        print(f"  {name:24} {_median(values):7.2f} s   ({', '.join(f'{v:.2f}' for v in values)})")
    ratio = _median(times["backup full"]) / _median(times["pg_dump -Fc"])
    print(f"  backup full / pg_dump -Fc:   ×{ratio:.2f}")
    ratio = _median(times["backup full"]) / _median(times["pg_dump -Fd -j2"])
    print(f"  backup full / pg_dump -Fd -j2: ×{ratio:.2f}")
    ratio = _median(times["restore latest"]) / _median(times["pg_restore -j2"])
    print(f"  restore latest / pg_restore -j2: ×{ratio:.2f}")
    for name, size in sizes.items():
        print(f"  size {name:20} {_mib(size)}")


def _commit_stream(prepared: Prepared, seconds: float) -> tuple[int, dt.datetime]:
    """One acknowledged commit every 0.5 s; the last id and its commit time."""
    last = (0, dt.datetime.now(dt.UTC))
    with psycopg.connect(prepared.database.admin_conninfo, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS public.rpo (id int PRIMARY KEY, at timestamptz NOT NULL)"
        )
        start = conn.execute("SELECT coalesce(max(id), 0) FROM public.rpo").fetchone()
        assert start is not None
        i = int(start[0])
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            i += 1
            row = conn.execute(
                "INSERT INTO public.rpo VALUES (%s, clock_timestamp()) RETURNING at", (i,)
            ).fetchone()
            assert row is not None
            last = (i, row[0])
            time.sleep(0.5)
    return last


def _present(prepared: Prepared) -> tuple[int, dt.datetime | None]:
    with psycopg.connect(prepared.database.admin_conninfo) as conn:
        row = conn.execute("SELECT coalesce(max(id), 0), max(at) FROM public.rpo").fetchone()
    assert row is not None
    return int(row[0]), row[1]


def drills(settings: SuiteSettings, seconds: float) -> None:
    cluster = private_cluster(settings)
    print(f"\n== crash: commits for {seconds:.0f} s, then SIGKILL of the postmaster")
    with _started(settings) as prepared:
        backup.take(settings, "incr")
        last, _ = _commit_stream(prepared, seconds)
        cluster.kill()
    with _started(settings) as prepared:
        present, _ = _present(prepared)
    print(
        f"  last acknowledged commit {last}, present after restart {present}: RPO 0 commits"
        if present == last
        else f"  LOST: last {last}, present {present}"
    )
    print(f"\n== lost disk: commits for {seconds:.0f} s, SIGKILL, data/ removed, restore latest")
    with _started(settings) as prepared:
        last, last_at = _commit_stream(prepared, seconds)
        cluster.kill()
    shutil.rmtree(cluster.data)
    steps: dict[str, list[float]] = {"restore": []}
    _restore(steps, "restore", settings, None)
    restore_s = steps["restore"][0]
    started = time.perf_counter()
    logs = settings.data_dir / "logs"
    with _started(settings) as prepared:
        db_s = time.perf_counter() - started
        with services(prepared.database, token_keys(settings), logs):
            ready_s = time.perf_counter() - started
        present, present_at = _present(prepared)
    lost = (last_at - present_at).total_seconds() if present_at else float("nan")
    print(
        f"  last acknowledged commit {last} at {last_at:%H:%M:%S.%f}; present {present} "
        f"at {present_at:%H:%M:%S.%f}"
        if present_at
        else "  nothing present"
    )
    print(f"  RPO: {last - present} commits, {lost:.1f} s of work (bound: archive_timeout 60 s)")
    parts = ", ".join(f"{k.split(': ')[-1]} {v[0]:.2f}" for k, v in steps.items() if ": " in k)
    print(
        f"  RTO: restore {restore_s:.2f} s ({parts}) + start and migrate {db_s:.2f} s "
        f"+ services ready {ready_s - db_s:.2f} s = {restore_s + ready_s:.2f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=3, help="rounds (medians)")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/bench-backup"))
    parser.add_argument("--city", action="store_true", help="the 1M-building city's cluster")
    parser.add_argument("--drill-seconds", type=float, default=75.0, help="commit stream length")
    parser.add_argument("--no-drills", action="store_true")
    args = parser.parse_args()
    if args.city:
        from city_generator import DATA_DIR, city  # bench/ is on sys.path when run from there

        with city(scale=1.0):
            pass  # generated (or found) and stopped: backed up like any cluster below
        settings = SuiteSettings(
            data_dir=DATA_DIR, db_name="partygrid_city", demo=False, archive=True
        )
    else:
        settings = SuiteSettings(data_dir=args.data_dir, db_name="partygrid", archive=True)
        cluster = private_cluster(settings)
        cluster.stop()
        shutil.rmtree(cluster.root, ignore_errors=True)
        shutil.rmtree(settings.data_dir, ignore_errors=True)
    load = os.getloadavg()
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load {load[0]:.1f} {load[1]:.1f}")
    rounds(settings, args.n)
    if not args.no_drills:
        drills(settings, args.drill_seconds)
    load = os.getloadavg()
    print(f"load after {load[0]:.1f} {load[1]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
