"""Grading standards and their indicators (三有四化) in the graph; district users load new
versions of a standard as YAML documents for their own district and choose its current one
(services/assess/shared/document_owners.py): a caller sees the shared versions and its district's."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from services.assess.shared import document_owners as owners
from services.assess.shared.yaml_documents import refusal
from services.assess.standard import documents as standards
from services.assess.standard.context import Info
from services.common.auth import caller
from services.common.errors import DomainError, UserError, UserErrorCode, run_write


def caller_district(info: Info) -> str | None:
    return owners.district_of_caller(caller(info))


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
    id: strawberry.ID = strawberry.field(
        description="`<standard id>:<code>`, e.g. default-2020@1:P1."
    )
    code: str
    group: str
    group_en: str
    name: str
    name_en: str
    measured: Measurement
    sources: list[str] = strawberry.field(description="Services whose data computes it.")
    metric: str | None = strawberry.field(description="Computed: the measure of the graph.")
    record: str | None = strawberry.field(description="Attested: the kind of record checked.")
    params: JSON = strawberry.field(description="The measure's or check's settings.")
    weight: float
    threshold: float = strawberry.field(description="Pass mark, a share from 0 to 1.")
    plan_clause: str = strawberry.field(description="Where in the plan the rule comes from.")
    standard_id: strawberry.Private[str]

    @strawberry.field
    async def standard(self, info: Info) -> GradingStandard:
        row = await info.context.loaders.standard.load(self.standard_id)
        assert row is not None  # an indicator's standard_id is a foreign key to it
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
            metric=row["metric"],
            record=row["record"],
            params=row["params"],
            weight=float(row["weight"]),
            threshold=float(row["threshold"]),
            plan_clause=row["plan_clause"],
            standard_id=row["standard_id"],
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Indicator | None:
        standard_id, _, code = str(id).partition(":")
        if not owners.sees_id(caller_district(info), standard_id):
            return None
        row = await info.context.loaders.indicator.load((standard_id, code))
        return cls.from_row(row) if row else None


@strawberry.federation.type(
    keys=["id"], description="《社区党组织分类定级参考标准》: a grading standard."
)
class GradingStandard:
    id: strawberry.ID = strawberry.field(
        description="`<code>@<version>` (shared, e.g. default-2020@1) or "
        "`<district>/<code>@<version>` (a district's own)."
    )
    code: str = strawberry.field(description="The standard's id in its document.")
    district_code: str | None = strawberry.field(
        description="The district that loaded it; null: shared (the shipped default)."
    )
    version: int
    name: str
    name_en: str
    source: str
    total_weight: float
    grades: list[Grade]
    loaded_by: str
    loaded_at: dt.datetime
    document: str = strawberry.field(description="The YAML document as it was loaded.")

    @strawberry.field(
        description="The current version of the caller's district: its new assessments use it."
    )
    async def is_default(self, info: Info) -> bool:
        current = await info.context.loaders.current_standard.load(caller_district(info) or "")
        return current == str(self.id)

    @strawberry.field(description="Indicators in the standard's order.")
    async def indicators(self, info: Info) -> list[Indicator]:
        rows = await info.context.loaders.indicators_of.load(str(self.id))
        return [Indicator.from_row(row) for row in rows]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> GradingStandard:
        return cls(
            id=strawberry.ID(row["id"]),
            code=row["code"],
            district_code=row["district_code"],
            version=row["version"],
            name=row["name"],
            name_en=row["name_en"],
            source=row["source"],
            total_weight=float(row["total_weight"]),
            grades=[Grade(**grade) for grade in row["grades"]],
            loaded_by=row["loaded_by"],
            loaded_at=row["created_at"],
            document=row["document"],
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> GradingStandard | None:
        if not owners.sees_id(caller_district(info), str(id)):
            return None  # another district's version reads as unknown
        row = await info.context.loaders.standard.load(str(id))
        return cls.from_row(row) if row else None


@strawberry.type
class StandardQueries:
    @strawberry.field(
        description="A standard by id (the shared versions and the caller's district's); the "
        "current standard of the caller's district when id is omitted."
    )
    async def grading_standard(
        self, info: Info, id: strawberry.ID | None = None
    ) -> GradingStandard | None:
        if id is not None:
            return await GradingStandard.resolve_reference(info, id)
        async with info.context.engine.connect() as conn:
            row = await standards.default_standard(conn, caller_district(info))
        return GradingStandard.from_row(row) if row else None

    @strawberry.field(
        description="Every version the caller's district sees (shared and its own), newest "
        "first within each standard."
    )
    async def grading_standards(self, info: Info) -> list[GradingStandard]:
        async with info.context.engine.connect() as conn:
            rows = await standards.all_standards(conn, caller_district(info))
        return [GradingStandard.from_row(row) for row in rows]

    @strawberry.field(description="An indicator by id (`<standard id>:<code>`).")
    async def indicator(self, info: Info, id: strawberry.ID) -> Indicator | None:
        return await Indicator.resolve_reference(info, id)


@strawberry.type
class StandardPayload:
    standard: GradingStandard | None
    errors: list[UserError]


@strawberry.type
class StandardMutations:
    @strawberry.mutation(
        description="Load a new version of a grading standard from its YAML document "
        "for the caller's district (district users). A loaded version never changes; a newer "
        "one replaces it for the district's new assessments when `makeCurrent`."
    )
    async def load_grading_standard(
        self, info: Info, document: str, make_current: bool = True
    ) -> StandardPayload:
        identity = caller(info)
        district = owners.writer_district(identity, ("导入分类定级标准", "load a grading standard"))

        async def write(conn: Any) -> dict:
            try:
                data = standards.parse_standard(document)
            except standards.StandardError as exc:
                raise refusal(exc.problems) from exc
            latest = await standards.latest_version(conn, data.id, district)
            if data.version <= latest:
                raise DomainError(
                    UserErrorCode.CONFLICT,
                    f"标准{data.id}已有第{latest}版，新版本号须大于{latest}",
                    f"Standard {data.id} already has version {latest}; a new version must be greater",
                    ["document", "version"],
                )
            return await standards.load_standard(
                conn,
                data,
                document,
                make_default=make_current,
                loaded_by=identity.subject,
                district=district,
            )

        row, errors = await run_write(info.context.engine, write)
        return StandardPayload(
            standard=GradingStandard.from_row(row) if row else None, errors=errors
        )

    @strawberry.mutation(
        description="Make a version the current one of the caller's district (district users): "
        "one of its own, or the shared current one to follow the shipped default again."
    )
    async def set_current_grading_standard(self, info: Info, id: strawberry.ID) -> StandardPayload:
        district = owners.writer_district(
            caller(info), ("选定现行分类定级标准", "choose the current standard")
        )

        async def write(conn: Any) -> dict:
            row = await standards.make_default(conn, str(id), district)
            if row is None:
                raise DomainError(
                    UserErrorCode.NOT_FOUND, f"未找到评价标准：{id}", f"No standard {id}", ["id"]
                )
            if not row["is_default"]:
                raise owners.not_followed("评价标准", "standard", str(id))
            return row

        row, errors = await run_write(info.context.engine, write)
        return StandardPayload(
            standard=GradingStandard.from_row(row) if row else None, errors=errors
        )


QUERY_TYPES = (StandardQueries,)
MUTATION_TYPES = (StandardMutations,)
TYPES = [Indicator, GradingStandard]
