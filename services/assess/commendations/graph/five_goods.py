"""Five-good community Party organizations (五好社区党组织, plan 五) in the graph: a community's
five goods evaluated from live data for a year, the street office's nomination and the
district's decision.

Roles and reads of the graph are those of services/assess/commendations/graph/stars.py.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection

from services.assess.commendations import evaluation as domain
from services.assess.commendations import facts
from services.assess.commendations.context import Info
from services.assess.commendations.graph.stars import (
    DISTRICT_WRITERS,
    READERS,
    STREET_WRITERS,
    communities_seen,
    criteria_version,
    guarded,
    read_graph,
    region_or_refuse,
)
from services.assess.shared import dates
from services.assess.shared.document_owners import district_of
from services.common.auth import caller, require_role, require_scope
from services.common.errors import DomainError, UserError, UserErrorCode, run_write


@strawberry.enum(description="Where a five-good evaluation stands: nominated → confirmed or not.")
class FiveGoodStage(Enum):
    NOMINATED = "nominated"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


@strawberry.type(description="A condition of a good as a community meets it, or not.")
class FiveGoodConditionResult:
    kind: str = strawberry.field(description="indicator, group or fact.")
    name: str
    title: str
    title_en: str
    value: float | None
    threshold: float
    met: bool
    detail: str
    detail_en: str


@strawberry.type(description="One of the five goods as a community meets it, or not.")
class FiveGoodResult:
    code: str
    name: str
    name_en: str
    met: bool
    conditions: list[FiveGoodConditionResult]


def _goods(goods: list[dict]) -> list[FiveGoodResult]:
    return [
        FiveGoodResult(
            code=g["code"],
            name=g["name"],
            name_en=g["name_en"],
            met=g["met"],
            conditions=[FiveGoodConditionResult(**c) for c in g["conditions"]],
        )
        for g in goods
    ]


@strawberry.type(description="五好社区党组织: a community's evaluation of a year.")
class FiveGoodEvaluation:
    community_code: str
    organization_name: str
    year: int
    criteria_id: str
    meets_all: bool
    goods: list[FiveGoodResult]
    stage: FiveGoodStage | None = strawberry.field(description="Null until nominated.")
    note: str | None
    nominated_by: str | None
    decided_by: str | None
    decision_reason: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> FiveGoodEvaluation:
        return cls(
            community_code=row["community_code"], organization_name=row["organization_name"],
            year=row["year"], criteria_id=row["criteria_id"],
            meets_all=all(g["met"] for g in row["goods"]), goods=_goods(row["goods"]),
            stage=FiveGoodStage(row["stage"]), note=row["note"],
            nominated_by=row["nominated_by"], decided_by=row["decided_by"],
            decision_reason=row["decision_reason"],
        )  # fmt: skip


async def _evaluate(
    info: Info, crit: domain.Criteria, code: str, year: int
) -> tuple[facts.CommunityGraph | None, list[domain.GoodResult]]:
    peers = info.context.peers
    graph = await facts.read_community(
        peers, code, year=year, members=False, once=info.context.community_bases
    )
    if graph is None:
        return None, []
    async with info.context.engine.connect() as conn:
        awarded = await domain.ratings(conn, [code], year)
    score = await domain.assessment(info.context.engine, peers, crit.data, code, year)
    stars = {unit: row["awarded_stars"] for unit, row in awarded.items()}
    return graph, domain.five_goods(crit.data, graph, score, stars)


# -- reads ----------------------------------------------------------------------------------


@strawberry.type
class FiveGoodQueries:
    @strawberry.field(
        description="五好: a community's five goods evaluated now for a year, with its "
        "nomination's stage if nominated."
    )
    async def five_good_evaluation(
        self, info: Info, community_code: str, year: int, criteria_id: strawberry.ID | None = None
    ) -> FiveGoodEvaluation | None:
        region_or_refuse(community_code)
        identity = caller(info)
        require_role(identity, READERS, what_zh="查看评选表彰", what_en="read commendations")
        # An unknown community reads as nothing below (its graph is None): no list to fetch.
        if len(community_code) != 12 or not identity.covers(community_code):
            return None
        crit = await criteria_version(info, criteria_id, district_of(community_code))
        graph, goods = await read_graph(info, lambda: _evaluate(info, crit, community_code, year))
        if graph is None:
            return None
        async with info.context.engine.connect() as conn:
            row = await domain.five_good_row(conn, community_code, year)
        return FiveGoodEvaluation(
            community_code=community_code,
            organization_name=graph.organization_name or graph.name, year=year,
            criteria_id=crit.row["id"], meets_all=all(g.met for g in goods),
            goods=_goods(domain.goods_json(goods)),
            stage=FiveGoodStage(row["stage"]) if row else None,
            note=row["note"] if row else None, nominated_by=row["nominated_by"] if row else None,
            decided_by=row["decided_by"] if row else None,
            decision_reason=row["decision_reason"] if row else None,
        )  # fmt: skip

    @strawberry.field(
        description="Five-good nominations of a year under a region, as evaluated when nominated."
    )
    async def five_good_organizations(
        self, info: Info, region_code: str, year: int, stage: FiveGoodStage | None = None
    ) -> list[FiveGoodEvaluation]:
        codes = [c["code"] for c in await communities_seen(info, region_code)]
        async with info.context.engine.connect() as conn:
            rows = await domain.five_good_rows(conn, codes, year, stage.value if stage else None)
        return [FiveGoodEvaluation.from_row(r) for r in rows]


# -- writes ---------------------------------------------------------------------------------


@strawberry.type
class FiveGoodPayload:
    evaluation: FiveGoodEvaluation | None
    errors: list[UserError]


@strawberry.type
class FiveGoodMutations:
    @strawberry.mutation(
        description="五好: the street office nominates a community that meets all five goods."
    )
    async def nominate_five_good(
        self, info: Info, community_code: str, year: int, note: str = "",
        criteria_id: strawberry.ID | None = None,
    ) -> FiveGoodPayload:  # fmt: skip
        identity = caller(info)
        require_role(
            identity,
            STREET_WRITERS,
            what_zh="推荐“五好”社区党组织",
            what_en="nominate five-good organizations",
        )
        require_scope(identity, community_code)
        today = dates.today()

        async def prepare() -> tuple[domain.Criteria, Any, list[domain.GoodResult]]:
            dates.check_year(year, today)
            async with info.context.engine.begin() as conn:
                crit = await domain.criteria(
                    conn,
                    str(criteria_id) if criteria_id else None,
                    district=district_of(community_code),
                )
            graph, goods = await _evaluate(info, crit, community_code, year)
            if graph is None:
                raise DomainError(UserErrorCode.NOT_FOUND, f"未找到社区：{community_code}",
                                  f"No community {community_code}", ["communityCode"])  # fmt: skip
            return crit, graph, goods

        prepared, errors = await guarded(info, prepare)
        if prepared is None:
            return FiveGoodPayload(evaluation=None, errors=errors)
        crit, graph, goods = prepared

        async def write(conn: AsyncConnection) -> dict:
            return await domain.nominate_five_good(conn, crit, graph, goods, year=year, note=note,
                                                   by=identity.subject, today=today)  # fmt: skip

        row, errors = await run_write(info.context.engine, write)
        made = FiveGoodEvaluation.from_row(row) if row else None
        return FiveGoodPayload(evaluation=made, errors=errors)

    @strawberry.mutation(description="五好: the district confirms a nomination, or not (a reason).")
    async def decide_five_good(
        self, info: Info, community_code: str, year: int, confirmed: bool, reason: str = ""
    ) -> FiveGoodPayload:
        identity = caller(info)
        require_role(
            identity,
            DISTRICT_WRITERS,
            what_zh="确认“五好”社区党组织",
            what_en="confirm five-good organizations",
        )
        require_scope(identity, community_code)

        async def write(conn: AsyncConnection) -> dict:
            return await domain.decide_five_good(conn, community=community_code, year=year,
                                                 confirmed=confirmed, reason=reason,
                                                 by=identity.subject, today=dates.today())  # fmt: skip

        row, errors = await run_write(info.context.engine, write)
        made = FiveGoodEvaluation.from_row(row) if row else None
        return FiveGoodPayload(evaluation=made, errors=errors)


QUERY_TYPES = (FiveGoodQueries,)
MUTATION_TYPES = (FiveGoodMutations,)
TYPES: list[type] = []
