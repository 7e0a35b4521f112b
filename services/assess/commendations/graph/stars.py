"""Commendation criteria and star ratings in the graph, and what the commendation modules
share: who may do what, and reads of the graph that fail clearly.

Roles (DOMAIN "Who uses the system"): street offices attest and award stars and nominate in
their own communities; the district confirms five-goods and drafts, edits and publishes the
七一 list (and may do what a street office does); secretaries read their own community;
viewers read within their scope. Org and grid are read directly, as the service.
Five-goods: commendations/graph/five_goods.py; 七一 lists: commendations/graph/lists.py.

Years: every write names one from 2000 to the current one (services/assess/shared/dates.py); reads
take any year — stars and five goods are computed from the live graph as of now, and nothing
is stored for a year to come.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection

from services.assess.commendations import evaluation as domain
from services.assess.commendations import facts
from services.assess.commendations.context import Info
from services.assess.commendations.criteria import CriteriaData
from services.assess.shared import dates
from services.assess.shared import document_owners as owners
from services.assess.shared.graph import parse_id, unavailable
from services.common.auth import Role, caller, is_region_code, require_found_in_scope, require_role
from services.common.errors import DomainError, UserError, UserErrorCode, bad_input, run_write
from services.common.subgraph_client import SubgraphUnavailableError

T = TypeVar("T")
STREET_WRITERS = frozenset({Role.DISTRICT, Role.STREET})  # 办事处党工委 (and the district)
DISTRICT_WRITERS = frozenset({Role.DISTRICT})  # 区委组织部
READERS = frozenset({Role.DISTRICT, Role.STREET, Role.SECRETARY, Role.PLANNER, Role.VIEWER})


# What cannot be done when org or grid does not answer (the refusal names which).
CANNOT = ("无法读取组织和网格数据", "the organization and grid data cannot be read")


async def read_graph(info: Info, read: Callable[[], Awaitable[T]]) -> T:
    """A read of the graph in a query: an unavailable subgraph is a clear error, not a guess."""
    try:
        return await read()
    except SubgraphUnavailableError as down:
        raise unavailable(down, *CANNOT) from down


async def criteria_version(
    info: Info, criteria_id: strawberry.ID | None, district: str | None
) -> domain.Criteria:
    """The criteria by id, or the current version, as `district` sees them."""
    async with info.context.engine.begin() as conn:
        return await domain.criteria(
            conn, str(criteria_id) if criteria_id else None, district=district
        )


def region_or_refuse(code: str) -> None:
    """A district (6 digits), street (9) or community (12) code, or a bad-input error."""
    if not is_region_code(code):
        raise bad_input(f"不是区划代码：{code}", f"Not a region code: {code}")


async def communities_seen(info: Info, region: str) -> list[dict]:
    """Communities under `region` the caller may see ({code, name})."""
    region_or_refuse(region)
    identity = caller(info)
    require_role(identity, READERS, what_zh="查看评选表彰", what_en="read commendations")
    scoped = identity.narrow(region)
    if scoped is None:
        return []
    found = await read_graph(
        info,
        lambda: info.context.peers.org.query(
            "query ($r: String!) { communities(regionCode: $r) { code name } }", {"r": scoped}
        ),
    )
    return [c for c in found["communities"] if identity.covers(c["code"])]


async def guarded(
    info: Info, prepare: Callable[[], Awaitable[T]]
) -> tuple[T | None, list[UserError]]:
    """Reads before a write: a refusal or an unavailable graph becomes the payload's errors."""
    try:
        return await prepare(), []
    except DomainError as refused:
        return None, refused.user_errors()
    except SubgraphUnavailableError as down:
        return None, down.refusal(*CANNOT).user_errors()


# -- types ----------------------------------------------------------------------------------


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
    id: strawberry.ID = strawberry.field(
        description="`<code>@<version>` (shared) or `<district>/<code>@<version>` (a district's)."
    )
    code: str
    district_code: str | None = strawberry.field(
        description="The district that loaded it; null: shared (the shipped default)."
    )
    version: int
    name: str
    name_en: str
    loaded_by: str
    document: str
    standard: str = strawberry.field(description="The grading standard its conditions name.")
    max_stars: int
    star_criteria: list[StarCriterion]
    goods: list[GoodDefinition]

    @strawberry.field(description="The current version of the caller's district.")
    async def is_current(self, info: Info) -> bool:
        district = owners.district_of_caller(caller(info)) or ""
        return await info.context.loaders.current_criteria.load(district) == str(self.id)

    @classmethod
    def from_row(cls, row: dict[str, Any], data: CriteriaData) -> CommendationCriteria:
        return cls(
            id=strawberry.ID(row["id"]), code=row["code"], district_code=row["district_code"],
            version=row["version"], name=row["name"], name_en=row["name_en"],
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


READS_AT_ONCE = 4  # communities read at once for a star board


# -- reads ----------------------------------------------------------------------------------


async def _board(
    info: Info, crit: domain.Criteria, codes: list[str], year: int
) -> list[domain.UnitStars]:
    peers = info.context.peers

    # Communities side by side, a few at a time: each is several paged reads.
    room = asyncio.Semaphore(READS_AT_ONCE)

    async def one(code: str) -> facts.CommunityGraph | None:
        async with room:
            return await facts.read_community(peers, code, once=info.context.community_bases)

    async def read() -> list[facts.CommunityGraph]:
        found = await asyncio.gather(*(one(code) for code in codes))
        return [g for g in found if g is not None]

    graphs = await read_graph(info, read)
    async with info.context.engine.connect() as conn:
        notes = await domain.attestations(conn, codes, year)
    return domain.board(crit.data, graphs, notes)


@strawberry.type
class CommendationQueries:
    @strawberry.field(
        description="Commendation criteria by id (the shared versions and the caller's "
        "district's); the current version of the caller's district when omitted."
    )
    async def commendation_criteria(
        self, info: Info, id: strawberry.ID | None = None
    ) -> CommendationCriteria | None:
        try:
            crit = await criteria_version(info, id, owners.district_of_caller(caller(info)))
        except DomainError:
            return None
        return CommendationCriteria.from_row(crit.row, crit.data)

    @strawberry.field(
        description="Every version of the criteria the caller's district sees (shared and its "
        "own), newest first."
    )
    async def commendation_criteria_versions(self, info: Info) -> list[CommendationCriteria]:
        async with info.context.engine.begin() as conn:
            rows = await domain.all_criteria(conn, owners.district_of_caller(caller(info)))
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
        codes = [c["code"] for c in await communities_seen(info, region_code)]
        crit = await criteria_version(info, criteria_id, owners.district_of(region_code))
        board = await _board(info, crit, codes, year)
        async with info.context.engine.connect() as conn:
            awarded = await domain.ratings(conn, codes, year)
        return [_rating(u, year, awarded.get(u.unit.id)) for u in board]


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


async def _unit_or_refuse(info: Info, unit_id: strawberry.ID, writers: frozenset[Role]) -> dict:
    """A live grid branch or Party group in the caller's scope."""
    identity = caller(info)
    require_role(identity, writers, what_zh="评定星级", what_en="rate units")
    key = parse_id(unit_id)
    unit = await facts.read_unit(info.context.peers.org, str(key)) if key else None
    unknown = DomainError(
        UserErrorCode.NOT_FOUND, f"未找到网格党支部或党小组：{unit_id}",
        f"No live grid branch or Party group {unit_id}", ["unitId"],
    )  # fmt: skip
    if unit is None or not unit["isLive"] or unit["kind"].lower() not in facts.UNIT_KINDS:
        raise unknown
    require_found_in_scope(identity, unit["community"]["code"], unknown)
    return unit


@strawberry.type
class CommendationMutations:
    @strawberry.mutation(
        description="Load a new version of the commendation criteria from YAML for the "
        "caller's district (district users); the district's current one when `makeCurrent`."
    )
    async def load_commendation_criteria(
        self, info: Info, document: str, make_current: bool = True
    ) -> CriteriaPayload:
        identity = caller(info)
        district = owners.writer_district(identity, ("导入评选标准", "load commendation criteria"))

        async def write(conn: AsyncConnection) -> dict:
            return await domain.load_criteria(
                conn, document, make_current=make_current, loaded_by=identity.subject,
                district=district,
            )  # fmt: skip

        row, errors = await run_write(info.context.engine, write)
        made = CommendationCriteria.from_row(row, domain.parse_criteria(document)) if row else None
        return CriteriaPayload(criteria=made, errors=errors)

    @strawberry.mutation(
        description="Make a version of the criteria the current one of the caller's district "
        "(district users): one of its own, or the shared current one to follow the default."
    )
    async def set_current_commendation_criteria(
        self, info: Info, id: strawberry.ID
    ) -> CriteriaPayload:
        district = owners.writer_district(
            caller(info), ("选定现行评选标准", "choose the current criteria")
        )
        table = domain.commendation_criteria

        async def write(conn: AsyncConnection) -> dict:
            row = await owners.choose(conn, table, table.c.is_current, str(id), district)
            if row is None:
                raise DomainError(UserErrorCode.NOT_FOUND, f"未找到评定标准：{id}",
                                  f"No commendation criteria {id}", ["id"])  # fmt: skip
            if not row["is_current"]:
                raise owners.not_followed("评定标准", "commendation criteria", str(id))
            return row

        row, errors = await run_write(info.context.engine, write)
        made = (
            CommendationCriteria.from_row(row, domain.parse_criteria(row["document"]))
            if row
            else None
        )
        return CriteriaPayload(criteria=made, errors=errors)

    @strawberry.mutation(
        description="The street office attests a star criterion of a unit for a year, with a note."
    )
    async def attest_star_criterion(
        self, info: Info, unit_id: strawberry.ID, year: int, criterion: str, note: str,
        criteria_id: strawberry.ID | None = None,
    ) -> StarAttestationPayload:  # fmt: skip
        today = dates.today()
        unit, errors = await guarded(info, lambda: _unit_or_refuse(info, unit_id, STREET_WRITERS))
        if unit is None:
            return StarAttestationPayload(attestation=None, errors=errors)

        async def write(conn: AsyncConnection) -> dict:
            crit = await domain.criteria(
                conn,
                str(criteria_id) if criteria_id else None,
                district=owners.district_of(unit["community"]["code"]),
            )
            return await domain.attest(conn, crit.data, unit=unit, year=year, criterion=criterion,
                                       note=note, by=caller(info).subject, today=today)  # fmt: skip

        row, errors = await run_write(info.context.engine, write)
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
        today = dates.today()

        async def prepare() -> tuple[domain.Criteria, domain.UnitStars]:
            unit = await _unit_or_refuse(info, unit_id, STREET_WRITERS)
            dates.check_year(year, today)
            async with info.context.engine.begin() as conn:
                crit = await domain.criteria(
                    conn,
                    str(criteria_id) if criteria_id else None,
                    district=owners.district_of(unit["community"]["code"]),
                )
            board = await _board(info, crit, [unit["community"]["code"]], year)
            computed = next(u for u in board if u.unit.id == unit["id"])
            return crit, computed

        prepared, errors = await guarded(info, prepare)
        if prepared is None:
            return StarRatingPayload(rating=None, errors=errors)
        crit, computed = prepared

        async def write(conn: AsyncConnection) -> dict:
            return await domain.award(conn, crit, computed, year=year, stars=stars, reason=reason,
                                      by=caller(info).subject, today=today)  # fmt: skip

        row, errors = await run_write(info.context.engine, write)
        return StarRatingPayload(
            rating=_rating(computed, year, row) if row else None, errors=errors
        )


QUERY_TYPES = (CommendationQueries,)
MUTATION_TYPES = (CommendationMutations,)
TYPES: list[type] = []
