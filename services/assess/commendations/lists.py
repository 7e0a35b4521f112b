"""七一 commendation lists (DOMAIN "Commendations"; plan 方法步骤: 七一表彰): five-good
organizations, excellent Party workers and excellent members, one list per district and year.

DOMAIN: "big-committee part-time members and jointly managed members are eligible too." The
draft takes, from the graph and the ratings:
- five-good organizations: communities the district confirmed five-good that year;
- excellent Party workers: leaders of grid branches and Party groups awarded at least the
  criteria's `min_awarded_stars` that year;
- excellent members: members chosen in 双争 (plan 三) since the previous 七一 (decided from
  July 1 of the year before to June 30), whatever their management kind;
and street offices nominate others (e.g. 大党委兼职委员) with a reason. The district publishes
the list; a published list is locked (no entry added, removed or redrafted). Like every write
about a year, a list's year runs from 2000 to the current one (services/assess/shared/dates.py): the
list of a coming July 1 is drafted once its year has begun.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.assess.commendations.evaluation import Criteria, invalid
from services.assess.commendations.facts import Person
from services.assess.commendations.facts import person as facts_person
from services.assess.commendations.tables import (
    commendation_entry,
    commendation_list,
    five_good,
    star_rating,
)
from services.assess.shared import dates
from services.assess.shared.text import MAX_LINE, clean_text
from services.common.errors import DomainError, UserErrorCode

TITLES = {
    "management_vanguard": ("社区管理先锋", "vanguard of community management"),
    "service_model": ("服务群众模范", "model of serving the people"),
}
NOMINABLE = ("excellent_party_worker", "excellent_member")


def window(year: int) -> tuple[dt.date, dt.date]:
    """Decisions a 七一 list takes: since the previous July 1, up to June 30 of its year."""
    return dt.date(year - 1, 7, 1), dt.date(year, 6, 30)


async def list_row(
    conn: AsyncConnection, district: str, year: int, *, lock: bool = False
) -> dict | None:
    query = select(commendation_list).where(
        commendation_list.c.district_code == district, commendation_list.c.year == year
    )
    if lock:
        query = query.with_for_update()
    row = (await conn.execute(query)).mappings().first()
    return dict(row) if row else None


def _locked(row: Mapping[str, Any]) -> DomainError:
    return DomainError(
        UserErrorCode.RULE_VIOLATION,
        f"{row['year']}年“七一”表彰名单已发布，不能再修改",
        f"The {row['year']} July-1 list is published and cannot be changed",
        ["year"],
        rule="commendation.published_locked",
    )


async def open_list(
    conn: AsyncConnection, crit: Criteria, district: str, year: int, by: str, today: dt.date
) -> dict:
    """The district's draft list of the year, made if missing; refused once published."""
    dates.check_year(year, today)
    statement = upsert(commendation_list).values(
        id=uuid.uuid4(), district_code=district, year=year, criteria_id=crit.row["id"],
        state="draft", created_by=by,
    ).on_conflict_do_nothing(constraint="commendation_list_district_year")  # fmt: skip
    await conn.execute(statement)
    row = await list_row(conn, district, year, lock=True)
    assert row is not None
    if row["state"] == "published":
        raise _locked(row)
    return row


def _entry(list_id: uuid.UUID, category: str, subject: str, name: str, community: str,  # noqa: PLR0913 -- a list entry's columns, keyword-only where optional
           source: str, basis: list[dict], by: str, *, management: str | None = None,
           part_time: bool = False, reason: str = "") -> dict[str, Any]:  # fmt: skip
    return {
        "id": uuid.uuid4(), "list_id": list_id, "category": category,
        "subject_id": uuid.UUID(subject), "subject_name": name, "community_code": community,
        "management": management, "part_time_member": part_time, "source": source,
        "basis": basis, "reason": reason, "added_by": by,
    }  # fmt: skip


async def computed_entries(  # noqa: PLR0913 -- what one draft is computed from, read once by redraft
    conn: AsyncConnection, crit: Criteria, list_id: uuid.UUID, communities: Sequence[str],
    year: int, chosen: Sequence[Mapping[str, Any]], by: str,
) -> list[dict[str, Any]]:  # fmt: skip
    """What the list takes from confirmed five-goods, awarded stars and chosen 双争."""
    entries = []
    confirmed = await conn.execute(
        select(five_good).where(
            five_good.c.community_code.in_(communities), five_good.c.year == year,
            five_good.c.stage == "confirmed", five_good.c.organization_id.is_not(None),
        )
    )  # fmt: skip
    for row in confirmed.mappings():
        basis = [{"code": g["code"], "zh": g["name"], "en": g["name_en"]} for g in row["goods"]]
        entries.append(_entry(list_id, "five_good_organization", str(row["organization_id"]),
                              row["organization_name"], row["community_code"], "five_good",
                              basis, by))  # fmt: skip
    least = crit.data.july_first.excellent_party_workers.min_awarded_stars
    starred = await conn.execute(
        select(star_rating).where(
            star_rating.c.community_code.in_(communities), star_rating.c.year == year,
            star_rating.c.awarded_stars >= least, star_rating.c.leader.is_not(None),
        ).order_by(star_rating.c.community_code, star_rating.c.unit_name)
    )  # fmt: skip
    for row in starred.mappings():
        leader = Person(**row["leader"])
        basis = [{"code": "stars", "zh": f"{row['unit_name']}评定为{row['awarded_stars']}星级模范",
                  "en": f"{row['unit_name']} awarded {row['awarded_stars']} stars"}]  # fmt: skip
        entries.append(_entry(list_id, "excellent_party_worker", leader.id, leader.name,
                              row["community_code"], "star_rating", basis, by,
                              management=leader.management, part_time=leader.part_time))  # fmt: skip
    start, end = window(year)
    titles = set(crit.data.july_first.excellent_members.titles)
    for e in chosen:
        member = e["member"]
        decided = dt.date.fromisoformat(e["decidedOn"])
        if e["title"].lower() not in titles or not start <= decided <= end or member["leftOn"]:
            continue
        if member["community"]["code"] not in communities:
            continue
        person = facts_person(member)
        zh, en = TITLES[e["title"].lower()]
        basis = [{"code": "evaluation", "zh": f"{e['year']}年“双争”评为{zh}（{decided}）",
                  "en": f"chosen {en} in 双争 {e['year']} ({decided})"}]  # fmt: skip
        entries.append(_entry(list_id, "excellent_member", person.id, person.name,
                              member["community"]["code"], "evaluation", basis, by,
                              management=person.management, part_time=person.part_time,
                              reason=e["reason"]))  # fmt: skip
    return entries


async def redraft(  # noqa: PLR0913 -- one write's inputs, keyword-only (who, when, what); a parameter object would only rename them
    conn: AsyncConnection, crit: Criteria, *, district: str, year: int,
    communities: Sequence[str], chosen: Sequence[Mapping[str, Any]], by: str, today: dt.date,
) -> dict:  # fmt: skip
    """Make or refresh the draft: computed entries are taken again from live data; the street
    offices' nominations stay (a nomination wins over a computed entry of the same person)."""
    row = await open_list(conn, crit, district, year, by, today)
    await conn.execute(
        delete(commendation_entry).where(
            commendation_entry.c.list_id == row["id"], commendation_entry.c.source != "nomination"
        )
    )
    entries = await computed_entries(conn, crit, row["id"], communities, year, chosen, by)
    if entries:
        statement = upsert(commendation_entry).values(entries)
        await conn.execute(statement.on_conflict_do_nothing(constraint="commendation_entry_once"))
    drafted = (
        update(commendation_list)
        .where(commendation_list.c.id == row["id"])
        .values(criteria_id=crit.row["id"], drafted_at=dt.datetime.now(dt.UTC))
        .returning(commendation_list)
    )
    return dict((await conn.execute(drafted)).mappings().one())


async def nominate(  # noqa: PLR0913 -- one write's inputs, keyword-only (who, when, what); a parameter object would only rename them
    conn: AsyncConnection, crit: Criteria, *, year: int, member: Mapping[str, Any],
    category: str, reason: str, by: str, today: dt.date,
) -> dict:  # fmt: skip
    """A street office puts a member of its communities on the draft list, with a reason."""
    dates.check_year(year, today)
    if category not in NOMINABLE:
        raise invalid("街道只能提名优秀党务工作者或优秀共产党员",
                      "A street office nominates excellent Party workers or members", "category")  # fmt: skip
    if member["leftOn"]:
        raise invalid(f"{member['name']}已于{member['leftOn']}离开社区",
                      f"{member['name']} left on {member['leftOn']}", "memberId")  # fmt: skip
    why = clean_text(reason, "reason", MAX_LINE, what_zh="提名理由")
    if why is None:
        raise invalid("提名须说明事迹或理由", "A nomination needs a reason", "reason")
    community = member["community"]["code"]
    row = await open_list(conn, crit, community[:6], year, by, today)
    person = facts_person(member)
    basis = [{"code": "nomination", "zh": f"街道提名：{why}",
              "en": f"nominated by the street office: {why}"}]  # fmt: skip
    values = _entry(row["id"], category, person.id, person.name, community, "nomination", basis,
                    by, management=person.management, part_time=person.part_time,
                    reason=why)  # fmt: skip
    # A nomination replaces a computed entry of the same person and category.
    await conn.execute(
        delete(commendation_entry).where(
            commendation_entry.c.list_id == row["id"],
            commendation_entry.c.category == category,
            commendation_entry.c.subject_id == values["subject_id"],
            commendation_entry.c.source != "nomination",
        )
    )
    statement = upsert(commendation_entry).values(**values)
    statement = statement.on_conflict_do_nothing(constraint="commendation_entry_once")
    found = (await conn.execute(statement.returning(commendation_entry))).mappings().first()
    if found is None:
        raise DomainError(UserErrorCode.CONFLICT, f"{person.name}已在名单上",
                          f"{person.name} is already on the list", ["memberId"])  # fmt: skip
    return dict(found)


async def entry_or_refuse(conn: AsyncConnection, entry_id: uuid.UUID) -> tuple[dict, dict]:
    found = (
        (
            await conn.execute(
                select(commendation_entry, commendation_list.c.district_code)
                .join(commendation_list, commendation_list.c.id == commendation_entry.c.list_id)
                .where(commendation_entry.c.id == entry_id)
            )
        )
        .mappings()
        .first()
    )
    if found is None:
        raise DomainError(UserErrorCode.NOT_FOUND, f"未找到名单条目：{entry_id}",
                          f"No list entry {entry_id}", ["entryId"])  # fmt: skip
    listed = (
        (
            await conn.execute(
                select(commendation_list)
                .where(commendation_list.c.id == found["list_id"])
                .with_for_update()
            )
        )
        .mappings()
        .one()
    )
    return dict(found), dict(listed)


async def remove(conn: AsyncConnection, entry_id: uuid.UUID) -> dict:
    """The district takes an entry off a draft list."""
    _entry, listed = await entry_or_refuse(conn, entry_id)
    if listed["state"] == "published":
        raise _locked(listed)
    await conn.execute(delete(commendation_entry).where(commendation_entry.c.id == entry_id))
    return listed


async def publish(
    conn: AsyncConnection, *, district: str, year: int, by: str, today: dt.date
) -> dict:
    """The district publishes its list: from now on it is locked."""
    dates.check_year(year, today)
    row = await list_row(conn, district, year, lock=True)
    if row is None:
        raise DomainError(UserErrorCode.NOT_FOUND, f"{year}年“七一”表彰名单尚未起草",
                          f"No July-1 list for {year} yet", ["year"])  # fmt: skip
    if row["state"] == "published":
        raise _locked(row)
    statement = (
        update(commendation_list)
        .where(commendation_list.c.id == row["id"])
        .values(state="published", published_by=by, published_at=dt.datetime.now(dt.UTC))
        .returning(commendation_list)
    )
    return dict((await conn.execute(statement)).mappings().one())


async def entries_of(conn: AsyncConnection, list_id: uuid.UUID, under: str) -> list[dict]:
    """Entries of the communities under a region node, by category, community and name."""
    query = select(commendation_entry).where(
        commendation_entry.c.list_id == list_id,
        commendation_entry.c.community_code.startswith(under),
    )
    order = (commendation_entry.c.category, commendation_entry.c.community_code,
             commendation_entry.c.subject_name, commendation_entry.c.id)  # fmt: skip
    return [dict(r) for r in (await conn.execute(query.order_by(*order))).mappings()]
