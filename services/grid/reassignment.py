"""Full re-assignment: re-derive every building's zone from the zones' polygons in one pass.

Each write keeps zone_id current by itself (the building_derive_zone trigger, DOMAIN
"Places"), so this is maintenance: after restoring a backup, after loading data with
triggers off, or to check that nothing drifted (0 changed). It is set-based and driven from
the zones side — PostgreSQL's default plan for the plain join can drive from the buildings
instead, which bench/grid_city.py compares — and it writes only the buildings whose zone
changed, with the per-row derivation skipped for that one statement (not the trigger turned
off, which would lock the table against readers).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.auth import is_region_code
from services.grid.models import building
from services.grid.sql import BULK_ZONES, SQL_DIR


def sql_sections(path: Path) -> dict[str, str]:
    """The statements of a .sql file split at `-- name: key` lines."""
    sections: dict[str, str] = {}
    name = None
    for line in path.read_text().splitlines():
        if line.startswith("-- name:"):
            name = line.removeprefix("-- name:").strip()
            sections[name] = ""
        elif name is not None:
            sections[name] += line + "\n"
    return {k: v.strip() for k, v in sections.items()}


STATEMENTS = sql_sections(SQL_DIR / "queries" / "reassignment.sql")


@dataclass(frozen=True)
class Reassigned:
    buildings: int  # buildings in the region
    changed: int  # whose zone was not what the polygons say


async def reassign(conn: AsyncConnection, region_code: str | None = None) -> Reassigned:
    """Re-derive the zone of every building (of a district, street office or community by
    code) inside the caller's transaction; returns how many there are and how many changed."""
    if region_code is not None and not is_region_code(region_code):
        raise ValueError(
            f"region {region_code!r}: expected 6 (district), 9 (street) or 12 (community) digits"
        )
    prefix = f"{region_code or ''}%"
    await conn.execute(text(STATEMENTS["assign"]), {"prefix": prefix})
    await conn.execute(select(func.set_config(BULK_ZONES, "on", True)))
    changed = (await conn.execute(text(STATEMENTS["apply"]), {"prefix": prefix})).rowcount
    await conn.execute(select(func.set_config(BULK_ZONES, "off", True)))
    total = await conn.scalar(
        select(func.count()).select_from(building).where(building.c.community_code.like(prefix))
    )
    await conn.execute(text(STATEMENTS["drop"]))
    return Reassigned(buildings=int(total or 0), changed=changed)
