"""`partygrid import` / `partygrid export`: grid data in and out from the command line.

    partygrid import buildings --community CODE --format geojson|csv|osm [--crs gcj02] FILE
    partygrid import zones --community CODE --format geojson|csv [--crs ...] FILE
    partygrid export zones|buildings|gaps --region CODE [--format geojson|csv] [--crs ...]
                     [--output FILE]
    partygrid reassign [--region CODE]     re-derive every building's zone from the polygons

The commands talk to the database as the grid role and run the same domain code as the
GraphQL mutations, in one transaction (all-or-nothing). The database is, in order: the URL
of `--database-url` or PARTYGRID_GRID_DATABASE_URL; the server of DATABASE_URL (grid role);
the private cluster when it is running (e.g. under `partygrid up`); else the private cluster
is prepared and started for the command and stopped after, like `partygrid setup`.
Long imports show tqdm progress bars on a terminal.

Wire into infra/cli.py with `grid_cli.add_parsers(commands)` and dispatch through
`grid_cli.COMMANDS[args.command](args)`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from tqdm import tqdm

from infra.database import external_database, role_of
from infra.errors import SetupError
from infra.locking import RunLock
from infra.settings import SuiteSettings
from infra.setup import database, private_cluster, role_password
from services.common.errors import DomainError
from services.grid import reassignment, transfer, transfer_export, transfer_import
from services.grid.coordinates import Crs
from services.grid.transfer import ImportOutcome

_CRS = {c.value: c for c in Crs}


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add `import` and `export` to the `partygrid` command's subparsers."""
    importing = subparsers.add_parser("import", help="import zones or buildings into a community")
    importing.add_argument("what", choices=("buildings", "zones"))
    importing.add_argument("file", type=Path, help="GeoJSON, CSV or OSM PBF/XML file")
    importing.add_argument("--community", required=True, help="12-digit community code")
    importing.add_argument("--format", choices=("geojson", "csv", "osm"), default="geojson")
    importing.add_argument("--crs", choices=tuple(_CRS), default="wgs84")
    importing.add_argument("--database-url", help="SQLAlchemy URL of the grid role")
    exporting = subparsers.add_parser("export", help="export zones, buildings or gaps")
    exporting.add_argument("what", choices=("zones", "buildings", "gaps"))
    exporting.add_argument("--region", required=True, help="district/street/community code")
    exporting.add_argument("--format", choices=("geojson", "csv"), default="geojson")
    exporting.add_argument("--crs", choices=tuple(_CRS), default="wgs84")
    exporting.add_argument("--output", "-o", type=Path, help="file to write (default stdout)")
    exporting.add_argument("--database-url", help="SQLAlchemy URL of the grid role")
    reassigning = subparsers.add_parser(
        "reassign", help="re-derive every building's zone from the zones' polygons"
    )
    reassigning.add_argument("--region", help="district/street/community code (default: all)")
    reassigning.add_argument("--database-url", help="SQLAlchemy URL of the grid role")


@contextlib.contextmanager
def grid_database_url(explicit: str | None) -> Iterator[str]:
    """The grid role's URL (see the module docstring for the order)."""
    configured = explicit or os.environ.get("PARTYGRID_GRID_DATABASE_URL")
    if configured:
        yield configured
        return
    settings = SuiteSettings()
    if settings.database_url:
        db = external_database(settings.database_url, role_password=role_password(settings))
        yield db.service_urls["grid"]
        return
    cluster = private_cluster(settings)
    if cluster.running_pid() is not None:
        yield cluster.url(user=role_of("grid"), database=settings.db_name)
        return
    with RunLock(settings.data_dir), database(settings) as prepared:
        yield prepared.database.service_urls["grid"]


def _bar(description: str, total: int | None = None) -> tqdm:
    return tqdm(total=total, desc=description, unit=" rows", disable=None, file=sys.stderr)


async def _import(args: argparse.Namespace, url: str) -> ImportOutcome:
    crs = _CRS[args.crs]
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            return await _import_in(conn, args, crs)
    finally:
        await engine.dispose()


async def _import_in(conn: AsyncConnection, args: argparse.Namespace, crs: Crs) -> ImportOutcome:
    if args.format == "osm":
        if args.what != "buildings":
            raise transfer.invalid("OSM 只能导入楼栋", "OSM imports buildings only", ["format"])
        with _bar("reading footprints") as seen, _bar("writing buildings") as written:
            return await transfer_import.import_osm_buildings(
                conn,
                community_code=args.community,
                path=args.file,
                crs=crs,
                seen=seen.update,
                progress=written.update,
            )
    try:
        data = args.file.read_bytes()
        transfer.check_size(data)
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise transfer.invalid("文件不是 UTF-8 文本", "The file is not UTF-8 text", []) from None
    run = (
        transfer_import.import_buildings
        if args.what == "buildings"
        else (transfer_import.import_zones)
    )
    with _bar(f"writing {args.what}") as written:
        return await run(
            conn,
            community_code=args.community,
            fmt=transfer_import.ImportFormat(args.format),
            crs=crs,
            data=text,
            progress=written.update,
        )


def import_main(args: argparse.Namespace) -> int:
    """`partygrid import`: 0 when written, 1 when refused (nothing written), 2 on set-up."""
    try:
        with grid_database_url(args.database_url) as url:
            outcome = asyncio.run(_import(args, url))
    except DomainError as refused:
        for error in refused.user_errors():
            where = "/".join(error.field or [])
            print(f"refused {where}: {error.message_en} ({error.message})", file=sys.stderr)
        print("partygrid: nothing was imported", file=sys.stderr)
        return 1
    except (SetupError, OSError) as exc:
        print(f"partygrid: {exc}", file=sys.stderr)
        return 2
    for note in outcome.notes[:20]:
        print(f"skipped: {note}", file=sys.stderr)
    print(f"imported {outcome.imported}, skipped {outcome.skipped}", flush=True)
    return 0


async def _export(args: argparse.Namespace, url: str) -> str:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await transfer_export.export(
                conn,
                region_code=args.region,
                layer=transfer_export.ExportLayer(args.what),
                fmt=transfer_export.ExportFormat(args.format),
                crs=_CRS[args.crs],
            )
    finally:
        await engine.dispose()


def export_main(args: argparse.Namespace) -> int:
    """`partygrid export`: the layer to --output or stdout."""
    try:
        with grid_database_url(args.database_url) as url:
            text = asyncio.run(_export(args, url))
    except ValueError as exc:
        print(f"partygrid: {exc}", file=sys.stderr)
        return 1
    except (SetupError, OSError) as exc:
        print(f"partygrid: {exc}", file=sys.stderr)
        return 2
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


async def _reassign(args: argparse.Namespace, url: str) -> reassignment.Reassigned:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            return await reassignment.reassign(conn, args.region)
    finally:
        await engine.dispose()


def reassign_main(args: argparse.Namespace) -> int:
    """`partygrid reassign`: prints how many buildings there are and how many changed zone."""
    started = time.perf_counter()
    try:
        with grid_database_url(args.database_url) as url:
            done = asyncio.run(_reassign(args, url))
    except ValueError as exc:
        print(f"partygrid: {exc}", file=sys.stderr)
        return 1
    except (SetupError, OSError) as exc:
        print(f"partygrid: {exc}", file=sys.stderr)
        return 2
    print(
        f"re-derived the zone of {done.buildings} buildings in "
        f"{time.perf_counter() - started:.1f} s: {done.changed} changed",
        flush=True,
    )
    return 0


COMMANDS = {"import": import_main, "export": export_main, "reassign": reassign_main}
