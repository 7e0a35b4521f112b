"""Star ratings, five-good organizations and July-1 commendation lists in the graph.

Roles (DOMAIN "Who uses the system"): street offices attest and award stars and nominate in
their own communities; the district confirms five-goods and drafts, edits and publishes the
七一 list (and may do what a street office does); secretaries read their own community;
viewers read within their scope. Org and grid are read through the gateway as the service.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.types import Info

from services.assess import commendation_facts as facts
from services.assess import commendation_lists as lists
from services.assess import commendations as domain
from services.assess.commendation_criteria import CriteriaData
from services.assess.gateway_client import GatewayUnavailableError
from services.common.auth import Role, caller, require_role, require_scope
from services.common.errors import DomainError, UserError, UserErrorCode, run_write

T = TypeVar("T")
STREET_WRITERS = frozenset({Role.DISTRICT, Role.STREET})  # 办事处党工委 (and the district)
DISTRICT_WRITERS = frozenset({Role.DISTRICT})  # 区委组织部
READERS = frozenset({Role.DISTRICT, Role.STREET, Role.SECRETARY, Role.PLANNER, Role.VIEWER})


def _unavailable() -> DomainError:
    return DomainError(
        UserErrorCode.UNAVAILABLE, "暂时无法读取组织和网格数据，请稍后再试",
        "The organization and grid data cannot be read now; try again", None,
    )  # fmt: skip


async def _read(info: Info, read: Callable[[], Awaitable[T]]) -> T:
    """A read of the graph in a query: an unavailable gateway is a clear error, not a guess."""
    try:
        return await read()
    except GatewayUnavailableError as exc:
        error = _unavailable()
        raise GraphQLError(error.message, extensions={"code": "UNAVAILABLE",
                                                      "messageEn": error.message_en}) from exc  # fmt: skip


async def _criteria(info: Info, criteria_id: strawberry.ID | None) -> domain.Criteria:
    async with info.context["engine"].begin() as conn:
        return await domain.criteria(conn, str(criteria_id) if criteria_id else None)


def _region_or_refuse(code: str) -> None:
    if not (code.isascii() and code.isdigit() and len(code) in (6, 9, 12)):
        raise GraphQLError(f"不是区划代码：{code}", extensions={"code": "BAD_USER_INPUT"})


async def _communities(info: Info, region: str) -> list[dict]:
    """Communities under `region` the caller may see ({code, name})."""
    _region_or_refuse(region)
    identity = caller(info)
    require_role(identity, READERS, what_en="read commendations")
    scoped = identity.narrow(region)
    if scoped is None:
        return []
    found = await _read(
        info,
        lambda: info.context["gateway"].query(
            "query ($r: String!) { communities(regionCode: $r) { code name } }", {"r": scoped}
        ),
    )
    return [c for c in found["communities"] if identity.covers(c["code"])]


# -- types ----------------------------------------------------------------------------------


@strawberry.enum(description="Who a 七一 commendation honours (DOMAIN Commendations).")
class CommendationCategory(Enum):
    FIVE_GOOD_ORGANIZATION = "five_good_organization"  # “五好”社区党组织
    EXCELLENT_PARTY_WORKER = "excellent_party_worker"  # 优秀党务工作者
    EXCELLENT_MEMBER = "excellent_member"  # 优秀共产党员


@strawberry.enum(description="Where a five-good evaluation stands: nominated → confirmed or not.")
class FiveGoodStage(Enum):
    NOMINATED = "nominated"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


@strawberry.enum(description="A 七一 list is a draft until the district publishes (locks) it.")
class CommendationListState(Enum):
    DRAFT = "draft"
    PUBLISHED = "published"


@strawberry.type(description="A star criterion as the criteria document states it.")
class StarCriterion:
    code: str
    star: int = strawberry.field(description="Its level, 1-5.")
    name: str
    name_en: str
    fact: str | None = strawberry.field(description="The computed fact; null when attested.")
    attested: bool = strawberry.field(description="Recorded by the street office with a note.")
    threshold: float


@strawberry.type(description="A condition of a good as stated.")
class GoodCondition:
    kind: str = strawberry.field(description="indicator, group or fact.")
    name: str
    threshold: float | None


@strawberry.type(description="One of the five goods as stated.")
class GoodDefinition:
    code: str
    name: str
    name_en: str
    conditions: list[GoodCondition]


@strawberry.type(description="A version of the criteria of star ratings, five-goods and 七一.")
class CommendationCriteria:
    id: strawberry.ID = strawberry.field(description="`<code>@<version>`.")
    code: str
    version: int
    name: str
    name_en: str
    is_current: bool
    loaded_by: str
    document: str
    standard: str = strawberry.field(description="The grading standard its conditions name.")
    max_stars: int
    star_criteria: list[StarCriterion]
    goods: list[GoodDefinition]

    @classmethod
    def from_row(cls, row: dict[str, Any], data: CriteriaData) -> CommendationCriteria:
        return cls(
            id=strawberry.ID(row["id"]), code=row["code"], version=row["version"],
            name=row["name"], name_en=row["name_en"], is_current=row["is_current"],
            loaded_by=row["loaded_by"], document=row["document"], standard=data.standard,
            max_stars=data.max_stars,
            star_criteria=[
                StarCriterion(code=c.code, star=c.star, name=c.name, name_en=c.name_en,
                              fact=c.fact, attested=c.attested, threshold=c.threshold)
                for c in data.stars.criteria
            ],
            goods=[
                GoodDefinition(code=g.code, name=g.name, name_en=g.name_en, conditions=[
                    GoodCondition(kind=c.kind, name=str(c.indicator or c.group or c.fact),
                                  threshold=c.threshold)
                    for c in g.conditions
                ])
                for g in data.five_good.goods
            ],
        )  # fmt: skip


@strawberry.type(description="A star criterion as a unit meets it, or not.")
class StarCriterionResult:
    code: str
    star: int
    name: str
    name_en: str
    attested: bool
    value: float | None = strawberry.field(description="A share 0..1; null: nothing measured.")
    threshold: float
    met: bool
    detail: str
    detail_en: str


@strawberry.type(description="A grid branch or Party group: stars computed now and awarded.")
class StarRating:
    unit_id: strawberry.ID = strawberry.field(description="The org PartyOrganization id.")
    unit_name: str
    unit_kind: str = strawberry.field(description="grid_branch or party_group.")
    community_code: str
    year: int
    leader_name: str | None
    computed_stars: int = strawberry.field(description="From the live graph and attestations.")
    criteria: list[StarCriterionResult]
    awarded_stars: int | None = strawberry.field(description="Null until the street awards.")
    computed_when_awarded: int | None
    reason: str | None = strawberry.field(description="Why the award differs, if it does.")
    awarded_by: str | None
    awarded_at: dt.datetime | None


def _rating(computed: domain.UnitStars, year: int, awarded: dict | None) -> StarRating:
    unit = computed.unit
    return StarRating(
        unit_id=strawberry.ID(unit.id), unit_name=unit.name, unit_kind=unit.kind,
        community_code=computed.community_code, year=year,
        leader_name=unit.leader.name if unit.leader else None,
        computed_stars=computed.stars,
        criteria=[StarCriterionResult(**r.as_json()) for r in computed.results],
        awarded_stars=awarded["awarded_stars"] if awarded else None,
        computed_when_awarded=awarded["computed_stars"] if awarded else None,
        reason=awarded["reason"] if awarded else None,
        awarded_by=awarded["awarded_by"] if awarded else None,
        awarded_at=awarded["awarded_at"] if awarded else None,
    )  # fmt: skip


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


@strawberry.type(description="A criterion an entry meets.")
class CommendationBasis:
    code: str
    text: str = strawberry.field(description="Chinese.")
    text_en: str


@strawberry.type(description="Who is commended, where, as what, and why.")
class CommendationEntry:
    id: strawberry.ID
    category: CommendationCategory
    subject_id: strawberry.ID = strawberry.field(description="A Member or PartyOrganization id.")
    name: str
    community_code: str
    management: str | None = strawberry.field(
        description="self, non_self or joint for a member (自管/非自管/联管); null otherwise."
    )
    part_time_member: bool = strawberry.field(description="A big-committee 兼职委员.")
    source: str = strawberry.field(description="five_good, star_rating, evaluation, nomination.")
    basis: list[CommendationBasis]
    reason: str
    added_by: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CommendationEntry:
        return cls(
            id=strawberry.ID(str(row["id"])), category=CommendationCategory(row["category"]),
            subject_id=strawberry.ID(str(row["subject_id"])), name=row["subject_name"],
            community_code=row["community_code"], management=row["management"],
            part_time_member=row["part_time_member"], source=row["source"],
            basis=[CommendationBasis(code=b["code"], text=b["zh"], text_en=b["en"])
                   for b in row["basis"]],
            reason=row["reason"], added_by=row["added_by"],
        )  # fmt: skip


@strawberry.type(description="A district's 七一 commendation list of a year.")
class CommendationList:
    id: strawberry.ID
    district_code: str
    year: int
    state: CommendationListState
    criteria_id: str
    drafted_at: dt.datetime
    published_by: str | None
    published_at: dt.datetime | None
    entries: list[CommendationEntry] = strawberry.field(
        description="Entries in the caller's scope, by category, community and name."
    )


async def _list(info: Info, row: dict[str, Any]) -> CommendationList:
    async with info.context["engine"].connect() as conn:
        entries = await lists.entries_of(conn, row["id"], caller(info).region)
    return CommendationList(
        id=strawberry.ID(str(row["id"])), district_code=row["district_code"], year=row["year"],
        state=CommendationListState(row["state"]), criteria_id=row["criteria_id"],
        drafted_at=row["drafted_at"], published_by=row["published_by"],
        published_at=row["published_at"],
        entries=[CommendationEntry.from_row(e) for e in entries],
    )  # fmt: skip


# -- reads ----------------------------------------------------------------------------------


async def _board(
    info: Info, crit: domain.Criteria, codes: list[str], year: int
) -> list[domain.UnitStars]:
    gateway = info.context["gateway"]

    async def read() -> list[facts.CommunityGraph]:
        found = [await facts.read_community(gateway, code) for code in codes]
        return [g for g in found if g is not None]

    graphs = await _read(info, read)
    async with info.context["engine"].connect() as conn:
        notes = await domain.attestations(conn, codes, year)
    return domain.board(crit.data, graphs, notes)


async def _evaluate(
    info: Info, crit: domain.Criteria, code: str, year: int
) -> tuple[facts.CommunityGraph | None, list[domain.GoodResult]]:
    gateway = info.context["gateway"]
    graph = await facts.read_community(gateway, code, year=year, members=False)
    if graph is None:
        return None, []
    async with info.context["engine"].connect() as conn:
        awarded = await domain.ratings(conn, [code], year)
    score = await domain.assessment(info.context["engine"], gateway, crit.data, code, year)
    stars = {unit: row["awarded_stars"] for unit, row in awarded.items()}
    return graph, domain.five_goods(crit.data, graph, score, stars)


@strawberry.type
class CommendationQueries:
    @strawberry.field(description="Commendation criteria by id; the current version when omitted.")
    async def commendation_criteria(
        self, info: Info, id: strawberry.ID | None = None
    ) -> CommendationCriteria | None:
        try:
            crit = await _criteria(info, id)
        except DomainError:
            return None
        return CommendationCriteria.from_row(crit.row, crit.data)

    @strawberry.field(description="Every loaded version of the criteria, newest first.")
    async def commendation_criteria_versions(self, info: Info) -> list[CommendationCriteria]:
        async with info.context["engine"].begin() as conn:
            rows = await domain.all_criteria(conn)
        parse = domain.parse_criteria
        return [CommendationCriteria.from_row(r, parse(r["document"])) for r in rows]

    @strawberry.field(
        description="星级模范: every grid branch and Party group under a district, street or "
        "community in the caller's scope, its stars computed from the live graph beside those "
        "awarded for the year."
    )
    async def star_ratings(
        self, info: Info, region_code: str, year: int, criteria_id: strawberry.ID | None = None
    ) -> list[StarRating]:
        codes = [c["code"] for c in await _communities(info, region_code)]
        crit = await _criteria(info, criteria_id)
        board = await _board(info, crit, codes, year)
        async with info.context["engine"].connect() as conn:
            awarded = await domain.ratings(conn, codes, year)
        return [_rating(u, year, awarded.get(u.unit.id)) for u in board]

    @strawberry.field(
        description="五好: a community's five goods evaluated now for a year, with its "
        "nomination's stage if nominated."
    )
    async def five_good_evaluation(
        self, info: Info, community_code: str, year: int, criteria_id: strawberry.ID | None = None
    ) -> FiveGoodEvaluation | None:
        if community_code not in {c["code"] for c in await _communities(info, community_code)}:
            return None
        crit = await _criteria(info, criteria_id)
        graph, goods = await _read(info, lambda: _evaluate(info, crit, community_code, year))
        if graph is None:
            return None
        async with info.context["engine"].connect() as conn:
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
        codes = [c["code"] for c in await _communities(info, region_code)]
        async with info.context["engine"].connect() as conn:
            rows = await domain.five_good_rows(conn, codes, year, stage.value if stage else None)
        return [FiveGoodEvaluation.from_row(r) for r in rows]

    @strawberry.field(
        description="The 七一 commendation list of the district a region lies in, for a year; "
        "only entries in the caller's scope."
    )
    async def commendation_list(
        self, info: Info, region_code: str, year: int
    ) -> CommendationList | None:
        _region_or_refuse(region_code)
        identity = caller(info)
        require_role(identity, READERS, what_en="read commendations")
        if identity.narrow(region_code) is None:
            return None
        async with info.context["engine"].connect() as conn:
            row = await lists.list_row(conn, region_code[:6], year)
        return await _list(info, row) if row else None


# -- writes ---------------------------------------------------------------------------------


@strawberry.type
class CriteriaPayload:
    criteria: CommendationCriteria | None
    errors: list[UserError]


@strawberry.type(description="An attested star criterion.")
class StarAttestation:
    unit_id: strawberry.ID
    year: int
    criterion: str
    note: str
    attested_by: str


@strawberry.type
class StarAttestationPayload:
    attestation: StarAttestation | None
    errors: list[UserError]


@strawberry.type
class StarRatingPayload:
    rating: StarRating | None
    errors: list[UserError]


@strawberry.type
class FiveGoodPayload:
    evaluation: FiveGoodEvaluation | None
    errors: list[UserError]


@strawberry.type
class CommendationListPayload:
    commendation_list: CommendationList | None
    errors: list[UserError]


@strawberry.type
class CommendationEntryPayload:
    entry: CommendationEntry | None
    errors: list[UserError]


async def _unit_or_refuse(info: Info, unit_id: strawberry.ID, writers: frozenset[Role]) -> dict:
    """A live grid branch or Party group in the caller's scope."""
    identity = caller(info)
    require_role(identity, writers, what_en="rate units")
    try:
        key = str(uuid.UUID(str(unit_id)))
    except ValueError:
        key = None
    unit = await facts.read_unit(info.context["gateway"], key) if key else None
    if unit is None or not unit["isLive"] or unit["kind"].lower() not in facts.UNIT_KINDS:
        raise DomainError(
            UserErrorCode.NOT_FOUND, f"未找到网格党支部或党小组：{unit_id}",
            f"No live grid branch or Party group {unit_id}", ["unitId"],
        )  # fmt: skip
    require_scope(identity, unit["community"]["code"])
    return unit


async def _guarded(
    info: Info, prepare: Callable[[], Awaitable[T]]
) -> tuple[T | None, list[UserError]]:
    """Reads before a write: a refusal or an unavailable graph becomes the payload's errors."""
    try:
        return await prepare(), []
    except DomainError as refused:
        return None, refused.user_errors()
    except GatewayUnavailableError:
        return None, _unavailable().user_errors()


@strawberry.type
class CommendationMutations:
    @strawberry.mutation(
        description="Load a new version of the commendation criteria from YAML (district users)."
    )
    async def load_commendation_criteria(
        self, info: Info, document: str, make_current: bool = True
    ) -> CriteriaPayload:
        identity = caller(info)
        require_role(identity, DISTRICT_WRITERS, what_en="load commendation criteria")

        async def write(conn: AsyncConnection) -> dict:
            return await domain.load_criteria(
                conn, document, make_current=make_current, loaded_by=identity.subject
            )

        row, errors = await run_write(info.context["engine"], write)
        made = CommendationCriteria.from_row(row, domain.parse_criteria(document)) if row else None
        return CriteriaPayload(criteria=made, errors=errors)

    @strawberry.mutation(
        description="The street office attests a star criterion of a unit for a year, with a note."
    )
    async def attest_star_criterion(
        self, info: Info, unit_id: strawberry.ID, year: int, criterion: str, note: str,
        criteria_id: strawberry.ID | None = None,
    ) -> StarAttestationPayload:  # fmt: skip
        unit, errors = await _guarded(info, lambda: _unit_or_refuse(info, unit_id, STREET_WRITERS))
        if unit is None:
            return StarAttestationPayload(attestation=None, errors=errors)

        async def write(conn: AsyncConnection) -> dict:
            crit = await domain.criteria(conn, str(criteria_id) if criteria_id else None)
            return await domain.attest(conn, crit.data, unit=unit, year=year, criterion=criterion,
                                       note=note, by=caller(info).subject)  # fmt: skip

        row, errors = await run_write(info.context["engine"], write)
        made = StarAttestation(
            unit_id=strawberry.ID(str(row["unit_id"])), year=row["year"],
            criterion=row["criterion"], note=row["note"], attested_by=row["attested_by"],
        ) if row else None  # fmt: skip
        return StarAttestationPayload(attestation=made, errors=errors)

    @strawberry.mutation(
        description="星级模范: the street office awards a unit its stars for a year; stars other "
        "than those computed need a reason."
    )
    async def award_stars(
        self, info: Info, unit_id: strawberry.ID, year: int, stars: int, reason: str = "",
        criteria_id: strawberry.ID | None = None,
    ) -> StarRatingPayload:  # fmt: skip
        async def prepare() -> tuple[domain.Criteria, domain.UnitStars]:
            unit = await _unit_or_refuse(info, unit_id, STREET_WRITERS)
            domain.check_year(year)
            async with info.context["engine"].begin() as conn:
                crit = await domain.criteria(conn, str(criteria_id) if criteria_id else None)
            board = await _board(info, crit, [unit["community"]["code"]], year)
            computed = next(u for u in board if u.unit.id == unit["id"])
            return crit, computed

        prepared, errors = await _guarded(info, prepare)
        if prepared is None:
            return StarRatingPayload(rating=None, errors=errors)
        crit, computed = prepared

        async def write(conn: AsyncConnection) -> dict:
            return await domain.award(conn, crit, computed, year=year, stars=stars, reason=reason,
                                      by=caller(info).subject)  # fmt: skip

        row, errors = await run_write(info.context["engine"], write)
        return StarRatingPayload(
            rating=_rating(computed, year, row) if row else None, errors=errors
        )

    @strawberry.mutation(
        description="五好: the street office nominates a community that meets all five goods."
    )
    async def nominate_five_good(
        self, info: Info, community_code: str, year: int, note: str = "",
        criteria_id: strawberry.ID | None = None,
    ) -> FiveGoodPayload:  # fmt: skip
        identity = caller(info)
        require_role(identity, STREET_WRITERS, what_en="nominate five-good organizations")
        require_scope(identity, community_code)

        async def prepare() -> tuple[domain.Criteria, Any, list[domain.GoodResult]]:
            domain.check_year(year)
            async with info.context["engine"].begin() as conn:
                crit = await domain.criteria(conn, str(criteria_id) if criteria_id else None)
            graph, goods = await _evaluate(info, crit, community_code, year)
            if graph is None:
                raise DomainError(UserErrorCode.NOT_FOUND, f"未找到社区：{community_code}",
                                  f"No community {community_code}", ["communityCode"])  # fmt: skip
            return crit, graph, goods

        prepared, errors = await _guarded(info, prepare)
        if prepared is None:
            return FiveGoodPayload(evaluation=None, errors=errors)
        crit, graph, goods = prepared

        async def write(conn: AsyncConnection) -> dict:
            return await domain.nominate_five_good(conn, crit, graph, goods, year=year, note=note,
                                                   by=identity.subject)  # fmt: skip

        row, errors = await run_write(info.context["engine"], write)
        made = FiveGoodEvaluation.from_row(row) if row else None
        return FiveGoodPayload(evaluation=made, errors=errors)

    @strawberry.mutation(description="五好: the district confirms a nomination, or not (a reason).")
    async def decide_five_good(
        self, info: Info, community_code: str, year: int, confirmed: bool, reason: str = ""
    ) -> FiveGoodPayload:
        identity = caller(info)
        require_role(identity, DISTRICT_WRITERS, what_en="confirm five-good organizations")
        require_scope(identity, community_code)

        async def write(conn: AsyncConnection) -> dict:
            return await domain.decide_five_good(conn, community=community_code, year=year,
                                                 confirmed=confirmed, reason=reason,
                                                 by=identity.subject)  # fmt: skip

        row, errors = await run_write(info.context["engine"], write)
        made = FiveGoodEvaluation.from_row(row) if row else None
        return FiveGoodPayload(evaluation=made, errors=errors)

    @strawberry.mutation(
        description="七一: the district makes or refreshes its draft list of a year from "
        "confirmed five-goods, awarded stars and chosen 双争; street nominations stay."
    )
    async def draft_commendation_list(
        self, info: Info, region_code: str, year: int
    ) -> CommendationListPayload:
        identity = caller(info)
        require_role(identity, DISTRICT_WRITERS, what_en="draft the July-1 list")
        _region_or_refuse(region_code)
        district = region_code[:6]
        require_scope(identity, district)

        async def prepare() -> tuple[domain.Criteria, list[str], list[dict]]:
            domain.check_year(year)
            async with info.context["engine"].begin() as conn:
                crit = await domain.criteria(conn)
            gateway = info.context["gateway"]
            found = await gateway.query(
                "query ($r: String!) { communities(regionCode: $r) { code } }", {"r": district}
            )
            chosen = await facts.chosen_evaluations(gateway, district, [year - 2, year - 1, year])
            return crit, [c["code"] for c in found["communities"]], chosen

        prepared, errors = await _guarded(info, prepare)
        if prepared is None:
            return CommendationListPayload(commendation_list=None, errors=errors)
        crit, codes, chosen = prepared

        async def write(conn: AsyncConnection) -> dict:
            return await lists.redraft(conn, crit, district=district, year=year,
                                       communities=codes, chosen=chosen, by=identity.subject)  # fmt: skip

        row, errors = await run_write(info.context["engine"], write)
        return CommendationListPayload(
            commendation_list=await _list(info, row) if row else None, errors=errors
        )

    @strawberry.mutation(
        description="七一: the street office puts a member of its communities on the draft list "
        "(e.g. a big-committee part-time member or a jointly managed member), with a reason."
    )
    async def nominate_for_commendation(
        self, info: Info, year: int, member_id: strawberry.ID, category: CommendationCategory,
        reason: str,
    ) -> CommendationEntryPayload:  # fmt: skip
        identity = caller(info)
        require_role(identity, STREET_WRITERS, what_en="nominate for the July-1 list")

        async def prepare() -> tuple[domain.Criteria, dict]:
            try:
                key = str(uuid.UUID(str(member_id)))
            except ValueError:
                key = None
            member = await facts.read_member(info.context["gateway"], key) if key else None
            if member is None:
                raise DomainError(UserErrorCode.NOT_FOUND, f"未找到党员：{member_id}",
                                  f"No member {member_id}", ["memberId"])  # fmt: skip
            require_scope(identity, member["community"]["code"])
            async with info.context["engine"].begin() as conn:
                return await domain.criteria(conn), member

        prepared, errors = await _guarded(info, prepare)
        if prepared is None:
            return CommendationEntryPayload(entry=None, errors=errors)
        crit, member = prepared

        async def write(conn: AsyncConnection) -> dict:
            return await lists.nominate(conn, crit, year=year, member=member,
                                        category=category.value, reason=reason,
                                        by=identity.subject)  # fmt: skip

        row, errors = await run_write(info.context["engine"], write)
        return CommendationEntryPayload(
            entry=CommendationEntry.from_row(row) if row else None, errors=errors
        )

    @strawberry.mutation(description="七一: the district takes an entry off its draft list.")
    async def remove_commendation_entry(
        self, info: Info, entry_id: strawberry.ID
    ) -> CommendationListPayload:
        identity = caller(info)
        require_role(identity, DISTRICT_WRITERS, what_en="edit the July-1 list")

        async def write(conn: AsyncConnection) -> dict:
            try:
                key = uuid.UUID(str(entry_id))
            except ValueError:
                key = uuid.UUID(int=0)
            _entry, listed = await lists.entry_or_refuse(conn, key)
            require_scope(identity, listed["district_code"])
            return await lists.remove(conn, key)

        row, errors = await run_write(info.context["engine"], write)
        return CommendationListPayload(
            commendation_list=await _list(info, row) if row else None, errors=errors
        )

    @strawberry.mutation(description="七一: the district publishes its list; it is then locked.")
    async def publish_commendation_list(
        self, info: Info, region_code: str, year: int
    ) -> CommendationListPayload:
        identity = caller(info)
        require_role(identity, DISTRICT_WRITERS, what_en="publish the July-1 list")
        _region_or_refuse(region_code)
        require_scope(identity, region_code[:6])

        async def write(conn: AsyncConnection) -> dict:
            return await lists.publish(conn, district=region_code[:6], year=year,
                                       by=identity.subject)  # fmt: skip

        row, errors = await run_write(info.context["engine"], write)
        return CommendationListPayload(
            commendation_list=await _list(info, row) if row else None, errors=errors
        )


QUERY_TYPES = (CommendationQueries,)
MUTATION_TYPES = (CommendationMutations,)
TYPES: list[type] = []
LOADERS: dict[str, Any] = {}
