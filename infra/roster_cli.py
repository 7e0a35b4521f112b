"""`partygrid template|import|export organizations|members`: the rosters from the shell.

    partygrid template organizations|members -o FILE.xlsx
    partygrid import organizations|members FILE.xlsx [--check] [--partial] [--community CODE]
    partygrid export organizations|members --region CODE -o FILE.xlsx

The commands run the same domain code as org's `/imports` routes (services/org/roster_*.py) in
one transaction, as the org role, acting for the district office of the region they touch
(personal fields included: whoever holds the database URL holds the data). Members' addresses
are matched against grid's buildings, read as the grid role. Databases are found as for
`partygrid import buildings` (infra/grid_cli.py). `import` prints a progress bar and one
summary line; with refusals it writes the refused rows beside FILE (FILE.refused.xlsx) and
exits 1 (nothing written unless --partial).

Wire into infra/cli.py with `if roster_cli.claims(argv): return roster_cli.main(argv)`.
Heavy modules are imported in the commands, so `partygrid` starts fast.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from infra.code_args import community_code, region_code

if TYPE_CHECKING:
    from services.common.auth import Identity
    from services.org.roster.report import Report

KINDS = ("organizations", "members")


def claims(argv: list[str]) -> bool:
    """Whether these arguments are one of this module's commands."""
    return argv[:1] == ["template"] or (
        argv[:1] in (["import"], ["export"]) and len(argv) > 1 and argv[1] in KINDS
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="partygrid", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    template = commands.add_parser("template", help="write an empty roster template (.xlsx)")
    template.add_argument("kind", choices=KINDS)
    template.add_argument("-o", "--output", type=Path, required=True)
    importing = commands.add_parser("import", help="check and import a roster (.xlsx)")
    importing.add_argument("kind", choices=KINDS)
    importing.add_argument("file", type=Path)
    importing.add_argument("--check", action="store_true", help="check only; write nothing")
    importing.add_argument(
        "--partial", action="store_true", help="import the valid rows; return the rest"
    )
    importing.add_argument(
        "--community", type=community_code, help="12-digit code for blank community cells"
    )
    importing.add_argument("--database-url", help="SQLAlchemy URL of the org role")
    exporting = commands.add_parser("export", help="export a region's roster (.xlsx)")
    exporting.add_argument("kind", choices=KINDS)
    exporting.add_argument(
        "--region", type=region_code, required=True, help="6, 9 or 12-digit region code"
    )
    exporting.add_argument("-o", "--output", type=Path, required=True)
    exporting.add_argument("--database-url", help="SQLAlchemy URL of the org role")
    return parser


@contextlib.contextmanager
def _urls(explicit: str | None) -> Iterator[tuple[str, str]]:
    """The org and grid roles' URLs, found as infra/grid_cli.py finds grid's."""
    from infra.database import external_database, role_of
    from infra.locking import RunLock
    from infra.settings import SuiteSettings
    from infra.setup import database, private_cluster, role_password

    configured = explicit or os.environ.get("PARTYGRID_ORG_DATABASE_URL")
    grid = os.environ.get("PARTYGRID_GRID_DATABASE_URL")
    settings = SuiteSettings()
    if configured and grid:
        yield configured, grid
        return
    if settings.database_url:
        db = external_database(settings.database_url, role_password=role_password(settings))
        yield configured or db.service_urls["org"], grid or db.service_urls["grid"]
        return
    cluster = private_cluster(settings)
    if cluster.running_pid() is not None:
        yield (
            configured or cluster.url(user=role_of("org"), database=settings.db_name),
            grid or cluster.url(user=role_of("grid"), database=settings.db_name),
        )
        return
    with RunLock(settings.data_dir), database(settings) as prepared:
        urls = prepared.database.service_urls
        yield configured or urls["org"], grid or urls["grid"]


def _operator() -> Identity:
    """Whoever holds the database URL acts for the whole tree, personal fields included."""
    from services.common.auth import Identity, Role

    return Identity(subject="cli", role=Role.DISTRICT, region="")


async def _import(args: argparse.Namespace, org_url: str, grid_url: str) -> Report:
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import create_async_engine
    from tqdm import tqdm  # type: ignore[import-untyped]  # tqdm ships no types; no stubs pinned

    from services.grid.models import building
    from services.org.grid_client import Home
    from services.org.roster.importer import import_roster
    from services.org.roster.rows import ImportOptions

    org, grid = create_async_engine(org_url), create_async_engine(grid_url)

    async def homes_of(codes: list[str]) -> dict[str, list[Home]]:
        query = select(
            building.c.id, building.c.name, building.c.address, building.c.community_code
        ).where(building.c.community_code.in_(codes))
        found: dict[str, list[Home]] = {}
        async with grid.connect() as conn:
            for row in await conn.execute(query):
                found.setdefault(row.community_code, []).append(Home(row.id, row.name, row.address))
        return found

    data = args.file.read_bytes()
    options = ImportOptions(
        identity=_operator(),
        check_only=args.check,
        partial=args.partial,
        community=args.community,
    )
    try:
        with tqdm(desc=f"writing {args.kind}", unit=" rows", disable=None, file=sys.stderr) as bar:
            async with org.begin() as conn:
                return await import_roster(
                    conn, args.kind, data, options, homes_of=homes_of, progress=bar.update
                )
    finally:
        await org.dispose()
        await grid.dispose()


async def _export(args: argparse.Namespace, org_url: str) -> bytes:
    from sqlalchemy.ext.asyncio import create_async_engine

    from services.org.roster.export import export_roster

    engine = create_async_engine(org_url)
    try:
        async with engine.connect() as conn:
            return await export_roster(conn, args.kind, args.region, _operator())
    finally:
        await engine.dispose()


def main(argv: list[str]) -> int:
    """0 written (or checked clean), 1 refused or bad input, 2 set-up."""
    import asyncio

    args = _parser().parse_args(argv)
    if args.command == "template":
        from services.org.roster.workbook import template

        args.output.write_bytes(template(args.kind))
        print(f"partygrid: wrote {args.output}", flush=True)
        return 0
    from graphql import GraphQLError

    from infra.errors import SetupError
    from services.common.errors import DomainError

    try:
        with _urls(args.database_url) as (org_url, grid_url):
            if args.command == "export":
                args.output.write_bytes(asyncio.run(_export(args, org_url)))
                print(f"partygrid: wrote {args.output}", flush=True)
                return 0
            report = asyncio.run(_import(args, org_url, grid_url))
    except DomainError as refused:
        for error in refused.user_errors():
            print(f"refused: {error.message_en} ({error.message})", file=sys.stderr)
        print("partygrid: nothing was imported", file=sys.stderr)
        return 1
    except GraphQLError as refused:
        print(f"partygrid: {refused.message}", file=sys.stderr)
        return 1
    except ValueError as exc:  # a malformed region code
        print(f"partygrid: {exc}", file=sys.stderr)
        return 1
    except (SetupError, OSError) as exc:
        print(f"partygrid: {exc}", file=sys.stderr)
        return 2
    return _report(args, report)


def _report(args: argparse.Namespace, report: Report) -> int:
    from services.org.roster.importer import refused_rows_file

    for line in report.refusal_lines():
        print(line, file=sys.stderr)
    for row, text in report.unmatched_homes[:20]:
        print(f"unmatched address, row {row}: {text}", file=sys.stderr)
    refused = refused_rows_file(report)
    if refused:
        path = args.file.with_suffix(".refused.xlsx")
        path.write_bytes(refused)
        print(f"partygrid: refused rows in {path}", file=sys.stderr)
    print(report.summary(), flush=True)
    return 0 if report.ok or report.written else 1
