"""`partygrid replica add NAME | remove NAME | list [--json]`: read replicas of the private
cluster (infra/replica.py).

With the suite running (`partygrid up`), the commands work on its cluster; a replica added
then serves reads from the next `partygrid up` (which starts every replica and hands the
services the first one's URLs). With the suite stopped, `add` and `remove` start the private
cluster for the command (holding the data folder's run lock) and stop it, and the replica,
after.
"""

from __future__ import annotations

import argparse
import contextlib
import json
from collections.abc import Iterator

import psycopg

from infra.cluster import Cluster
from infra.errors import SetupError
from infra.replica import (
    add_replica,
    check_name,
    remove_replica,
    replica_cluster,
    replica_names,
    slot_of,
    slots,
)
from infra.settings import SuiteSettings


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    replica = subparsers.add_parser("replica", help="add, remove or list read replicas")
    actions = replica.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="copy the cluster into a streaming read replica")
    add.add_argument("name", type=_name)
    remove = actions.add_parser("remove", help="stop a replica, drop its slot, delete it")
    remove.add_argument("name", type=_name)
    listing = actions.add_parser("list", help="replicas, their slots and lag")
    listing.add_argument("--json", action="store_true", help="machine-readable output")


def _name(value: str) -> str:
    try:
        return check_name(value)
    except SetupError as exc:
        raise argparse.ArgumentTypeError(f"{exc.cause}; {exc.fix}") from None


@contextlib.contextmanager
def _primary(settings: SuiteSettings, *, start: bool) -> Iterator[Cluster]:
    """The private cluster: the running one, or (`start`) started for this command."""
    if settings.database_url:
        raise SetupError(
            "replicas are made of the private cluster only",
            "for a DATABASE_URL server, make a standby with its own tools and set "
            "PARTYGRID_<SERVICE>_READ_DATABASE_URL for each service",
        )
    from infra.locking import RunLock
    from infra.setup import database, private_cluster

    cluster = private_cluster(settings)
    if cluster.running_pid() is not None or not start:
        yield cluster
        return
    with RunLock(settings.data_dir), database(settings) as prepared:
        assert prepared.cluster is not None
        yield prepared.cluster


def _replay_lsn(replica: Cluster) -> str | None:
    try:
        with psycopg.connect(replica.conninfo(), autocommit=True, connect_timeout=3) as conn:
            row = conn.execute("SELECT pg_last_wal_replay_lsn()::text").fetchone()
    except psycopg.Error:
        return None
    return row[0] if row else None


def replica(args: argparse.Namespace) -> int:
    settings = SuiteSettings()
    if args.action == "list":
        return _list(settings, as_json=args.json)
    was_running = _primary_running(settings)
    with _primary(settings, start=True) as primary:
        if args.action == "remove":
            remove_replica(primary, args.name)
            print(f"partygrid: removed replica {args.name} and its slot {slot_of(args.name)}")
            return 0
        made = add_replica(primary, args.name)
        print(f"partygrid: replica {args.name} streams from the primary ({made.root})")
        if was_running:
            print("partygrid: the services read from it after the next `partygrid up`")
        else:
            made.stop()  # it runs with the suite: `partygrid up` starts it
    return 0


def _primary_running(settings: SuiteSettings) -> bool:
    if settings.database_url:
        return False
    from infra.setup import private_cluster

    return private_cluster(settings).running_pid() is not None


def _list(settings: SuiteSettings, *, as_json: bool) -> int:
    with _primary(settings, start=False) as primary:
        running = primary.running_pid() is not None
        kept = {s.slot: s for s in slots(primary)} if running else {}
        rows = []
        for name in replica_names(primary):
            one = replica_cluster(primary, name)
            slot = kept.pop(slot_of(name), None)
            up = one.running_pid() is not None
            rows.append(
                {
                    "name": name,
                    "running": up,
                    "slot": slot_of(name),
                    "slotActive": slot.active if slot else None,
                    "walKeptBytes": slot.kept_bytes if slot else None,
                    "replayLsn": _replay_lsn(one) if up else None,
                    "folder": str(one.root),
                }
            )
        forgotten = [s.slot for s in kept.values()]
    if as_json:
        print(json.dumps({"replicas": rows, "forgottenSlots": forgotten}, indent=2))
        return 0
    if not rows:
        print("no replicas (partygrid replica add NAME)")
    for row in rows:
        state = "running" if row["running"] else "stopped"
        kept_text = "" if row["walKeptBytes"] is None else f", WAL kept {row['walKeptBytes']} B"
        print(f"{row['name']}: {state}, slot {row['slot']}{kept_text}, {row['folder']}")
    for slot_name in forgotten:
        print(
            f"warning: slot {slot_name} has no replica and keeps WAL on the primary: "
            f"partygrid replica remove {slot_name.removeprefix('partygrid_')}"
        )
    return 0


COMMANDS = {"replica": replica}
