"""A geometry file's community boundaries: checked (scope, each code once, the community
known to grid or org, none leaving out a stored zone) in short reads, then written in the
import's transaction (services/grid/transfer/file_import.py)."""

from __future__ import annotations

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.common.errors import DomainError, UserErrorCode
from services.grid.models import SRID, community, zone
from services.grid.transfer.file_report import FileImport, Known, Scope
from services.grid.transfer.files import BoundaryRecord
from services.grid.transfer.records import SAME_PLACE, Problems, Progress, invalid


def checked_boundaries(
    read: list[BoundaryRecord], problems: Problems, scope: Scope | None
) -> dict[str, BoundaryRecord]:
    """The boundaries by community code: in scope, each code once."""
    seen: dict[str, BoundaryRecord] = {}
    for record in read:
        if scope is not None and not scope(record.code):
            problems.add(
                DomainError(
                    UserErrorCode.RULE_VIOLATION,
                    f"社区 {record.code} 超出管辖范围",
                    f"Community {record.code} is outside your scope",
                    record.field,
                    rule="scope",
                )
            )
            continue
        if record.code in seen:
            problems.add(
                invalid(
                    f"社区 {record.code} 的边界出现了两次",
                    f"Community {record.code} has two boundaries in the file",
                    record.field,
                )
            )
        seen[record.code] = record
    return seen


async def new_communities(
    engine: AsyncEngine,
    seen: dict[str, BoundaryRecord],
    problems: Problems,
    known: Known | None,
) -> tuple[set[str], set[str]]:
    """The codes grid has, and the new ones org's tree holds (asked before the transaction:
    no transaction waits on the org service)."""
    async with engine.connect() as conn:
        query = select(community.c.code).where(community.c.code.in_(list(seen)))
        stored = set((await conn.execute(query)).scalars().all())
    new = [c for c in seen if c not in stored]
    accepted = await known(new) if (known is not None and new) else set()
    for code in new:
        if code not in accepted:
            problems.add(
                DomainError(
                    UserErrorCode.NOT_FOUND,
                    f"社区 {code} 不存在：请先导入区划（partygrid import regions）",
                    f"No community {code}: import the region tree first (partygrid import regions)",
                    seen[code].field,
                    rule="community_exists",
                )
            )
    return stored, accepted


async def _zone_left_out(conn: AsyncConnection, code: str, boundary: BaseGeometry) -> str | None:
    """The name of a zone of `code` that `boundary` would leave out, if any."""
    geometry = func.ST_GeomFromWKB(shapely.to_wkb(boundary), SRID)
    query = select(zone.c.name).where(
        zone.c.community_code == code,
        ~func.ST_Covers(func.ST_Buffer(geometry, 1e-7), zone.c.boundary),
    )
    return (await conn.execute(query)).scalars().first()


async def zones_left_out(
    engine: AsyncEngine, seen: dict[str, BoundaryRecord], stored: set[str], problems: Problems
) -> set[str]:
    """The stored communities whose new boundary leaves out one of their zones (refused), in
    a short read before the write."""
    left_out = set()
    async with engine.connect() as conn:
        for code in sorted(stored & set(seen)):
            sticking = await _zone_left_out(conn, code, seen[code].boundary)
            if sticking is not None:
                left_out.add(code)
                problems.add(
                    DomainError(
                        UserErrorCode.RULE_VIOLATION,
                        f"新边界未包含社区 {code} 的片区“{sticking}”",
                        f"The new boundary of {code} leaves out its zone '{sticking}'",
                        seen[code].field,
                        rule="inside_community",
                    )
                )
    return left_out


async def write_boundaries(
    conn: AsyncConnection,
    seen: dict[str, BoundaryRecord],
    stored: set[str],
    accepted: set[str],
    report: FileImport,
    progress: Progress | None,
) -> None:
    for code, record in seen.items():
        if code not in stored and code not in accepted:
            continue
        geometry = func.ST_GeomFromWKB(shapely.to_wkb(record.boundary), SRID)
        if code in stored:
            if await _zone_left_out(conn, code, record.boundary) is not None:
                # A zone drawn or moved since the check: the whole write is undone.
                raise DomainError(
                    UserErrorCode.CONFLICT,
                    f"社区 {code} 的片区在导入期间发生了变化，请重新导入",
                    f"The zones of {code} changed during the import: import again",
                    record.field,
                    rule="inside_community",
                )
            changed = await conn.execute(
                update(community)
                .where(
                    community.c.code == code,
                    func.ST_HausdorffDistance(community.c.boundary, geometry) > SAME_PLACE,
                )
                .values(boundary=geometry, version=community.c.version + 1, updated_at=func.now())
            )
            if changed.rowcount:
                report.updated += 1
            else:
                report.skip("unchanged", code)
        else:
            await conn.execute(
                pg_insert(community).values(
                    code=code, street_code=code[:9], district_code=code[:6], boundary=geometry
                )
            )
            report.imported += 1
        if progress:
            progress(1)
