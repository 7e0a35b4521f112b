"""`partygrid`: run the suite, prepare the database, compose the supergraph, run the tests.

Each command imports what it needs when it runs: the parser alone starts in a fraction of a
second (bench/cli_start.py), and `partygrid user list` does not load the subgraphs' code.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from infra.errors import SetupError

if TYPE_CHECKING:
    from infra.settings import SuiteSettings

# Commands whose modules add their own parsers: (module, commands, help of each). The
# module is imported only when one of its commands runs; `--help` lists them from here.
_LAZY_COMMANDS = {
    "infra.grid_cli": {
        "import": "import zones or buildings into a community (regions: see `import regions`)",
        "export": "export zones, buildings or gaps",
        "reassign": "re-derive every building's zone from the zones' polygons",
    },
    "infra.assess_cli": {
        "assess-demo": "run a full assessment cycle of the demo district through the gateway",
    },
    "infra.backup_cli": {
        "backup": "back up the database with pgBackRest (verified), expire old backups",
        "backups": "list backups, the restorable window and the WAL archiver's state",
        "restore": "restore the database from the backups (stop partygrid up first)",
    },
}


def _raise_stop(_signum: int, _frame: FrameType | None) -> None:
    # SIGTERM unwinds like Ctrl-C, so every `finally` stops what it started.
    raise KeyboardInterrupt


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    previous = {s: signal.signal(s, _raise_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def up(settings: SuiteSettings) -> int:
    """Command 1: set up, start org, grid, assess and the gateway, serve until stopped."""
    from infra.setup import token_keys
    from infra.stack import configured_ports, prepared, services

    started = time.monotonic()
    ports = configured_ports(settings)
    with (
        _stop_on_signals(),
        prepared(settings, check_ports=ports) as ready,
        contextlib.ExitStack() as running,  # exited after `stopping` is printed
    ):
        try:
            stack = running.enter_context(
                services(
                    ready.database,
                    token_keys(settings),
                    settings.data_dir / "logs",
                    host=settings.host,
                    ports=ports,
                    timeout=settings.start_timeout,
                )
            )
            base = stack.base_url("gateway")
            print(f"partygrid: ready in {time.monotonic() - started:.1f} s", flush=True)
            print(f"  Console:      {base}/console", flush=True)
            print(f"  GraphQL:      {base}/graphql", flush=True)
            print(f"  Coverage map: {base}/maps/coverage", flush=True)
            print("  Stop with Ctrl-C.", flush=True)
            while (gone := stack.supervisor.exited()) is None:
                time.sleep(0.5)
            print(f"partygrid: {gone.name} stopped unexpectedly; see {gone.log_path}")
            return 1
        except KeyboardInterrupt:
            print("\npartygrid: stopping", flush=True)
            return 0


def setup(settings: SuiteSettings) -> int:
    """Prepare the database (cluster, roles, schemas, migrations, demo) and stop."""
    from infra.locking import RunLock
    from infra.setup import database

    with _stop_on_signals(), RunLock(settings.data_dir), database(settings):
        print("partygrid: database ready", flush=True)
    return 0


def compose(settings: SuiteSettings) -> int:
    """Start the subgraphs, compose their SDL, and write supergraph.graphql."""
    from infra import supergraph
    from infra.settings import ROOT
    from infra.stack import own_stack

    logs = settings.data_dir / "logs"
    with _stop_on_signals(), own_stack(settings, logs, configured=True, gateway=False) as stack:
        # This process asks for the SDL itself: it needs the internal key too.
        os.environ["PARTYGRID_INTERNAL_TOKEN_KEY"] = stack.keys["internal"]
        written = supergraph.write_from_running(stack.subgraphs)
    print(f"partygrid: wrote {written.relative_to(ROOT)}", flush=True)
    return 0


@contextlib.contextmanager
def _auth_database_url(explicit: str | None) -> Iterator[str]:
    """The auth role's URL: given; on DATABASE_URL's server; the running private cluster;
    else the private cluster prepared (and migrated) for the command and stopped after."""
    configured = explicit or os.environ.get("PARTYGRID_AUTH_DATABASE_URL")
    if configured:
        yield configured
        return
    from infra.database import external_database, role_of
    from infra.locking import RunLock
    from infra.settings import AUTH_SCHEMA, SuiteSettings
    from infra.setup import database, private_cluster, role_password

    settings = SuiteSettings()
    if settings.database_url:
        db = external_database(settings.database_url, role_password=role_password(settings))
        yield db.auth_url
        return
    cluster = private_cluster(settings)
    if cluster.running_pid() is not None:
        yield cluster.url(user=role_of(AUTH_SCHEMA), database=settings.db_name)
        return
    with RunLock(settings.data_dir), database(settings) as prepared:
        yield prepared.database.auth_url


def user(args: argparse.Namespace) -> int:
    """`partygrid user add|list|disable|passwd|reset`."""
    from gateway.auth import cli as user_cli
    from infra import import_regions_cli as places
    from infra import role_urls

    with contextlib.ExitStack() as stack:
        url = stack.enter_context(_auth_database_url(args.database_url))
        exists: Callable[[str], bool] | None = None
        if args.action == "add":  # a user is given only a place that exists: ask org's tree
            org_url = stack.enter_context(role_urls.service_database_url("org", None))

            def in_org_tree(code: str) -> bool:
                return places.region_exists(org_url, code)

            exists = in_org_tree
        return user_cli.run(
            url,
            args.action,
            name=getattr(args, "name", ""),
            role=getattr(args, "role", ""),
            region=getattr(args, "region", ""),
            region_exists=exists,
        )


def _add_user_parsers(commands: argparse._SubParsersAction) -> None:
    users = commands.add_parser("user", help="add, list, disable users; set or reset passwords")
    actions = users.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a user (password from a prompt or stdin)")
    add.add_argument("name")
    # The role is checked by gateway.auth.users (importing its list here costs ~0.5 s).
    add.add_argument("--role", required=True, help="district|street|secretary|planner|viewer")
    add.add_argument("--region", required=True, help="6, 9 or 12-digit region code")
    actions.add_parser("list", help="list users")
    disable = actions.add_parser("disable", help="disable a user")
    disable.add_argument("name")
    passwd = actions.add_parser("passwd", help="set a new password (from a prompt or stdin)")
    passwd.add_argument("name")
    reset = actions.add_parser("reset", help="set and print a random temporary password")
    reset.add_argument("name")
    users.add_argument("--database-url", help="SQLAlchemy URL of the auth role")


TIERS = {"--fast": ["-m", "not slow_tier"], "--slow": ["-m", "slow_tier"]}  # tests/conftest.py


def static_checks(args: list[str], pyproject: str) -> list[list[str]]:
    """What runs before pytest: ruff always; for the whole suite (no arguments, as CI runs it)
    also the type checker over the tree and, once contracts are configured, the import
    contracts. A run of chosen tests or one tier lints only, so it stays quick."""
    checks = [[sys.executable, "-m", "ruff", "check", "."]]
    if not args:
        checks.append([sys.executable, "-m", "mypy"])  # files and settings: [tool.mypy]
        if "[tool.importlinter]" in pyproject:  # import-linter's console script, beside python
            checks.append([str(Path(sys.executable).with_name("lint-imports"))])
    return checks


def test(args: list[str]) -> int:
    """Command 2: the static checks, then the whole test suite (the tests start what they
    need); `--fast` or `--slow` first runs one tier (README "Tests")."""
    from infra.browser import ensure_chromium
    from infra.settings import ROOT, SuiteSettings

    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for check in static_checks(args, pyproject):
        done = subprocess.run(check, cwd=ROOT, check=False)
        if done.returncode != 0:
            return done.returncode
    if args[:1] and args[0] in TIERS:
        args = [*TIERS[args[0]], *args[1:]]
    try:
        chromium = ensure_chromium(install=SuiteSettings().install_missing)
    except SetupError as exc:
        print(f"partygrid: {exc}", file=sys.stderr, flush=True)
        return 2
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PARTYGRID_CHROMIUM": str(chromium)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args], cwd=ROOT, env=env, check=False
    ).returncode


def _add_lazy_parsers(commands: argparse._SubParsersAction, argv: list[str]) -> str | None:
    """The lazy commands' parsers: the module of the command run adds its own (returned), the
    others are listed in --help without loading their modules."""
    lazy = next(
        (m for m, names in _LAZY_COMMANDS.items() if argv[:1] in ([n] for n in names)), None
    )
    for module_name, names in _LAZY_COMMANDS.items():
        if module_name == lazy:
            importlib.import_module(module_name).add_parsers(commands)
        else:
            for name, help_text in names.items():
                commands.add_parser(name, help=help_text)
    return lazy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="partygrid", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="start the whole suite on demo data")
    commands.add_parser("setup", help="prepare the database and stop")
    commands.add_parser("compose", help="write supergraph.graphql from the running subgraphs")
    run_tests = commands.add_parser(
        "test", help="run every test, or --fast / --slow for one tier (arguments go to pytest)"
    )
    run_tests.add_argument("pytest_args", nargs=argparse.REMAINDER)
    _add_user_parsers(commands)
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["test"]:
        return test(argv[1:])  # everything after `test` belongs to pytest, options included
    from infra import roster_cli

    if roster_cli.claims(argv):  # template|import|export organizations|members
        return roster_cli.main(argv)
    if argv[:2] == ["import", "regions"]:
        from infra import import_regions_cli

        return import_regions_cli.main(argv[2:])
    lazy = _add_lazy_parsers(commands, argv)
    args = parser.parse_args(argv)
    try:
        if lazy is not None:
            return importlib.import_module(lazy).COMMANDS[args.command](args)
        if args.command == "user":
            return user(args)
        from infra.settings import SuiteSettings

        settings = SuiteSettings()
        return {"up": up, "setup": setup, "compose": compose}[args.command](settings)
    except SetupError as exc:
        print(f"partygrid: {exc}", file=sys.stderr, flush=True)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
