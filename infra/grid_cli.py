"""`partygrid import` / `partygrid export`: grid data in and out from the command line.

    partygrid import boundaries|zones|buildings FILE [--check] [--crs EPSG:N|wgs84|gcj02|bd09]
                     [--community CODE] [--policy skip|keep|replace] [--partial] [--encoding E]
    partygrid import buildings --community CODE --format osm FILE      (an OSM extract)
    partygrid import zones|buildings --community CODE --format geojson|csv FILE  (text readers)
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
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from tqdm import tqdm  # type: ignore[import-untyped]  # tqdm ships no types; no stubs pinned

from infra.code_args import community_code
from infra.database import external_database, role_of
from infra.errors import SetupError
from infra.role_urls import service_database_url
from infra.settings import SuiteSettings
from infra.setup import private_cluster, role_password
from services.common.errors import DomainError
from services.common.import_report import ImportReport
from services.grid import reassignment
from services.grid.transfer import export as transfer_export
from services.grid.transfer import text_import as transfer_import
from services.grid.transfer.coordinates import Crs, Declared, parse_declared
from services.grid.transfer.file_import import ImportOptions, import_file
from services.grid.transfer.file_report import FileImport, FileRefusedError, Known, Policy
from services.grid.transfer.files import Kind, SourceFile
from services.grid.transfer.records import ImportOutcome, check_size, invalid

IMPORT_LAYOUTS = """\
files read (the format is found from the content; an error says what was found):
  GeoPackage (.gpkg)       the first layer with geometry; CRS from its srs
  zipped Shapefile (.zip)  .shp .shx .dbf [.prj] [.cpg]; without a .cpg the text is read as
                           UTF-8 when it is, else GB18030/GBK (or --encoding)
  GeoJSON                  a FeatureCollection (a "crs" member is honoured)
  KML                      placemarks of every folder (WGS-84)
  CSV                      a WKT column (wkt, geom, geometry, the_geom, shape) or lon/lat
                           (lng/longitude/x/经度, latitude/y/纬度) columns; UTF-8 or GBK
columns (any case, Chinese or English; all optional unless said):
  name/名称   address/地址   households/户数   id/编号 (a re-import with ids updates)
  code/社区代码/区划代码: required for boundaries (12-digit community codes)
  an unnamed building is named by its address, else 未命名楼栋 N (zones: 未命名片区 N)
kinds:
  boundaries  community polygons; each replaces the stored one (zones must stay inside)
  zones       polygons; inside their community, overlapping no other zone
  buildings   Polygon/MultiPolygon footprints or Points
  Without --community a file is split among the communities covering each feature's
  interior point; features in no community are refused (skipped with --partial), with
  where the data lies compared with the nearest community.
coordinate systems: the file's own (.prj, GeoPackage srs, GeoJSON crs); --crs overrides,
  and is needed for a file without one whose numbers are projected: EPSG:N of any EPSG system
  (CGCS2000 4490, Gauss-Krüger 4513-4554 and 6-degree 4491-4512, Web Mercator 3857, UTM 326xx)
  or wgs84, cgcs2000, gcj02 (AMap/Tencent), bd09 (Baidu).
refused features: with --partial (or when the file is refused) they are written next to
  FILE as FILE.refused.geojson (WGS-84, the original columns plus 拒绝原因 / refused_reason):
  fix them and import that file.
duplicates: a footprint equal to, or overlapping >= 90 % with, a stored building or another
  in the file: --policy skip (default: reported, not imported), keep (both), replace (the
  stored building takes the new shape and attributes, keeping its id).
"""


def _declared(text: str) -> Declared:
    try:
        return parse_declared(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_CRS = {c.value: c for c in Crs}


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add `import` and `export` to the `partygrid` command's subparsers."""
    importing = subparsers.add_parser(
        "import",
        help="import community boundaries, zones or buildings from geometry files",
        epilog=IMPORT_LAYOUTS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    importing.add_argument("what", choices=("boundaries", "zones", "buildings"))
    importing.add_argument(
        "file", type=Path, help="GeoPackage, zipped Shapefile, GeoJSON, KML, CSV or OSM PBF/XML"
    )
    importing.add_argument(
        "--community", type=community_code, help="12-digit community code (default: split)"
    )
    importing.add_argument(
        "--format",
        choices=("geojson", "csv", "osm"),
        help="osm: an OSM extract; geojson/csv: the strict text readers (default: any file)",
    )
    importing.add_argument("--crs", type=_declared, help="EPSG:N, wgs84, cgcs2000, gcj02, bd09")
    importing.add_argument("--check", action="store_true", help="check only, write nothing")
    importing.add_argument("--policy", choices=[p.value for p in Policy], default="skip")
    importing.add_argument("--partial", action="store_true", help="import the valid features")
    importing.add_argument("--encoding", help="text encoding when the file declares none")
    importing.add_argument("--database-url", help="SQLAlchemy URL of the grid role")
    importing.add_argument(
        "--org-database-url", help="SQLAlchemy URL of the org role (boundaries of new communities)"
    )
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


def grid_database_url(explicit: str | None) -> contextlib.AbstractContextManager[str]:
    """The grid role's URL (see the module docstring for the order)."""
    return service_database_url("grid", explicit)


def org_database_url(explicit: str | None) -> str | None:
    """The org role's URL, found like grid's but never starting a cluster (None then)."""
    configured = explicit or os.environ.get("PARTYGRID_ORG_DATABASE_URL")
    if configured:
        return configured
    settings = SuiteSettings()
    if settings.database_url:
        db = external_database(settings.database_url, role_password=role_password(settings))
        return db.service_urls["org"]
    cluster = private_cluster(settings)
    if cluster.running_pid() is not None:
        return cluster.url(user=role_of("org"), database=settings.db_name)
    return None


def _bar(description: str, total: int | None = None) -> tqdm:
    return tqdm(total=total, desc=description, unit=" rows", disable=None, file=sys.stderr)


async def _import(args: argparse.Namespace, url: str) -> ImportOutcome | FileImport:
    engine = create_async_engine(url)
    try:
        if args.format is None:  # its own phases: no transaction open while reading
            return await _import_file(engine, args)
        async with engine.begin() as conn:
            crs = args.crs or Crs.WGS84
            if not isinstance(crs, Crs) or args.community is None or args.what == "boundaries":
                raise invalid(
                    "--format geojson/csv/osm 需要 --community，并只接受 wgs84/cgcs2000/gcj02/bd09",
                    "--format geojson/csv/osm needs --community and a wgs84/cgcs2000/gcj02/bd09 "
                    "--crs; leave --format out to read any file",
                    ["format"],
                )
            return await _import_in(conn, args, crs)
    finally:
        await engine.dispose()


def _summary(kind: str, outcome: ImportOutcome) -> str:
    """The one summary line of every import, for a --format import's outcome."""
    report = ImportReport(
        kind,
        check_only=False,
        read=outcome.imported + outcome.skipped,
        imported=outcome.imported - outcome.updated,
        updated=outcome.updated,
        written=outcome.imported > 0,
    )
    if outcome.skipped:
        report.skip("unchanged or not built", "", outcome.skipped)
    return report.summary()


def _org_knows(url: str | None) -> Known | None:
    """Which community codes org's region tree holds (a boundary may create a grid community
    only for those), read as the org role; None without an org database to ask."""
    if url is None:
        return None

    async def known(codes: list[str]) -> set[str]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                query = text(
                    "SELECT code FROM org.region WHERE code = ANY(:codes) AND length(code) = 12"
                )
                return set((await conn.execute(query, {"codes": codes})).scalars())
        finally:
            await engine.dispose()

    return known


async def _import_file(engine: AsyncEngine, args: argparse.Namespace) -> FileImport:
    source = SourceFile(args.file.read_bytes(), args.file.name, args.crs, args.encoding)
    with _bar(f"writing {args.what}") as written:
        return await import_file(
            engine,
            Kind(args.what),
            source,
            ImportOptions(
                community_code=args.community,
                policy=Policy(args.policy),
                check=args.check,
                partial=args.partial,
                progress=written.update,
                in_thread=True,
                known=_org_knows(getattr(args, "org_database_url", None)),
            ),
        )


async def _import_in(conn: AsyncConnection, args: argparse.Namespace, crs: Crs) -> ImportOutcome:
    if args.format == "osm":
        if args.what != "buildings":
            raise invalid("OSM 只能导入楼栋", "OSM imports buildings only", ["format"])
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
        check_size(data)
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid("文件不是 UTF-8 文本", "The file is not UTF-8 text", []) from None
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


def _write_refused(source: Path, report: FileImport) -> None:
    """The refused features next to the input (FILE.refused.geojson), to fix and import."""
    if report.refused_rows_file:
        path = source.with_suffix(".refused.geojson")
        path.write_bytes(report.refused_rows_file)
        print(
            f"partygrid: refused features (with 拒绝原因/refused_reason) in {path}", file=sys.stderr
        )


def import_main(args: argparse.Namespace) -> int:
    """`partygrid import`: 0 when written, 1 when refused (nothing written), 2 on set-up."""
    try:
        if args.what == "boundaries" and (args.org_database_url or not args.database_url):
            # A boundary may found a grid community that org's region tree holds.
            args.org_database_url = org_database_url(args.org_database_url)
        with grid_database_url(args.database_url) as url:
            outcome = asyncio.run(_import(args, url))
    except FileRefusedError as refused:
        for line in refused.report.refusal_lines():
            print(line, file=sys.stderr)
        _write_refused(args.file, refused.report)
        print(f"partygrid: nothing was imported; {refused.report.summary()}", file=sys.stderr)
        return 1
    except DomainError as refused:
        for error in refused.user_errors():
            where = "/".join(error.field or [])
            print(f"refused {where}: {error.message_en} ({error.message})", file=sys.stderr)
        print("partygrid: nothing was imported", file=sys.stderr)
        return 1
    except (SetupError, OSError) as exc:
        print(f"partygrid: {exc}", file=sys.stderr)
        return 2
    _report_written(args, outcome)
    return 0


def _report_written(args: argparse.Namespace, outcome: ImportOutcome | FileImport) -> None:
    """What an import wrote: notes and refusals on stderr (refused rows to a file), the
    summary on stdout."""
    if isinstance(outcome, FileImport):
        for note in outcome.notes[:20]:
            print(f"note: {note}", file=sys.stderr)
        for line in outcome.refusal_lines():
            print(line, file=sys.stderr)
        _write_refused(args.file, outcome)
        print(outcome.summary(), flush=True)
        return
    for note in outcome.notes[:20]:
        print(f"skipped: {note}", file=sys.stderr)
    print(_summary(args.what, outcome), flush=True)


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
