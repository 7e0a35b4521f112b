"""Issue 13's roster target: 30,000 members from XLSX checked and imported in ≤ 30 s.

Prepares the demo district in a private cluster (under .data/bench, like org_scale.py), writes
30,000 members of its communities into an .xlsx (openpyxl write_only; half of them name their
home by address, matched against grid's buildings), then times, in process:
- the baseline: reading the same file with openpyxl read_only, every cell, nothing else (the
  floor any importer of the file pays);
- the check (`import_roster(check_only=True)`: read, every rule, address matching);
- the import (check and write, one transaction), then the same file again in the same
  transaction (every row unchanged), rolled back after when `--keep` is not given.

    .venv/bin/python bench/roster_import.py [-n 30000] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import random
import time

from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from infra.locking import RunLock
from infra.settings import ROOT, SuiteSettings
from infra.setup import database
from services.common.auth import Identity, Role
from services.grid.models import building
from services.org.grid_client import Home
from services.org.models import party_organization
from services.org.roster.columns import MEMBER_COLUMNS
from services.org.roster.importer import import_roster
from services.org.roster.rows import ImportOptions

# The template's own header: the file a department fills in.
HEADER = [column.zh for column in MEMBER_COLUMNS]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


async def _context(org_url: str, grid_url: str) -> tuple[list[tuple[str, str]], dict]:
    org, grid = create_async_engine(org_url), create_async_engine(grid_url)
    try:
        async with org.connect() as conn:
            tops = (
                await conn.execute(
                    select(party_organization.c.community_code, party_organization.c.name).where(
                        party_organization.c.kind.in_(
                            ("community_committee", "general_branch", "branch")
                        ),
                        party_organization.c.dissolved_at.is_(None),
                    )
                )
            ).all()
        async with grid.connect() as conn:
            rows = (
                await conn.execute(
                    select(
                        building.c.id,
                        building.c.name,
                        building.c.address,
                        building.c.community_code,
                    )
                )
            ).all()
    finally:
        await org.dispose()
        await grid.dispose()
    homes: dict[str, list[Home]] = {}
    for r in rows:
        homes.setdefault(r.community_code, []).append(Home(r.id, r.name, r.address))
    return [(c, n) for c, n in tops], homes


def roster(n: int, tops: list[tuple[str, str]], homes: dict[str, list[Home]]) -> bytes:
    rng = random.Random(13)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("党员信息表")
    sheet.append(["管城回族区党员信息表（基准）"])
    sheet.append(HEADER)
    for i in range(n):
        community, top = tops[i % len(tops)]
        born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 60))
        joined = born + dt.timedelta(days=365 * 20 + rng.randrange(0, 365 * 20))
        joined = min(joined, dt.date(2024, 1, 1))
        here = homes.get(community) or []
        home = None
        if here and i % 2 == 0:
            b = rng.choice(here)
            home = b.address if i % 4 == 0 else str(b.id)
        sheet.append(
            [
                f"B{i:06d}",
                rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                rng.choice("男女"),
                "汉族",
                born if i % 3 else born.strftime("%Y.%-m.%-d"),
                rng.choice(["大学本科", "大专", "高中", "硕士研究生"]),
                joined,
                joined + dt.timedelta(days=366),
                "正式党员",
                "自管",
                top,
                community,
                home,
                None,
                f"13{rng.randrange(10**8, 10**9)}",
                None,
                None,
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def baseline(data: bytes) -> int:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    cells = sum(len(row) for row in book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return cells


async def run(
    org_url: str, data: bytes, homes: dict[str, list[Home]], keep: bool
) -> tuple[float, float]:
    async def homes_of(codes: list[str]) -> dict[str, list[Home]]:
        return {c: homes.get(c, []) for c in codes}

    identity = Identity("bench", Role.DISTRICT, "410104")
    engine = create_async_engine(org_url)
    try:
        started = time.perf_counter()
        async with engine.connect() as conn:
            checked = await import_roster(
                conn, "members", data, ImportOptions(identity, check_only=True), homes_of=homes_of
            )
        check_s = time.perf_counter() - started
        print(f"check:  {check_s:6.2f} s  {checked.summary()}")
        started = time.perf_counter()
        async with engine.connect() as conn:
            transaction = await conn.begin()
            done = await import_roster(
                conn, "members", data, ImportOptions(identity), homes_of=homes_of
            )
            import_s = time.perf_counter() - started
            print(f"import: {import_s:6.2f} s  {done.summary()}")
            again = time.perf_counter()
            same = await import_roster(
                conn, "members", data, ImportOptions(identity), homes_of=homes_of
            )
            print(
                f"re-import, all unchanged: {time.perf_counter() - again:6.2f} s  {same.summary()}"
            )
            if keep:
                await transaction.commit()
            else:
                await transaction.rollback()
        print(f"        unmatched addresses: {len(done.unmatched_homes)}")
    finally:
        await engine.dispose()
    return check_s, import_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=30000)
    parser.add_argument("--keep", action="store_true", help="commit the import")
    args = parser.parse_args()
    settings = SuiteSettings(data_dir=ROOT / ".data" / "bench", db_name="partygrid_bench")
    with RunLock(settings.data_dir), database(settings) as prepared:
        urls = prepared.database.service_urls
        tops, homes = asyncio.run(_context(urls["org"], urls["grid"]))
        started = time.perf_counter()
        data = roster(args.n, tops, homes)
        print(
            f"wrote {args.n} members, {len(data) / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s"
        )
        started = time.perf_counter()
        cells = baseline(data)
        base_s = time.perf_counter() - started
        print(f"baseline (openpyxl read_only, {cells} cells): {base_s:6.2f} s")
        check_s, import_s = asyncio.run(run(urls["org"], data, homes, args.keep))
        print(
            f"check ×{check_s / base_s:.2f} baseline; import ×{import_s / base_s:.2f} baseline; "
            f"target: import ≤ 30 s: {'met' if import_s <= 30 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
