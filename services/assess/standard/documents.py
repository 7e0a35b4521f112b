"""The grading standard as data: a versioned YAML document, validated, kept, queried.

DOMAIN "Assessment": "The standard is data the district edits (indicators, weights,
thresholds, grade names), not code." A district user loads a new version for their district;
a loaded version never changes, so past assessments keep the one they were made under. Each
district has its own current version, the shipped default where it has none
(shared/document_owners.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.assess.metrics.catalog import METRICS
from services.assess.records.checks import RECORD_CHECKS
from services.assess.shared import document_owners as owners
from services.assess.shared.measures import Measure
from services.assess.shared.yaml_documents import DocumentError, parse_document
from services.assess.standard.tables import indicator, standard

DEFAULT_STANDARD_FILE = Path(__file__).resolve().parent / "data" / "default_standard.yaml"
# The two families every standard grades (DOMAIN "三有" and "四化"); a community "meets
# 三有四化" when every indicator of both passes.
GROUP_FAMILIES = ("三有", "四化")


# A standard document that cannot be loaded; `problems` are (path, zh, en) triples.
StandardError = DocumentError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GradeData(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    min_score: float = Field(ge=0, le=100)


class IndicatorData(_Strict):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9]{0,7}$")
    group: str = Field(min_length=1)
    group_en: str = Field(min_length=1)
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    weight: float = Field(gt=0)
    threshold: float = Field(ge=0, le=1)
    measured: Literal["computed", "attested"]
    metric: str | None = None
    record: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    plan_clause: str = ""

    @model_validator(mode="after")
    def _one_measure(self) -> IndicatorData:
        known: dict[str, Measure]
        if self.measured == "computed":
            name, known, other, what = self.metric, METRICS, self.record, "metric"
        else:
            name, known, other, what = self.record, RECORD_CHECKS, self.metric, "record"
        if other is not None:
            raise ValueError(f"a {self.measured} indicator names a {what}, nothing else")
        if name is None:
            raise ValueError(f"a {self.measured} indicator must name its {what}")
        if name not in known:
            raise ValueError(f"unknown {what} {name!r}; known: {', '.join(sorted(known))}")
        # Normalized (defaults filled in) so the stored params are complete.
        self.params = known[name].params.model_validate(self.params).model_dump(mode="json")
        return self

    @property
    def measure(self) -> Measure:
        return METRICS[self.metric] if self.metric else RECORD_CHECKS[str(self.record)]


class StandardData(_Strict):
    """A whole standard as the district writes it."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    version: int = Field(ge=1)
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    source: str
    total_weight: float = Field(gt=0)
    grades: list[GradeData] = Field(min_length=2)
    indicators: list[IndicatorData] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> StandardData:
        codes = [i.code for i in self.indicators]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise ValueError(f"indicator codes repeated: {', '.join(repeated)}")
        grade_ids = [g.id for g in self.grades]
        if len(set(grade_ids)) != len(grade_ids):
            raise ValueError("grade ids must be unique")
        scores = [g.min_score for g in self.grades]
        if scores != sorted(scores, reverse=True) or len(set(scores)) != len(scores):
            raise ValueError("grades must be listed best first with strictly falling min_score")
        if scores[-1] != 0:
            raise ValueError("the last grade must start at min_score 0 so every score has one")
        weights = math.fsum(i.weight for i in self.indicators)
        if not math.isclose(weights, self.total_weight, abs_tol=1e-6):
            raise ValueError(
                f"indicator weights add up to {weights:g}, not the declared total_weight"
                f" {self.total_weight:g}"
            )
        missing = [
            f for f in GROUP_FAMILIES if not any(i.group.startswith(f) for i in self.indicators)
        ]
        if missing:
            raise ValueError(f"no indicator in group {', '.join(missing)}")
        return self

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"


def parse_standard(text: str) -> StandardData:
    """Parse and validate a standard document; StandardError lists every problem."""
    return parse_document(text, StandardData, wrong_zh="标准文档有误")


def read_standard(path: Path = DEFAULT_STANDARD_FILE) -> StandardData:
    """The shipped (or another) standard file, validated."""
    return parse_standard(path.read_text(encoding="utf-8"))


def _rows(
    data: StandardData, document: str, loaded_by: str, make_default: bool, district: str | None
) -> tuple[dict, list[dict]]:
    key = owners.document_id(district, data.key)
    head = {
        "id": key,
        "code": data.id,
        "district_code": district,
        "version": data.version,
        "name": data.name,
        "name_en": data.name_en,
        "source": data.source,
        "grades": [g.model_dump() for g in data.grades],
        "total_weight": data.total_weight,
        "is_default": make_default,
        "document": document,
        "loaded_by": loaded_by,
    }
    items = [
        {
            "standard_id": key,
            "position": position,
            "code": item.code,
            "group_name": item.group,
            "group_en": item.group_en,
            "name": item.name,
            "name_en": item.name_en,
            "measured": item.measured,
            "sources": ",".join(item.measure.sources),
            "metric": item.metric,
            "record": item.record,
            "params": item.params,
            "weight": item.weight,
            "threshold": item.threshold,
            "plan_clause": item.plan_clause,
        }
        for position, item in enumerate(data.indicators)
    ]
    return head, items


def install_standard(
    conn: Connection, data: StandardData, document: str, *, make_default: bool, loaded_by: str = ""
) -> None:
    """Write a new shared version in the caller's transaction (setup and the demo use this)."""
    head, items = _rows(data, document, loaded_by, make_default, None)
    if make_default:
        conn.execute(
            update(standard)
            .values(is_default=False)
            .where(standard.c.is_default, standard.c.district_code.is_(None))
        )
    conn.execute(insert(standard).values(**head))
    conn.execute(insert(indicator), items)


def ensure_default_standard(conn: Connection) -> bool:
    """Install the shipped default standard when no shared standard exists yet; True if
    installed."""
    shared = select(standard.c.id).where(standard.c.district_code.is_(None)).limit(1)
    if conn.execute(shared).first() is not None:
        return False
    text = DEFAULT_STANDARD_FILE.read_text(encoding="utf-8")
    install_standard(conn, parse_standard(text), text, make_default=True, loaded_by="setup")
    return True


async def latest_version(conn: AsyncConnection, code: str, district: str) -> int:
    """The newest version of `code` the district sees: a new one must be newer (so its own
    versions follow the shared ones they replace)."""
    found = await conn.scalar(
        select(func.max(standard.c.version)).where(
            standard.c.code == code, owners.visible(standard, district)
        )
    )
    return int(found or 0)


async def load_standard(
    conn: AsyncConnection,
    data: StandardData,
    document: str,
    *,
    make_default: bool,
    loaded_by: str,
    district: str,
) -> dict:
    """A new version of `district`'s, in the caller's transaction; the caller checked it is
    newer."""
    head, items = _rows(data, document, loaded_by, make_default, district)
    if make_default:
        await owners.clear_current(conn, standard, standard.c.is_default, district)
    await conn.execute(insert(standard).values(**head))
    await conn.execute(insert(indicator), items)
    row = (await conn.execute(select(standard).where(standard.c.id == head["id"]))).mappings()
    return dict(row.one())


async def make_default(conn: AsyncConnection, standard_id: str, district: str) -> dict | None:
    """Make a version `district` sees its current one; None when it sees no such version
    (its row with is_default false: a shared version other than the shared current one)."""
    return await owners.choose(conn, standard, standard.c.is_default, standard_id, district)


# -- queries for the graph ------------------------------------------------------------------


async def standards_by_id(conn: AsyncConnection, ids: Sequence[str]) -> list[dict | None]:
    rows = (await conn.execute(select(standard).where(standard.c.id.in_(ids)))).mappings()
    found = {row["id"]: dict(row) for row in rows}
    return [found.get(i) for i in ids]


async def all_standards(conn: AsyncConnection, district: str | None) -> list[dict]:
    """Every version `district` sees, newest first within each standard."""
    rows = await conn.execute(
        select(standard)
        .where(owners.visible(standard, district))
        .order_by(standard.c.code, standard.c.version.desc(), standard.c.district_code)
    )
    return [dict(row) for row in rows.mappings()]


async def default_standard(conn: AsyncConnection, district: str | None) -> dict | None:
    """The version new assessments of `district`'s communities use."""
    return await owners.current(conn, standard, standard.c.is_default, district)


async def current_standard_ids(conn: AsyncConnection, districts: Sequence[str]) -> list[str | None]:
    """The current version's id of each district ("": the shared one)."""
    found = [await default_standard(conn, d or None) for d in districts]
    return [row["id"] if row else None for row in found]


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
