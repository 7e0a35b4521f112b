"""Reads of the grading workflow (分类定级): assessments, their self-scores, survey counts,
snapshots and improvement goals, one by one, batched for the graph's loaders, or paged under a
region. The steps that write them: services/assess/grading/workflow.py."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.assess.grading.tables import (
    assessment,
    grading_snapshot,
    improvement_goal,
    self_score,
    survey_count,
)
from services.assess.standard.tables import standard
from services.common.pagination import Page, fetch_page


def _under(column: Any, region: str) -> Any:
    return column.startswith(region, autoescape=True)


async def assessments_by_id(conn: AsyncConnection, keys: Sequence[uuid.UUID]) -> list[dict | None]:
    rows = (await conn.execute(select(assessment).where(assessment.c.id.in_(keys)))).mappings()
    found = {r["id"]: dict(r) for r in rows}
    return [found.get(k) for k in keys]


async def assessment_of(conn: AsyncConnection, community_code: str, year: int) -> dict | None:
    query = select(assessment).where(
        assessment.c.community_code == community_code, assessment.c.year == year
    )
    row = (await conn.execute(query)).mappings().first()
    return dict(row) if row else None


async def determined_grades(
    conn: AsyncConnection, community_codes: Sequence[str], year: int
) -> dict[str, dict[str, Any]]:
    """The grade the street office determined (认定) for each community in the year, as the
    grade band of the assessment's own standard, by community code; a community whose grade
    is not determined yet is absent. One query for all of them."""
    if not community_codes:
        return {}
    rows = await conn.execute(
        select(assessment.c.community_code, assessment.c.grade_id, standard.c.grades)
        .join(standard, standard.c.id == assessment.c.standard_id)
        .where(
            assessment.c.community_code.in_(community_codes),
            assessment.c.year == year,
            assessment.c.state == "determined",
        )
    )
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        grade = next((dict(g) for g in row.grades if g["id"] == row.grade_id), None)
        if grade is not None:
            found[row.community_code] = grade
    return found


async def assessments_for(
    conn: AsyncConnection, community_codes: Sequence[str], year: int
) -> dict[str, dict]:
    query = select(assessment).where(
        assessment.c.year == year, assessment.c.community_code.in_(community_codes)
    )
    return {r["community_code"]: dict(r) for r in (await conn.execute(query)).mappings()}


async def list_assessments(
    conn: AsyncConnection,
    region: str,
    *,
    year: int | None,
    state: str | None,
    first: int | None,
    after: str | None,
) -> Page:
    query: Select = select(assessment).where(_under(assessment.c.community_code, region))
    if year is not None:
        query = query.where(assessment.c.year == year)
    if state is not None:
        query = query.where(assessment.c.state == state)
    return await fetch_page(
        conn, query, keys=[assessment.c.year, assessment.c.community_code], first=first, after=after
    )


async def self_scores_of(conn: AsyncConnection, keys: Sequence[uuid.UUID]) -> list[list[dict]]:
    rows = (
        await conn.execute(select(self_score).where(self_score.c.assessment_id.in_(keys)))
    ).mappings()
    return _grouped(rows, keys)


async def survey_counts_of(conn: AsyncConnection, keys: Sequence[uuid.UUID]) -> list[list[dict]]:
    rows = (
        await conn.execute(
            select(survey_count)
            .where(survey_count.c.assessment_id.in_(keys))
            .order_by(survey_count.c.respondents)
        )
    ).mappings()
    return _grouped(rows, keys)


SNAPSHOT_ORDER = ("opened", "self_assessed", "surveyed", "determined")


async def snapshots_of(conn: AsyncConnection, keys: Sequence[uuid.UUID]) -> list[list[dict]]:
    rows = (
        await conn.execute(
            select(grading_snapshot).where(grading_snapshot.c.assessment_id.in_(keys))
        )
    ).mappings()
    grouped = _grouped(rows, keys)
    return [sorted(g, key=lambda r: SNAPSHOT_ORDER.index(r["step"])) for g in grouped]


async def snapshots_for(
    conn: AsyncConnection, community_codes: Sequence[str], year: int
) -> dict[str, list[dict]]:
    """Each community's snapshots of `year`, oldest first (milestones read them as dated
    evidence)."""
    query = (
        select(grading_snapshot, assessment.c.community_code)
        .join(assessment, assessment.c.id == grading_snapshot.c.assessment_id)
        .where(assessment.c.year == year, assessment.c.community_code.in_(community_codes))
        .order_by(grading_snapshot.c.taken_at)
    )
    found: dict[str, list[dict]] = {}
    for r in (await conn.execute(query)).mappings():
        found.setdefault(r["community_code"], []).append(dict(r))
    return found


async def goals_of(conn: AsyncConnection, keys: Sequence[uuid.UUID]) -> list[list[dict]]:
    rows = (
        await conn.execute(
            select(improvement_goal)
            .where(improvement_goal.c.assessment_id.in_(keys))
            .order_by(improvement_goal.c.indicator_code)
        )
    ).mappings()
    return _grouped(rows, keys)


async def list_goals(  # noqa: PLR0913 -- the goal list's filters and page, keyword-only
    conn: AsyncConnection,
    region: str,
    *,
    year: int | None,
    status: str | None,
    overdue_on: dt.date | None,
    first: int | None,
    after: str | None,
) -> Page:
    """Goals of the communities under `region`; with `overdue_on`, only those still open
    whose due date is before that day."""
    g = improvement_goal
    query: Select = select(g).where(_under(g.c.community_code, region))
    if year is not None:
        query = query.where(g.c.year == year)
    if status is not None:
        query = query.where(g.c.status == status)
    if overdue_on is not None:
        query = query.where(and_(g.c.status == "open", g.c.due_on < overdue_on))
    return await fetch_page(
        conn,
        query,
        keys=[g.c.community_code, g.c.year, g.c.indicator_code],
        first=first,
        after=after,
    )


def _grouped(rows: Any, keys: Sequence[uuid.UUID]) -> list[list[dict]]:
    grouped: dict[uuid.UUID, list[dict]] = {k: [] for k in keys}
    for r in rows:
        grouped[r["assessment_id"]].append(dict(r))
    return [grouped[k] for k in keys]
