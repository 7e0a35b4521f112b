"""Import of a geometry file (files.py) into one or several communities: the import
contract's report (`FileImport.as_json`), all-or-nothing unless `partial`.

- boundaries: each feature's `code` names a community; its polygon replaces the stored one
  (a community new to grid is created when `known` says the org service has it);
- zones and buildings: into `community`, or split among the communities whose boundary
  covers each feature's interior point; features in none are refused (skipped with
  `partial`), with where the data lies compared with the nearest community;
- duplicate footprints (the same, or each covering >= 90 % of the other: intersection over the
  larger area) of stored buildings or of each other follow `policy`: skip the new one, keep
  both, or replace (the stored building takes the new shape and attributes, keeping its id,
  group and history). Of duplicates within the file the first is imported (all with keep).
  A re-import by the same ids (an id column; else name and address) updates instead.

`check` runs everything, writes included, in a transaction that is rolled back: the report
is the one a real import would give, and nothing changes.

The phases, so that no database connection waits on geometry work and grid's event loop does
none of it: the file is read in a geometry worker (or the CLI's thread) with no connection
held; the communities' boundaries and their stored footprints/zones are fetched in one short
read; splitting, checking and duplicate detection run in a worker as one job (`plan`;
into one named `community`, whose stored data is fetched first, reading and planning are one
job); only the write runs in the transaction: buildings new to their community by one binary
COPY the worker built (building_copy.copy_buildings), the ones it held by an upsert. Refused
features (with `partial`, or on refusal) come back as a GeoJSON file to fix and re-import
(refusals.py).

The phases live apart: file_report.py (the report, the refusal, the policy), file_plan.py
(the short read, the split, the checks, the duplicates), file_boundaries.py (boundaries);
this module runs them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.common.errors import DomainError
from services.grid import geometry_pool
from services.grid.transfer import building_copy, upsert
from services.grid.transfer import files as transfer_files
from services.grid.transfer import refusals as refused_features
from services.grid.transfer.file_boundaries import (
    checked_boundaries,
    new_communities,
    write_boundaries,
    zones_left_out,
)
from services.grid.transfer.file_plan import Rows, fetch_stored, plan, read_and_plan, read_job
from services.grid.transfer.file_report import (
    BeforeCommit,
    FileImport,
    FileRefusedError,
    Known,
    Policy,
    Scope,
    refused,
)
from services.grid.transfer.files import Kind, SourceFile
from services.grid.transfer.records import ImportOutcome, Problems, Progress

# --- the writes (in the one transaction) -----------------------------------------------------


def _count(report: FileImport, outcome: ImportOutcome) -> None:
    report.imported += outcome.imported - outcome.updated
    report.updated += outcome.updated
    if outcome.skipped:
        report.skip("unchanged", "", outcome.skipped)


async def _write(
    conn: AsyncConnection,
    kind: Kind,
    planned: Rows,
    report: FileImport,
    progress: Progress | None,
) -> None:
    write = upsert.write_buildings if kind is Kind.BUILDINGS else upsert.write_zones
    for community_rows in planned.rows.values():
        if community_rows:
            _count(report, await write(conn, community_rows, progress=progress))
    for new in planned.copies.values():
        _count(report, await building_copy.copy_buildings(conn, new, progress=progress))


def _refuse_unless_partial(report: FileImport, problems: Problems, partial: bool) -> None:
    if problems.found and not partial:
        raise refused(report, problems)


async def _commit(
    engine: AsyncEngine,
    write: Callable[[AsyncConnection], Awaitable[None]],
    report: FileImport,
    *,
    check: bool,
    before_commit: BeforeCommit | None,
) -> None:
    """`write` in one transaction, rolled back for a `check`, else handed to `before_commit`
    with the finished report and committed."""
    async with engine.begin() as conn:
        await write(conn)
        if check:
            await conn.rollback()
        elif before_commit is not None:
            await before_commit(conn, report)


@dataclass(frozen=True)
class ImportOptions:
    """How one file is imported (each defaulted: callers name the few they set).

    `community_code`: the community the zones or buildings go to (else found by place);
    `check`: read and check, write nothing; `partial`: write what passes, report the rest;
    `known`/`scope`: which community codes org knows and the caller may write; `progress`:
    told of rows written; `in_thread` (the CLI: one import, its user can stop it): the
    geometry work in a thread rather than grid's geometry pool, sparing the workers'
    start-up; `before_commit` gets the write's connection and the finished report just
    before the write commits (a route stores its answer there, so a retry finds the answer
    with it)."""

    community_code: str | None = None
    policy: Policy = Policy.SKIP
    check: bool = False
    partial: bool = False
    known: Known | None = None
    scope: Scope | None = None
    progress: Progress | None = None
    in_thread: bool = False
    before_commit: BeforeCommit | None = None


def _jobs(source: SourceFile, in_thread: bool) -> Callable[..., Awaitable[Any]]:
    """How the import's geometry work runs: in grid's pool under the import budget, or in a
    thread."""

    async def job(function: Callable[..., Any], *args: Any) -> Any:
        if in_thread:
            return await asyncio.to_thread(function, *args)
        return await geometry_pool.run_import(
            function, *args, size=len(source.data), field=["file"]
        )

    return job


async def import_file(
    engine: AsyncEngine,
    kind: Kind,
    source: SourceFile,
    options: ImportOptions = ImportOptions(),  # frozen: one shared default is safe
) -> FileImport:
    """Read, check and (unless `check`) write a geometry file, all-or-nothing in one
    transaction of `engine` (see the module docstring for the phases); FileRefusedError
    (carrying the report) when anything is refused and not `partial`."""
    community_code, policy, check, partial = (
        options.community_code,
        options.policy,
        options.check,
        options.partial,
    )
    known, scope, progress = options.known, options.scope, options.progress
    job = _jobs(source, options.in_thread)

    report = FileImport(kind, check, partial=partial)
    planned: Rows | None = None
    if community_code is not None and kind is not Kind.BOUNDARIES:
        stored_data = await fetch_stored(engine, kind, community_code, None, scope)
        planned, problems, report = await job(
            read_and_plan, source, kind, stored_data, policy, report, partial
        )
    else:
        read, bounds = await job(read_job, source, kind)
        report.read, report.notes = read.read, list(read.notes)
        problems = read.problems
    try:
        _refuse_unless_partial(report, problems, partial)
        write: Callable[[AsyncConnection], Awaitable[None]]
        if kind is Kind.BOUNDARIES:
            seen = checked_boundaries(read.records, problems, scope)
            stored, accepted = await new_communities(engine, seen, problems, known)
            for code in await zones_left_out(engine, seen, stored, problems):
                del seen[code]

            async def write(conn: AsyncConnection) -> None:
                await write_boundaries(conn, seen, stored, accepted, report, progress)
        else:
            if planned is None:
                stored_data = await fetch_stored(engine, kind, community_code, bounds, scope)
                planned, problems, report = await job(plan, kind, read, stored_data, policy, report)
            rows = planned

            async def write(conn: AsyncConnection) -> None:
                await _write(conn, kind, rows, report, progress)

        _refuse_unless_partial(report, problems, partial)
        await _finish(report, problems, source, job)  # before the write: no connection held
        await _commit(engine, write, report, check=check, before_commit=options.before_commit)
        _refuse_unless_partial(report, problems, partial)
        await _finish(report, problems, source, job)
    except FileRefusedError as refused:
        if problems.reasons:  # the refusal stands even if its file cannot be made
            with contextlib.suppress(DomainError):
                await _finish(refused.report, problems, source, job, refusals=False)
        raise
    return report


async def _finish(
    report: FileImport,
    problems: Problems,
    source: SourceFile,
    job: Callable[..., Awaitable[Any]],
    refusals: bool = True,
) -> None:
    """The report's grouped refusals and its file of refused features (made once)."""
    if refusals:
        report.refused = transfer_files.refusals(problems)
    reasons = getattr(problems, "reasons", None)
    if reasons and report.refused_rows_file is None:
        report.refused_rows_file = await job(refused_features.build, source, reasons)
        report.refused_rows_name = refused_features.file_name(report.kind)
