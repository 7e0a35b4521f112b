"""双创 (plan 五): star-rated model building branches and groups (星级模范楼栋党支部/党小组) and
five-good community Party organizations (五好社区党组织), under versioned criteria.

- Stars: computed per grid branch and Party group from the live graph (commendations/facts.py)
  and the street office's attestations; then awarded per year by the street office — the
  awarded stars may differ from the computed ones only with a reason.
- Five-good: evaluated per community and year against the five goods; the street office
  nominates a community that meets them all, the district confirms it (or not).

Domain code: callers check role and scope; refusals are DomainErrors, nothing written. Every
write names a year from 2000 to the current one (services/assess/shared/dates.py; `today` is given).
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.assess.commendations.criteria import (
    CriteriaData,
    CriteriaError,
    check_against_standard,
    parse_criteria,
    read_default_criteria,
)
from services.assess.commendations.facts import (
    COMMUNITY_FACTS,
    UNIT_FACTS,
    CommunityGraph,
    Unit,
)
from services.assess.commendations.tables import (
    commendation_criteria,
    five_good,
    star_attestation,
    star_rating,
)
from services.assess.grading import assessing
from services.assess.grading.scoring import Score
from services.assess.shared import dates
from services.assess.shared import document_owners as owners
from services.assess.shared.peers import Peers
from services.assess.shared.text import MAX_NOTE, clean_text
from services.assess.shared.yaml_documents import refusal
from services.assess.standard.tables import indicator, standard
from services.common.errors import DomainError, UserErrorCode, invalid

FIVE_GOOD_STAGES = {
    "nominated": ("已提名", "nominated"),
    "confirmed": ("已确认", "confirmed"),
    "rejected": ("未确认", "not confirmed"),
}


# -- criteria versions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Criteria:
    row: dict[str, Any]
    data: CriteriaData


def _default_criteria_insert() -> Any:
    data, text = read_default_criteria()
    return upsert(commendation_criteria).values(
        id=data.key, code=data.id, version=data.version, name=data.name, name_en=data.name_en,
        is_current=True, document=text, loaded_by="setup",
    ).on_conflict_do_nothing()  # fmt: skip


def install_default_criteria(conn: Connection) -> bool:
    """Setup: install the shipped criteria as the shared current version when no shared
    version is loaded yet."""
    shared = select(commendation_criteria.c.id).where(
        commendation_criteria.c.district_code.is_(None)
    )
    if conn.execute(shared.limit(1)).first() is not None:
        return False
    conn.execute(_default_criteria_insert())
    return True


@functools.lru_cache(maxsize=16)
def _parsed(document: str) -> CriteriaData:
    """A loaded version's document, parsed once: a loaded version never changes (a change is
    a new version), so its text identifies it."""
    return parse_criteria(document)


async def criteria(
    conn: AsyncConnection, criteria_id: str | None, *, district: str | None
) -> Criteria:
    """A version `district` sees (its current one when `criteria_id` is None; setup installs
    the shipped one as the shared default); NOT_FOUND for an unknown id or another
    district's."""
    table, flag = commendation_criteria, commendation_criteria.c.is_current
    row = (
        await owners.current(conn, table, flag, district)
        if criteria_id is None
        else await owners.find(conn, table, criteria_id, district)
    )
    if row is None:
        raise DomainError(
            UserErrorCode.NOT_FOUND, f"未找到评定标准：{criteria_id}",
            f"No commendation criteria {criteria_id}", ["criteriaId"],
        )  # fmt: skip
    return Criteria(row, _parsed(row["document"]))


async def all_criteria(conn: AsyncConnection, district: str | None) -> list[dict]:
    """Every version `district` sees, newest first within each code."""
    table = commendation_criteria
    query = (
        select(table)
        .where(owners.visible(table, district))
        .order_by(table.c.code, table.c.version.desc(), table.c.district_code)
    )
    return [dict(r) for r in (await conn.execute(query)).mappings()]


async def current_criteria_ids(conn: AsyncConnection, districts: Sequence[str]) -> list[str | None]:
    """The current version's id of each district ("": the shared one)."""
    flag = commendation_criteria.c.is_current
    found = [await owners.current(conn, commendation_criteria, flag, d or None) for d in districts]
    return [row["id"] if row else None for row in found]


async def _standard_for(conn: AsyncConnection, code: str, district: str | None) -> dict | None:
    """The grading standard five-good conditions of `district` use: its current one if it has
    that code, else the newest version of the code it sees."""
    current = await owners.current(conn, standard, standard.c.is_default, district)
    if current is not None and current["code"] == code:
        return current
    query = (
        select(standard)
        .where(standard.c.code == code, owners.visible(standard, district))
        .order_by(standard.c.version.desc(), standard.c.district_code)
        .limit(1)
    )
    row = (await conn.execute(query)).mappings().first()
    return dict(row) if row else None


async def load_criteria(
    conn: AsyncConnection, document: str, *, make_current: bool, loaded_by: str, district: str
) -> dict:
    """A new version of `district`'s from its YAML; refused when invalid, not newer than
    the versions it sees, or naming indicators or groups its grading standard lacks."""
    try:
        data = parse_criteria(document)
    except CriteriaError as exc:
        raise refusal(exc.problems) from exc
    graded = await _standard_for(conn, data.standard, district)
    if graded is None:
        raise refusal(
            [("standard", f"未找到评价标准{data.standard}", f"No standard {data.standard}")]
        )
    rows = (
        await conn.execute(
            select(indicator.c.code, indicator.c.group_name).where(
                indicator.c.standard_id == graded["id"]
            )
        )
    ).all()
    problems = check_against_standard(data, {r[0] for r in rows}, {r[1] for r in rows})
    if problems:
        raise refusal(problems)
    latest = await conn.scalar(
        select(func.max(commendation_criteria.c.version)).where(
            commendation_criteria.c.code == data.id,
            owners.visible(commendation_criteria, district),
        )
    )
    if latest is not None and data.version <= latest:
        raise DomainError(
            UserErrorCode.CONFLICT, f"评定标准{data.id}已有第{latest}版，新版本号须大于{latest}",
            f"Criteria {data.id} already have version {latest}; a new one must be greater",
            ["document", "version"],
        )  # fmt: skip
    if make_current:
        await owners.clear_current(
            conn, commendation_criteria, commendation_criteria.c.is_current, district
        )
    values = {
        "id": owners.document_id(district, data.key), "code": data.id,
        "district_code": district, "version": data.version, "name": data.name,
        "name_en": data.name_en, "is_current": make_current, "document": document,
        "loaded_by": loaded_by,
    }  # fmt: skip
    statement = insert(commendation_criteria).values(**values).returning(commendation_criteria)
    return dict((await conn.execute(statement)).mappings().one())


# -- stars ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionResult:
    code: str
    star: int
    name: str
    name_en: str
    attested: bool
    value: float | None
    threshold: float
    met: bool
    detail: str
    detail_en: str

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class UnitStars:
    community_code: str
    unit: Unit
    stars: int  # computed
    results: tuple[CriterionResult, ...]


def meets(value: float | None, threshold: float) -> bool:
    # Shares computed as fractions (9/10 against 0.9) are compared with a little slack.
    return value is not None and value >= threshold - 1e-9


def unit_stars(
    data: CriteriaData, unit: Unit, graph: CommunityGraph, notes: Mapping[str, str]
) -> UnitStars:
    """A unit's computed stars: the highest level n whose criteria, and all below it, are met.
    `notes` are the street office's attestations of this unit, by criterion code."""
    results = []
    for c in sorted(data.stars.criteria, key=lambda c: (c.star, c.code)):
        if c.attested:
            note = notes.get(c.code)
            value = 1.0 if note else None
            detail = f"街道认定：{note}" if note else "街道未认定"
            detail_en = f"attested: {note}" if note else "not attested"
        else:
            fact = UNIT_FACTS[str(c.fact)][1](unit, graph)
            value, detail, detail_en = fact.value, fact.detail, fact.detail_en
        results.append(
            CriterionResult(c.code, c.star, c.name, c.name_en, c.attested, value, c.threshold,
                            meets(value, c.threshold), detail, detail_en)
        )  # fmt: skip
    stars = 0
    for level in range(1, data.max_stars + 1):
        if not all(r.met for r in results if r.star == level):
            break
        stars = level
    return UnitStars(graph.code, unit, stars, tuple(results))


async def attestations(
    conn: AsyncConnection, communities: Sequence[str], year: int
) -> dict[str, dict[str, str]]:
    """Notes of attested criteria by unit id, then criterion code."""
    rows = await conn.execute(
        select(star_attestation).where(
            star_attestation.c.community_code.in_(communities), star_attestation.c.year == year
        )
    )
    found: dict[str, dict[str, str]] = {}
    for row in rows.mappings():
        found.setdefault(str(row["unit_id"]), {})[row["criterion"]] = row["note"]
    return found


async def ratings(conn: AsyncConnection, communities: Sequence[str], year: int) -> dict[str, dict]:
    """Awarded ratings by unit id."""
    rows = await conn.execute(
        select(star_rating).where(
            star_rating.c.community_code.in_(communities), star_rating.c.year == year
        )
    )
    return {str(r["unit_id"]): dict(r) for r in rows.mappings()}


def board(
    data: CriteriaData, graphs: Sequence[CommunityGraph], notes: Mapping[str, Mapping[str, str]]
) -> list[UnitStars]:
    """Computed stars of every unit of these communities, by community and unit name."""
    return [
        unit_stars(data, unit, graph, notes.get(unit.id, {}))
        for graph in graphs
        for unit in sorted(graph.units, key=lambda u: (u.kind, u.name, u.id))
    ]


async def attest(  # noqa: PLR0913 -- one write's inputs, keyword-only (who, when, what); a parameter object would only rename them
    conn: AsyncConnection, data: CriteriaData, *, unit: Mapping[str, Any], year: int,
    criterion: str, note: str, by: str, today: dt.date,
) -> dict:  # fmt: skip
    """Record (or restate) the street office's attestation of a criterion for a unit."""
    dates.check_year(year, today)
    known = {c.code: c for c in data.stars.criteria}
    if criterion not in known or not known[criterion].attested:
        attested = ", ".join(c for c, v in known.items() if v.attested)
        raise invalid(
            f"「{criterion}」不是须由街道认定的星级标准（可认定：{attested}）",
            f"{criterion} is not an attested star criterion (attested: {attested})", "criterion",
        )  # fmt: skip
    text = clean_text(note, "note", MAX_NOTE, what_zh="说明")
    if text is None:
        raise invalid("认定须附说明", "An attestation needs a note", "note")
    values = {
        "unit_id": uuid.UUID(unit["id"]), "year": year, "criterion": criterion,
        "community_code": unit["community"]["code"], "note": text, "attested_by": by,
    }  # fmt: skip
    statement = upsert(star_attestation).values(**values)
    upserted = statement.on_conflict_do_update(
        index_elements=["unit_id", "year", "criterion"],
        set_={"note": statement.excluded.note, "attested_by": by, "created_at": func.now()},
    ).returning(star_attestation)
    return dict((await conn.execute(upserted)).mappings().one())


async def award(  # noqa: PLR0913 -- one write's inputs, keyword-only (who, when, what); a parameter object would only rename them
    conn: AsyncConnection, crit: Criteria, computed: UnitStars, *, year: int, stars: int,
    reason: str, by: str, today: dt.date,
) -> dict:  # fmt: skip
    """plan (五): 星级模范 — the street office awards a unit its stars for a year. Stars other
    than the computed ones need a reason; a later award of the same year replaces it."""
    dates.check_year(year, today)
    top = crit.data.max_stars
    if not 0 <= stars <= top:
        raise invalid(f"星级应在0至{top}之间", f"Stars are from 0 to {top}", "stars")
    reason = clean_text(reason, "reason", MAX_NOTE, what_zh="理由") or ""
    if stars != computed.stars and not reason:
        raise invalid(
            f"评定{stars}星与测算的{computed.stars}星不同，须说明理由",
            f"Awarding {stars} stars against {computed.stars} computed needs a reason", "reason",
        )  # fmt: skip
    leader = computed.unit.leader
    values = {
        "unit_id": uuid.UUID(computed.unit.id), "year": year,
        "community_code": computed.community_code, "unit_kind": computed.unit.kind,
        "unit_name": computed.unit.name, "criteria_id": crit.row["id"],
        "computed_stars": computed.stars, "awarded_stars": stars, "reason": reason,
        "leader": leader.__dict__ if leader else None,
        "facts": [r.as_json() for r in computed.results], "awarded_by": by,
    }  # fmt: skip
    statement = upsert(star_rating).values(**values)
    changed = {k: statement.excluded[k] for k in values if k not in ("unit_id", "year")}
    upserted = statement.on_conflict_do_update(
        index_elements=["unit_id", "year"], set_={**changed, "awarded_at": func.now()}
    ).returning(star_rating)
    return dict((await conn.execute(upserted)).mappings().one())


# -- five-good ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConditionResult:
    kind: str  # indicator | group | fact
    name: str  # the indicator code, group name or fact name
    title: str
    title_en: str
    value: float | None
    threshold: float
    met: bool
    detail: str
    detail_en: str


@dataclass(frozen=True)
class GoodResult:
    code: str
    name: str
    name_en: str
    met: bool
    conditions: tuple[ConditionResult, ...]


def _indicator_condition(code: str, score: Score | None) -> ConditionResult:
    found = next((r for r in score.results if r.code == code), None) if score else None
    if found is None:
        return ConditionResult("indicator", code, f"指标{code}", f"indicator {code}", None, 1.0,
                               False, "评价标准中无此指标", "not in the grading standard")  # fmt: skip
    m = found.measured
    return ConditionResult("indicator", code, f"指标{code}达标", f"indicator {code} passes",
                           m.value, found.threshold, found.passed, m.detail, m.detail_en)  # fmt: skip


def _group_condition(group: str, threshold: float, score: Score | None) -> ConditionResult:
    results = [r for r in score.results if r.group == group] if score else []
    passed = sum(r.passed for r in results)
    value = passed / len(results) if results else None
    return ConditionResult(
        "group", group, f"「{group}」指标达标比例", f"share of {group} passing", value, threshold,
        meets(value, threshold), f"达标 {passed}/{len(results)}", f"{passed}/{len(results)} pass",
    )  # fmt: skip


def five_goods(
    data: CriteriaData, graph: CommunityGraph, score: Score | None, awarded: Mapping[str, int]
) -> list[GoodResult]:
    """Each good of a community: met when all its conditions hold."""
    goods = []
    for good in data.five_good.goods:
        results = []
        for c in good.conditions:
            if c.indicator:
                results.append(_indicator_condition(c.indicator, score))
            elif c.group:
                results.append(_group_condition(c.group, float(c.threshold or 0), score))
            else:
                spec, compute = COMMUNITY_FACTS[str(c.fact)]
                fact = compute(graph, spec.params.model_validate(c.params), awarded)
                threshold = float(c.threshold or 0)
                results.append(
                    ConditionResult("fact", spec.name, spec.title, spec.title_en, fact.value,
                                    threshold, meets(fact.value, threshold), fact.detail,
                                    fact.detail_en)
                )  # fmt: skip
        goods.append(
            GoodResult(good.code, good.name, good.name_en, all(r.met for r in results), tuple(results))
        )  # fmt: skip
    return goods


async def assessment(
    engine: AsyncEngine, peers: Peers, data: CriteriaData, community: str, year: int
) -> Score | None:
    """The community's score under the grading standard the criteria name (None if absent)."""
    district = owners.district_of(community)
    async with engine.connect() as conn:
        graded = await _standard_for(conn, data.standard, district)
    rows = await assessing.standard_rows(engine, graded["id"], district) if graded else None
    if rows is None:
        return None
    return (await assessing.assess(engine, peers, rows, [community], year))[community]


async def five_good_row(conn: AsyncConnection, community: str, year: int) -> dict | None:
    query = select(five_good).where(
        and_(five_good.c.community_code == community, five_good.c.year == year)
    )
    row = (await conn.execute(query)).mappings().first()
    return dict(row) if row else None


async def five_good_rows(
    conn: AsyncConnection, communities: Sequence[str], year: int, stage: str | None = None
) -> list[dict]:
    query = select(five_good).where(
        five_good.c.community_code.in_(communities), five_good.c.year == year
    )
    if stage:
        query = query.where(five_good.c.stage == stage)
    rows = await conn.execute(query.order_by(five_good.c.community_code))
    return [dict(r) for r in rows.mappings()]


def goods_json(goods: Sequence[GoodResult]) -> list[dict]:
    return [{**g.__dict__, "conditions": [c.__dict__ for c in g.conditions]} for g in goods]


async def nominate_five_good(  # noqa: PLR0913 -- one write's inputs, keyword-only (who, when, what); a parameter object would only rename them
    conn: AsyncConnection, crit: Criteria, graph: CommunityGraph, goods: Sequence[GoodResult], *,
    year: int, note: str, by: str, today: dt.date,
) -> dict:  # fmt: skip
    """The street office nominates a community that meets all five goods (plan 五: 争创"五好"
    社区党组织); a nomination not yet confirmed, or one not confirmed, may be made again."""
    dates.check_year(year, today)
    unmet = [g for g in goods if not g.met]
    if unmet:
        raise DomainError(
            UserErrorCode.RULE_VIOLATION,
            "未达到：" + "、".join(g.name for g in unmet),
            "Not met: " + ", ".join(g.name_en for g in unmet),
            ["communityCode"], rule="five_good.all_goods",
        )  # fmt: skip
    nomination_note = clean_text(note, "note", MAX_NOTE, what_zh="推荐说明") or ""
    already_confirmed = DomainError(
        UserErrorCode.CONFLICT, f"{graph.name}{year}年度已确认为“五好”社区党组织",
        f"{graph.name} is already confirmed five-good for {year}", ["communityCode"],
    )  # fmt: skip
    existing = await five_good_row(conn, graph.code, year)
    if existing is not None and existing["stage"] == "confirmed":
        raise already_confirmed
    values = {
        "community_code": graph.code, "year": year,
        "organization_id": uuid.UUID(graph.organization_id) if graph.organization_id else None,
        "organization_name": graph.organization_name or graph.name,
        "criteria_id": crit.row["id"], "stage": "nominated", "goods": goods_json(goods),
        "note": nomination_note, "nominated_by": by, "decided_by": None, "decided_at": None,
        "decision_reason": "",
    }  # fmt: skip
    statement = upsert(five_good).values(**values)
    changed = {k: statement.excluded[k] for k in values if k not in ("community_code", "year")}
    # The check above read without a lock: a confirmation committed meanwhile must not be
    # overwritten, so the upsert itself leaves a confirmed row alone (no row comes back).
    upserted = statement.on_conflict_do_update(
        index_elements=["community_code", "year"],
        set_={**changed, "nominated_at": func.now()},
        where=five_good.c.stage != "confirmed",
    ).returning(five_good)
    row = (await conn.execute(upserted)).mappings().first()
    if row is None:
        raise already_confirmed
    return dict(row)


async def decide_five_good(  # noqa: PLR0913 -- one write's inputs, keyword-only (who, when, what); a parameter object would only rename them
    conn: AsyncConnection, *, community: str, year: int, confirmed: bool, reason: str, by: str,
    today: dt.date,
) -> dict:  # fmt: skip
    """The district confirms a nomination, or not (with a reason)."""
    dates.check_year(year, today)
    row = await five_good_row(conn, community, year)
    if row is None:
        raise DomainError(
            UserErrorCode.NOT_FOUND, f"{community}{year}年度没有“五好”提名",
            f"No five-good nomination of {community} for {year}", ["communityCode"],
        )  # fmt: skip
    if row["stage"] != "nominated":
        now_zh, now_en = FIVE_GOOD_STAGES[row["stage"]]
        raise DomainError(
            UserErrorCode.RULE_VIOLATION, f"该提名已{now_zh}，不能再次确认",
            f"The nomination is already {now_en}", ["communityCode"], rule="five_good.stage_order",
        )  # fmt: skip
    why = clean_text(reason, "reason", MAX_NOTE, what_zh="理由") or ""
    if not confirmed and not why:
        raise invalid("不予确认须说明理由", "Not confirming needs a reason", "reason")
    # Checked above without a lock: the update only moves a row still nominated, so a
    # concurrent decision (or a renomination) is not overwritten.
    statement = (
        update(five_good)
        .where(
            five_good.c.community_code == community,
            five_good.c.year == year,
            five_good.c.stage == "nominated",
        )
        .values(
            stage="confirmed" if confirmed else "rejected",
            decided_by=by,
            decided_at=func.now(),
            decision_reason=why,
        )
        .returning(five_good)
    )
    decided = (await conn.execute(statement)).mappings().first()
    if decided is None:
        raise DomainError(
            UserErrorCode.CONFLICT, "该提名刚被他人处理，请刷新后重试",
            "The nomination was just decided by someone else; reload and try again",
            ["communityCode"], rule="five_good.stage_order",
        )  # fmt: skip
    return dict(decided)
