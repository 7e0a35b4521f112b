"""The grading standard as data: read from a TOML file, kept in the database, queried.

DOMAIN "Assessment": "The standard is data the district edits (indicators, weights,
thresholds, grade names), not code."
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.assess.models import indicator, standard

DEFAULT_STANDARD_FILE = Path(__file__).resolve().parent / "data" / "default_standard.toml"


class GradeData(BaseModel):
    id: str
    name: str
    name_en: str
    min_score: float = Field(ge=0, le=100)


class IndicatorData(BaseModel):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9]{0,7}$")
    group: str
    group_en: str
    name: str
    name_en: str
    measured: Literal["computed", "attested"]
    sources: str = ""
    weight: float = Field(ge=0)
    threshold: float = Field(ge=0, le=1)
    plan_clause: str = ""


class StandardData(BaseModel):
    """A whole standard as the district writes it."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    name: str
    name_en: str
    source: str
    grades: list[GradeData] = Field(min_length=2)
    indicators: list[IndicatorData] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> StandardData:
        codes = [i.code for i in self.indicators]
        if len(set(codes)) != len(codes):
            raise ValueError("indicator codes must be unique")
        scores = [g.min_score for g in self.grades]
        if scores != sorted(scores, reverse=True) or len(set(scores)) != len(scores):
            raise ValueError("grades must be listed best first with strictly falling min_score")
        if scores[-1] != 0:
            raise ValueError("the last grade must start at min_score 0 so every score has one")
        return self


def read_standard(path: Path = DEFAULT_STANDARD_FILE) -> StandardData:
    """Parse and validate a standard file; raises ValueError (pydantic) when it is wrong."""
    with path.open("rb") as handle:
        return StandardData.model_validate(tomllib.load(handle))


def install_standard(conn: Connection, data: StandardData, *, make_default: bool) -> None:
    """Write a standard (replacing one with the same id) in the caller's transaction."""
    conn.execute(delete(standard).where(standard.c.id == data.id))
    if make_default:
        conn.execute(update(standard).values(is_default=False).where(standard.c.is_default))
    conn.execute(
        insert(standard).values(
            id=data.id,
            name=data.name,
            name_en=data.name_en,
            source=data.source,
            grades=[g.model_dump() for g in data.grades],
            is_default=make_default,
        )
    )
    conn.execute(
        insert(indicator),
        [
            {
                "standard_id": data.id,
                "position": position,
                "group_name": item.group,
                **item.model_dump(exclude={"group"}),
            }
            for position, item in enumerate(data.indicators)
        ],
    )


def ensure_default_standard(conn: Connection) -> bool:
    """Install the shipped default standard when no standard exists yet; True if installed."""
    if conn.execute(select(standard.c.id).limit(1)).first() is not None:
        return False
    install_standard(conn, read_standard(), make_default=True)
    return True


# -- queries for the graph ------------------------------------------------------------------


async def standards_by_id(conn: AsyncConnection, ids: Sequence[str]) -> list[dict | None]:
    rows = (await conn.execute(select(standard).where(standard.c.id.in_(ids)))).mappings()
    found = {row["id"]: dict(row) for row in rows}
    return [found.get(i) for i in ids]


async def default_standard(conn: AsyncConnection) -> dict | None:
    row = (await conn.execute(select(standard).where(standard.c.is_default))).mappings().first()
    return dict(row) if row else None


async def indicators_of(conn: AsyncConnection, standard_ids: Sequence[str]) -> list[list[dict]]:
    """Indicators of each standard, in the standard's order."""
    rows = (
        await conn.execute(
            select(indicator)
            .where(indicator.c.standard_id.in_(standard_ids))
            .order_by(indicator.c.standard_id, indicator.c.position)
        )
    ).mappings()
    grouped: dict[str, list[dict]] = {i: [] for i in standard_ids}
    for row in rows:
        grouped[row["standard_id"]].append(dict(row))
    return [grouped[i] for i in standard_ids]


async def indicators_by_key(
    conn: AsyncConnection, keys: Sequence[tuple[str, str]]
) -> list[dict | None]:
    """Indicators by (standard id, code)."""
    wanted = set(keys)
    rows = (
        await conn.execute(
            select(indicator).where(
                indicator.c.standard_id.in_({s for s, _ in wanted}),
                indicator.c.code.in_({c for _, c in wanted}),
            )
        )
    ).mappings()
    found = {(row["standard_id"], row["code"]): dict(row) for row in rows}
    return [found.get(k) for k in keys]
