"""The assess subgraph: grading standards and their indicators (三有四化)."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from services.assess import standard as standards
from services.common.documents import document_caches
from services.common.masking import MaskUnexpectedErrors


@strawberry.enum(description="How an indicator is measured.")
class Measurement(Enum):
    COMPUTED = "computed"  # from the graph
    ATTESTED = "attested"  # recorded with evidence


@strawberry.type(description="A grade of the standard (先进/较好/一般/后进).")
class Grade:
    id: strawberry.ID
    name: str = strawberry.field(description="Name in Chinese.")
    name_en: str
    min_score: float = strawberry.field(description="Least weighted score (0-100) for it.")


@strawberry.federation.type(keys=["id"], description="An indicator of a grading standard.")
class Indicator:
    id: strawberry.ID = strawberry.field(description="`<standard id>:<code>`.")
    code: str
    group: str
    group_en: str
    name: str
    name_en: str
    measured: Measurement
    sources: list[str] = strawberry.field(description="Services whose data computes it.")
    weight: float
    threshold: float = strawberry.field(description="Pass mark, a share from 0 to 1.")
    plan_clause: str = strawberry.field(description="Where in the plan the rule comes from.")
    standard_id: strawberry.Private[str]

    @strawberry.field
    async def standard(self, info: Info) -> GradingStandard:
        row = await info.context["loaders"].standard.load(self.standard_id)
        return GradingStandard.from_row(row)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Indicator:
        return cls(
            id=strawberry.ID(f"{row['standard_id']}:{row['code']}"),
            code=row["code"],
            group=row["group_name"],
            group_en=row["group_en"],
            name=row["name"],
            name_en=row["name_en"],
            measured=Measurement(row["measured"]),
            sources=[s for s in row["sources"].split(",") if s],
            weight=float(row["weight"]),
            threshold=float(row["threshold"]),
            plan_clause=row["plan_clause"],
            standard_id=row["standard_id"],
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Indicator | None:
        standard_id, _, code = str(id).partition(":")
        row = await info.context["loaders"].indicator.load((standard_id, code))
        return cls.from_row(row) if row else None


@strawberry.federation.type(
    keys=["id"], description="《社区党组织分类定级参考标准》: a grading standard."
)
class GradingStandard:
    id: strawberry.ID
    name: str
    name_en: str
    source: str
    is_default: bool
    grades: list[Grade]

    @strawberry.field(description="Indicators in the standard's order.")
    async def indicators(self, info: Info) -> list[Indicator]:
        rows = await info.context["loaders"].indicators_of.load(str(self.id))
        return [Indicator.from_row(row) for row in rows]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> GradingStandard:
        return cls(
            id=strawberry.ID(row["id"]),
            name=row["name"],
            name_en=row["name_en"],
            source=row["source"],
            is_default=row["is_default"],
            grades=[Grade(**grade) for grade in row["grades"]],
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> GradingStandard | None:
        row = await info.context["loaders"].standard.load(str(id))
        return cls.from_row(row) if row else None


@strawberry.type
class Query:
    @strawberry.field(description="A standard by id; the default standard when id is omitted.")
    async def grading_standard(
        self, info: Info, id: strawberry.ID | None = None
    ) -> GradingStandard | None:
        if id is not None:
            row = await info.context["loaders"].standard.load(str(id))
        else:
            async with info.context["engine"].connect() as conn:
                row = await standards.default_standard(conn)
        return GradingStandard.from_row(row) if row else None

    @strawberry.field(description="An indicator by id (`<standard id>:<code>`).")
    async def indicator(self, info: Info, id: strawberry.ID) -> Indicator | None:
        return await Indicator.resolve_reference(info, id)


schema = strawberry.federation.Schema(
    query=Query,
    types=[Indicator, GradingStandard],
    federation_version="2.9",
    extensions=[*document_caches(), MaskUnexpectedErrors],
)

QUERIES = {
    "standard": standards.standards_by_id,
    "indicators_of": standards.indicators_of,
    "indicator": standards.indicators_by_key,
}
