"""`partygrid import regions FILE [--check]`: the region tree from a CSV or XLSX 区划 list.

The operator's bootstrap: this is how a new district (a 6-digit code) comes in; district
users add streets and communities under their own district (GraphQL or POST /imports/regions).
It runs services/org/regions/importer.py as the org role in one transaction: the whole file is
checked first and nothing is written unless every row passes. Prints a progress bar on a
terminal and one summary line. Exit 0 written (or checked clean), 1 refused, 2 set-up.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from infra.errors import SetupError
from infra.role_urls import service_database_url

if TYPE_CHECKING:
    from services.common.import_report import ImportReport


def parser() -> argparse.ArgumentParser:
    command = argparse.ArgumentParser(
        prog="partygrid import regions",
        description="Import places (区划: district, street offices/townships, communities) "
        "from CSV or XLSX with columns code, name, parent code (区划代码, 名称, 上级区划代码).",
    )
    command.add_argument("file", type=Path, help="CSV (UTF-8 or GBK) or XLSX file")
    command.add_argument("--check", action="store_true", help="check only, write nothing")
    command.add_argument("--database-url", help="SQLAlchemy URL of the org role")
    return command


def region_exists(org_url: str, code: str) -> bool:
    """Whether `code` is a place in use in org's tree, read as the org role (read-only)."""
    from sqlalchemy import create_engine, pool, select

    from services.org.models import region

    engine = create_engine(org_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            query = select(region.c.code).where(
                region.c.code == code, region.c.retired_at.is_(None)
            )
            return conn.scalar(query) is not None
    finally:
        engine.dispose()


async def _run(url: str, data: bytes, name: str, check_only: bool) -> ImportReport:
    from sqlalchemy.ext.asyncio import create_async_engine
    from tqdm import tqdm  # type: ignore[import-untyped]  # tqdm ships no types; no stubs pinned

    from services.org.regions.importer import import_regions, read_rows

    rows = read_rows(data, name)  # before the connection: a refused file takes none
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn, conn.begin() as transaction:
            with tqdm(desc="regions", unit=" rows", disable=None, file=sys.stderr) as bar:

                def progress(done: int, total: int) -> None:
                    bar.total = total
                    bar.update(done - bar.n)

                report = await import_regions(conn, rows, check_only=check_only, progress=progress)
            if not report.written:
                await transaction.rollback()
            return report
    finally:
        await engine.dispose()


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    from services.org.regions.importer import UnreadableFileError

    try:
        data = args.file.read_bytes()
        with service_database_url("org", args.database_url) as url:
            report = asyncio.run(_run(url, data, args.file.name, args.check))
    except UnreadableFileError as bad:
        print(f"partygrid: {bad.message} ({bad.message_en})", file=sys.stderr)
        return 1
    except (SetupError, OSError) as exc:
        print(f"partygrid: {exc}", file=sys.stderr)
        return 2
    for line in report.refusal_lines():
        print(line, file=sys.stderr)
    print(report.summary(), flush=True)
    return 1 if report.refused else 0
