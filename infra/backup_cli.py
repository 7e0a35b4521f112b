"""`partygrid backup | backups | restore`: pgBackRest backups of the private cluster.

    partygrid backup [--full|--diff|--incr]     a backup (default incr; the first is a full),
                                                 verified, older ones expired per retention
    partygrid backups [--json]                  the backups, the restorable window, archiving
    partygrid restore [--to TIME | --backup LABEL] [--yes]
                                                 replace the database (the suite stopped):
                                                 the end of the archive, a moment, or a backup
    partygrid restore [--to TIME | --backup LABEL] --into-database-url [--yes]
                                                 the same point copied into DATABASE_URL's
                                                 server (infra/restore_into.py)

Wired into infra/cli.py through `_LAZY_COMMANDS`: `add_parsers(commands)` and
`COMMANDS[args.command](args)`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from infra import backup, restore_into
from infra.errors import SetupError
from infra.settings import SuiteSettings


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    take = subparsers.add_parser(
        "backup", help="back up the database with pgBackRest (verified), expire old backups"
    )
    kinds = take.add_mutually_exclusive_group()
    for kind, text in (
        ("full", "a full copy of the cluster"),
        ("diff", "what changed since the last full backup"),
        ("incr", "what changed since the last backup (the default; a full when none exists)"),
    ):
        kinds.add_argument(f"--{kind}", dest="kind", action="store_const", const=kind, help=text)
    take.set_defaults(kind="incr")
    shown = subparsers.add_parser(
        "backups", help="list backups, the restorable window and the WAL archiver's state"
    )
    shown.add_argument("--json", action="store_true", help="print JSON")
    back = subparsers.add_parser(
        "restore",
        help="restore the database from the backups (stop partygrid up first)",
        description="Without --to or --backup: the latest state the WAL archive holds.",
    )
    point = back.add_mutually_exclusive_group()
    point.add_argument(
        "--to", metavar="TIME", help="a moment with its UTC offset: 2026-12-07T16:30:00+08:00"
    )
    point.add_argument("--backup", metavar="LABEL", help="the end of this backup (see backups)")
    back.add_argument(
        "--into-database-url",
        action="store_true",
        help="restore into the server DATABASE_URL names (PartyGrid's schemas there are "
        "replaced), from the private cluster's repository",
    )
    back.add_argument("--yes", action="store_true", help="do not ask before replacing the data")


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def take_backup(args: argparse.Namespace) -> int:
    taken = backup.take(SuiteSettings(), args.kind)
    made = taken.backup
    print(
        f"partygrid: backup {made.label} ({made.kind}) of a {_mib(made.database_size)} cluster "
        f"added {_mib(made.repo_size)}; repository {_mib(taken.repo_total)}; "
        f"verified; {taken.seconds:.1f} s",
        flush=True,
    )
    _say_gaps(taken.gaps)
    return 0


def _say_gaps(gaps: list[tuple[str, str]]) -> None:
    for first, last in gaps:
        print(
            f"partygrid: WAL archive gap {first} .. {last}: archiving was interrupted; no "
            "moment after it can be restored from a backup older than it (take a full "
            "backup: partygrid backup --full)",
            flush=True,
        )


def _when(moment: object) -> str:
    return "-" if moment is None else str(moment).replace("+00:00", "Z")


def show_backups(args: argparse.Namespace) -> int:
    found = backup.listing(SuiteSettings())
    if args.json:
        print(json.dumps(found.as_json(), ensure_ascii=False, indent=2))
        return 0
    print(f"repository {found.repo}: {found.status}")
    if found.backups:
        print(f"{'label':36} {'type':5} {'start':20} {'stop':20} {'database':>12} {'added':>12}")
    for b in found.backups:
        print(
            f"{b.label:36} {b.kind:5} {_when(b.start):20} {_when(b.stop):20} "
            f"{_mib(b.database_size):>12} {_mib(b.repo_size):>12}"
        )
    if (window := found.window) is not None:
        print(f"restorable (restore --to): {_when(window[0])} .. {_when(window[1])}")
    print(f"WAL archive: {found.archive_min or '-'} .. {found.archive_max or '-'}")
    _say_gaps(found.gaps)
    if (archiver := found.archiver) is None:
        print("archiver: the cluster is not running")
    else:
        print(
            f"archiver: {archiver.archived_count} archived, last {archiver.last_archived_wal or '-'}"
            f" at {_when(archiver.last_archived_time)}; {archiver.failed_count} failed"
            + (
                f", last {archiver.last_failed_wal} at {_when(archiver.last_failed_time)}"
                if archiver.failed_count
                else ""
            )
        )
    return 0


def _asker(replaced: str, yes: bool) -> Callable[[str], bool]:
    """The question before a restore, naming what it brings back and what it replaces;
    refused up front when there is no terminal to answer it."""
    if not yes and not sys.stdin.isatty():
        raise SetupError(
            "restore replaces the whole database and asks first, but there is no terminal",
            "add --yes",
        )

    def ask(what: str) -> bool:
        print(f"partygrid: restoring {what}", flush=True)
        if yes:
            return True
        answer = input(
            f"partygrid: restore replaces {replaced} "
            "(everything after the restored moment is lost). Type yes to go on: "
        )
        return answer.strip().lower() == "yes"

    return ask


def _sessions_ended(key_rotated: bool) -> str:
    if key_rotated:
        return "every session ended (users sign in again)"
    return (
        "every refresh token ended; access tokens stay valid until "
        "PARTYGRID_ACCESS_TOKEN_KEY is changed (change it, then restart)"
    )


def _restore_into(args: argparse.Namespace, settings: SuiteSettings) -> int:
    target = restore_into.target_name(settings)  # refused before anything is asked
    to = backup.parse_time(args.to) if args.to else None
    replaced = f"PartyGrid's schemas (org, grid, assess, auth) on {target}"
    if not _asker(replaced, args.yes)("the private cluster's backups into that server"):
        print("partygrid: nothing restored", flush=True)
        return 1
    done = restore_into.restore_into(settings, to=to, label=args.backup)
    print(
        f"partygrid: restored {done.target} to {done.point} from the private cluster's "
        f"backups; {_sessions_ended(settings.access_token_key is None)}; start the suite on "
        "it with DATABASE_URL set: partygrid up",
        flush=True,
    )
    steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in done.steps.items())
    print(f"partygrid: {steps}", flush=True)
    return 0


def run_restore(args: argparse.Namespace) -> int:
    settings = SuiteSettings()
    if args.into_database_url:
        return _restore_into(args, settings)
    if settings.database_url:
        raise SetupError(
            "DATABASE_URL is set: partygrid restore replaces the private cluster, and a "
            "restore into that server must be asked for by name",
            "add --into-database-url to copy the backups' point into DATABASE_URL's server "
            "(its PartyGrid schemas are replaced), or unset DATABASE_URL",
        )
    to = backup.parse_time(args.to) if args.to else None  # refused before anything is asked
    try:
        done = backup.restore(
            settings,
            to=to,
            label=args.backup,
            confirm=_asker(f"the database in {settings.data_dir}", args.yes),
        )
    except backup.RestoreDeclined:
        print("partygrid: nothing restored", flush=True)
        return 1
    print(
        f"partygrid: restored to {done.point} (timeline {done.timeline}); "
        f"{_sessions_ended(done.key_rotated)}; "
        "take a new backup: partygrid backup --full",
        flush=True,
    )
    if done.tail_lost:
        print(
            "partygrid: the cluster had died and did not start again before the restore: "
            "commits it had not archived yet are not in the restored database",
            flush=True,
        )
    for name in done.replicas_removed:
        print(
            f"partygrid: replica {name} held the old timeline and was removed; "
            f"re-add replicas: partygrid replica add {name}",
            flush=True,
        )
    return 0


COMMANDS = {"backup": take_backup, "backups": show_backups, "restore": run_restore}
