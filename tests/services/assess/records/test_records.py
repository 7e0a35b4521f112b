"""Attested records through the gateway, and the record checks of the default standard.

Issue 7 item 3: funds (amount, year, use), facilities, the adopted work rule, trainings, the
five work systems (adoption and sittings), activities (双创双争), co-building agreements.
Each check's expectation is derived from the records the test writes, under the params the
current standard gives it. Records are dated in the past (DOMAIN: a record says what
happened, so a future date is refused): these tests use 2011-2015, which nothing else uses,
and void what they wrote (voided records count for nothing) so later tests start clean.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from records_api import (
    ACTIVITY,
    ADOPTION,
    AGREEMENT,
    ATTACH,
    FACILITY,
    FUND_USE,
    FUNDS,
    FUTURE,
    LIST,
    ONE,
    PLANNER,
    SITTING,
    TRAINING,
    VIEWER,
    VOID,
    WORK_RULE,
    communities,
    counts,
    forbidden,
    indicator_for,
    measure,
    pdf,
    recorded,
    refused,
    secretary,
    street,
    uploaded,
    write,
)

from infra.setup import Prepared
from services.assess.grading.scoring import Measured
from services.assess.records import checks as record_checks
from services.assess.records.vocab import FACILITIES, WORK_SYSTEMS
from services.assess.records.writes import MAX_TEXT
from services.common.database import make_engine
from stack import DISTRICT, Running


@pytest.fixture(scope="module")
def codes(running: Running) -> list[str]:
    return communities(running)


@pytest.fixture
def assess_url(prepared: Prepared) -> str:
    return prepared.database.service_urls["assess"]


class Written:
    """Records a test wrote, voided at its end."""

    def __init__(self, running: Running) -> None:
        self.running = running
        self.ids: list[str] = []

    def add(self, document: str, input: dict, identity: Any = DISTRICT) -> dict:
        row = recorded(self.running, document, input, identity)
        self.ids.append(row["id"])
        return row

    def void_all(self) -> None:
        # Uses before their funds (funds with live uses cannot be voided).
        for record_id in reversed(self.ids):
            payload = write(self.running, VOID, {"id": record_id, "reason": "测试结束"})
            assert payload["errors"] == [] or payload["errors"][0]["code"] == "CONFLICT"


@pytest.fixture
def written(running: Running) -> Iterator[Written]:
    w = Written(running)
    yield w
    w.void_all()


def _evidence(running: Running, community: str) -> str:
    return uploaded(running, pdf(), community)["id"]


def _codes(errors: list[dict]) -> list[str]:
    return [e["code"] for e in errors]


# -- each check ----------------------------------------------------------------------------------


def test_training_counts_the_years_trainings(
    running: Running, codes: list[str], written: Written, assess_url: str
) -> None:
    # plan (一): 集中培训、以会代训、观摩交流、个人自学 — any form counts.
    community, year = codes[0], 2011
    base = {"communityCode": community, "topic": "党务知识", "hours": 2.5}
    a = written.add(
        TRAINING, {**base, "heldOn": f"{year}-03-01", "form": "CENTRALIZED", "attendeeCount": 12}
    )
    b = written.add(
        TRAINING,
        {**base, "heldOn": f"{year}-06-01", "form": "SELF_STUDY", "attendees": ["张三", "李四"]},
        secretary(community),
    )
    assert b["details"]["attendees"] == {"count": 2, "names": ["张三", "李四"]}
    written.add(
        TRAINING, {**base, "heldOn": f"{year - 1}-12-31", "form": "MEETING", "attendeeCount": 3}
    )
    voided = written.add(
        TRAINING, {**base, "heldOn": f"{year}-07-01", "form": "OBSERVATION", "attendeeCount": 5}
    )
    write(running, VOID, {"id": voided["id"], "reason": "重复录入"})

    found, rows = measure(assess_url, [community], year, dt.date(year, 12, 31))
    row = indicator_for(rows, "training")
    got = found[community][row["code"]]
    assert got.value == min(1.0, 2 / row["params"]["min_records"])
    assert set(got.refs) == {a["id"], b["id"]}
    # Assessed before the second one: only the first counts.
    early, _ = measure(assess_url, [community], year, dt.date(year, 4, 1))
    assert early[community][row["code"]].refs == (a["id"],)
    # Another community has nothing: unmeasured, not a zero share.
    assert found_none(assess_url, codes[1], year, row["code"])


def found_none(assess_url: str, community: str, year: int, code: str) -> bool:
    found, _ = measure(assess_url, [community], year, dt.date(year, 12, 31))
    return found[community][code].value is None


def test_funds_and_their_use(
    running: Running, codes: list[str], written: Written, assess_url: str
) -> None:
    # plan (一、二) 有钱办事: funds at the district's standard, and their use recorded.
    community, year = codes[1], 2012
    found, rows = measure(assess_url, [community], year, dt.date(year, 12, 31))
    funds_row, use_row = indicator_for(rows, "funds"), indicator_for(rows, "funds_use")
    standard = float(funds_row["params"]["min_amount"])
    amounts = [round(standard * 0.6, 2), round(standard * 0.3, 2)]
    # Granted in the December before its budget year: it counts for the budget year.
    first = written.add(
        FUNDS,
        {
            "communityCode": community,
            "year": year,
            "amount": amounts[0],
            "source": "区财政",
            "allocatedOn": f"{year - 1}-12-20",
        },
    )
    second = written.add(
        FUNDS,
        {
            "communityCode": community,
            "year": year,
            "amount": amounts[1],
            "source": "街道",
            "allocatedOn": f"{year}-02-01",
        },
    )
    found, _ = measure(assess_url, [community], year, dt.date(year, 12, 31))
    assert math.isclose(
        found[community][funds_row["code"]].value, min(1.0, sum(amounts) / standard)
    )
    assert set(found[community][funds_row["code"]].refs) == {first["id"], second["id"]}
    assert found[community][use_row["code"]].value == 0.0  # allocations, no use recorded

    use = written.add(
        FUND_USE,
        {
            "fundsId": first["id"],
            "spentOn": f"{year}-03-05",
            "purpose": "购买党建书籍",
            "amount": 100,
        },
    )
    assert use["fundsId"] == first["id"] and use["year"] == year
    found, _ = measure(assess_url, [community], year, dt.date(year, 12, 31))
    assert found[community][use_row["code"]].value == 1 / 2  # one of two allocations
    assert use["id"] in found[community][use_row["code"]].refs

    # Uses add up to no more than the allocation; funds with live uses cannot be voided.
    before = counts(assess_url)
    over = refused(
        running,
        FUND_USE,
        {
            "input": {
                "fundsId": first["id"],
                "spentOn": f"{year}-03-06",
                "purpose": "超支",
                "amount": amounts[0],
            }
        },
    )
    assert over[0]["code"] == "RULE_VIOLATION" and over[0]["rule"] == "funds.uses_within_allocation"
    in_use = refused(running, VOID, {"id": first["id"], "reason": "录错"})
    assert _codes(in_use) == ["IN_USE"]
    assert counts(assess_url) == before
    listed = running.post(running.gateway, ONE, {"id": first["id"]})["data"]["attestedRecord"]
    assert [u["id"] for u in listed["uses"]] == [use["id"]]


def test_facilities_present_over_required(
    running: Running, codes: list[str], written: Written, assess_url: str
) -> None:
    # plan (一) 有处议事: the five facilities; the value is present / required.
    community, year = codes[2], 2013
    present = ["office", "meeting_room", "disclosure_board"]
    for kind in present:
        area = 30.0 if kind != "disclosure_board" else None
        written.add(
            FACILITY,
            {
                "communityCode": community,
                "facility": kind.upper(),
                "since": f"{year}-01-10",
                "floorArea": area,
            },
        )
    found, rows = measure(assess_url, [community], year, dt.date(year, 12, 31))
    row = indicator_for(rows, "facilities")
    required = row["params"]["required"]
    expected = len(set(present) & set(required)) / len(required)
    got = found[community][row["code"]]
    assert got.value == expected and len(got.refs) == len(set(present) & set(required))
    for missing in set(required) - set(present):
        assert FACILITIES[missing][0] in got.detail
    # A year before they were there: nothing.
    assert found_none(assess_url, community, year - 1, row["code"])


def test_the_work_rule_needs_its_document(
    running: Running, codes: list[str], written: Written, assess_url: str
) -> None:
    community, year = codes[3], 2013
    before = counts(assess_url)
    errors = refused(
        running,
        WORK_RULE,
        {"input": {"communityCode": community, "adoptedOn": f"{year}-05-01", "evidenceIds": []}},
    )
    assert _codes(errors) == ["INVALID"] and errors[0]["field"] == ["input", "evidenceIds"]
    assert counts(assess_url) == before
    document = _evidence(running, community)
    rule = written.add(
        WORK_RULE,
        {"communityCode": community, "adoptedOn": f"{year}-05-01", "evidenceIds": [document]},
    )
    assert [e["id"] for e in rule["evidence"]] == [document]
    assert rule["details"]["title"] == "《社区党组织工作规则》"
    found, rows = measure(assess_url, [community], year, dt.date(year, 12, 31))
    row = indicator_for(rows, "work_rule")
    assert found[community][row["code"]].value == 1.0
    assert found[community][row["code"]].refs == (rule["id"],)
    # Still in force the next year; not before it was adopted.
    assert (
        measure(assess_url, [community], year + 1, dt.date(year + 1, 6, 1))[0][community][
            row["code"]
        ].value
        == 1.0
    )
    assert found_none(assess_url, community, year - 1, row["code"])


@pytest.mark.parametrize("system", sorted(WORK_SYSTEMS))
def test_each_work_system_adopted_and_sitting(
    running: Running, codes: list[str], written: Written, assess_url: str, system: str
) -> None:
    # plan (四): the five basic work systems — adopted, and sitting at least min_sittings a year.
    community, year = codes[4], 2014
    _, rows = measure(assess_url, [community], year, dt.date(year, 12, 31))
    row = indicator_for(rows, "work_system", system=system)
    need = row["params"]["min_sittings"]
    sitting = {
        "communityCode": community,
        "system": system.upper(),
        "minutes": "议定事项若干",
        "attendeeCount": 9,
    }
    # A sitting before the adoption does not count; without the adoption the value is 0.
    early = written.add(SITTING, {**sitting, "heldOn": f"{year}-01-05"})
    found, _ = measure(assess_url, [community], year, dt.date(year, 12, 31))
    assert found[community][row["code"]].value == 0.0
    adopted = written.add(
        ADOPTION,
        {
            "communityCode": community,
            "system": system.upper(),
            "adoptedOn": f"{year}-02-01",
            "evidenceIds": [_evidence(running, community)],
        },
    )
    held = [
        written.add(SITTING, {**sitting, "heldOn": f"{year}-{3 + i:02d}-10"}) for i in range(need)
    ]
    found, _ = measure(assess_url, [community], year, dt.date(year, 12, 31))
    got = found[community][row["code"]]
    assert got.value == 1.0
    assert (
        set(got.refs) == {adopted["id"], *(h["id"] for h in held)} and early["id"] not in got.refs
    )
    if need > 1:
        part, _ = measure(assess_url, [community], year, dt.date(year, 3, 31))
        assert part[community][row["code"]].value == 1 / need
    # Adopted once: a second adoption is a conflict (void the first to correct it).
    again = refused(
        running,
        ADOPTION,
        {
            "input": {
                "communityCode": community,
                "system": system.upper(),
                "adoptedOn": f"{year}-02-02",
                "evidenceIds": [_evidence(running, community)],
            }
        },
    )
    assert _codes(again) == ["CONFLICT"]


def test_activities_per_period(
    running: Running, codes: list[str], written: Written, assess_url: str
) -> None:
    # plan (五) 活动经常化: 双创双争 each period (quarters in the default standard).
    community, year = codes[5], 2015
    _, rows = measure(assess_url, [community], year, dt.date(year, 12, 31))
    row = indicator_for(rows, "activities")
    kind, per, need = row["params"]["kind"], row["params"]["per"], row["params"]["min_records"]
    months = {"month": 1, "quarter": 3, "year": 12}[per]
    held_on = [dt.date(year, 1, 15), dt.date(year, 1 + 2 * months, 15)]  # the 1st and 3rd periods
    for day in held_on:
        for i in range(need):
            written.add(
                ACTIVITY,
                {
                    "communityCode": community,
                    "kind": kind.upper(),
                    "heldOn": str(day + dt.timedelta(i)),
                    "title": "党员先锋岗创建",
                    "participantCount": 20,
                },
            )
    periods = 12 // months
    met = len({(d.month - 1) // months for d in held_on})
    found, _ = measure(assess_url, [community], year, dt.date(year, 12, 31))
    assert found[community][row["code"]].value == met / periods
    # Early in the 2nd period: the 1st ended and was met; the 2nd is in progress, not counted.
    early = dt.date(year, 1 + months, 2)
    found, _ = measure(assess_url, [community], year, early)
    assert found[community][row["code"]].value == 1.0


def _check_with(
    assess_url: str,
    row: dict[str, Any],
    params: dict[str, Any],
    community: str,
    year: int,
    as_of: dt.date,
) -> Measured:
    """record_checks.check on the real database, for the standard's `row` under `params`."""

    async def run() -> Measured:
        engine = make_engine(assess_url.replace("postgresql://", "postgresql+psycopg://", 1))
        try:
            async with engine.connect() as conn:
                found = await record_checks.check(
                    conn, [{**row, "params": params}], [community], year, as_of
                )
            return found[community][row["code"]]
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_activities_before_any_period_has_ended(
    running: Running, codes: list[str], written: Written, assess_url: str
) -> None:
    """With min_records 2 and one activity in the first quarter, in progress: no period is due
    yet, and the one in progress is never against the community (record_checks._activities)."""
    community, year = codes[5], 2011
    _, rows = measure(assess_url, [community], year, dt.date(year, 12, 31))
    row = indicator_for(rows, "activities")
    params = {**row["params"], "per": "quarter", "min_records": 2}
    written.add(
        ACTIVITY,
        {
            "communityCode": community,
            "kind": params["kind"].upper(),
            "heldOn": f"{year}-01-15",
            "title": "党员先锋岗创建",
            "participantCount": 20,
        },
    )
    early = _check_with(assess_url, row, params, community, year, dt.date(year, 2, 1))
    assert early.value == 1.0 and early.refs
    assert "尚无已结束" in early.detail and "no quarter has ended" in early.detail_en
    # Once the quarter has ended unmet, it counts against the community: 0 of 1.
    ended = _check_with(assess_url, row, params, community, year, dt.date(year, 4, 2))
    assert ended.value == 0.0


def test_agreements_with_resident_units_known_to_org(
    running: Running, codes: list[str], written: Written, assess_url: str
) -> None:
    # plan (三): 社区党组织与驻社区党组织签订协议 — with a unit org knows, in force.
    units = {}
    for code in codes:
        found = running.post(
            running.gateway,
            "query ($c: String!) { residentUnits(communityCode: $c) { id name } }",
            {"c": code},
        )["data"]["residentUnits"]
        if found:
            units[code] = found
    assert len(units) >= 2, "the demo district has resident units in several communities"
    community, other = sorted(units)[:2]
    unit = units[community][0]
    year = 2013
    document = _evidence(running, community)
    base = {"communityCode": community, "signedOn": f"{year}-04-01", "evidenceIds": [document]}
    before = counts(assess_url)
    for bad_unit in (str(uuid.uuid4()), units[other][0]["id"]):  # unknown; another community's
        errors = refused(running, AGREEMENT, {"input": {**base, "residentUnitId": bad_unit}})
        assert _codes(errors) == ["NOT_FOUND"] and errors[0]["field"] == ["input", "residentUnitId"]
    assert counts(assess_url) == before
    signed = written.add(AGREEMENT, {**base, "residentUnitId": unit["id"], "summary": "共驻共建"})
    assert signed["details"]["unit_name"] == unit["name"] and signed["subject"] == unit["id"]
    # One that ended before the year's end does not count.
    written.add(
        AGREEMENT,
        {**base, "residentUnitId": units[community][-1]["id"], "validUntil": f"{year}-06-30"},
    )
    found, rows = measure(assess_url, [community], year, dt.date(year, 12, 31))
    row = indicator_for(rows, "co_building_agreement")
    # In force at the year's end: the first unit's agreement only (the second ended in June).
    assert found[community][row["code"]].value == min(1.0, 1 / row["params"]["min_records"])
    assert signed["id"] in found[community][row["code"]].refs


# -- void, attach, read -----------------------------------------------------------------------


def test_void_keeps_the_record_for_audit_and_it_counts_for_nothing(
    running: Running, codes: list[str], written: Written, assess_url: str
) -> None:
    community, year = codes[6], 2012
    row = written.add(
        TRAINING,
        {
            "communityCode": community,
            "heldOn": f"{year}-05-05",
            "form": "MEETING",
            "topic": "学习",
            "hours": 1,
            "attendeeCount": 4,
        },
    )
    assert _codes(refused(running, VOID, {"id": row["id"], "reason": "  "})) == ["INVALID"]
    done = write(running, VOID, {"id": row["id"], "reason": "日期录错"}, street(community))
    assert done["errors"] == [] and done["record"]["voided"]
    assert done["record"]["voidReason"] == "日期录错"
    assert _codes(refused(running, VOID, {"id": row["id"], "reason": "again"})) == ["CONFLICT"]
    listed = running.post(running.gateway, LIST, {"c": community, "year": year, "voided": False})
    assert row["id"] not in [n["id"] for n in listed["data"]["attestedRecords"]["nodes"]]
    kept = running.post(running.gateway, LIST, {"c": community, "year": year, "voided": True})
    assert row["id"] in [n["id"] for n in kept["data"]["attestedRecords"]["nodes"]]
    found, rows = measure(assess_url, [community], year, dt.date(year, 12, 31))
    assert found[community][indicator_for(rows, "training")["code"]].value is None
    # Evidence is attached to live records only.
    errors = refused(running, ATTACH, {"id": row["id"], "ids": [_evidence(running, community)]})
    assert _codes(errors) == ["CONFLICT"]


def test_evidence_attached_later(running: Running, codes: list[str], written: Written) -> None:
    community = codes[7]
    row = written.add(
        FACILITY, {"communityCode": community, "facility": "PUBLICITY_BOARD", "since": "2014-01-01"}
    )
    photo = _evidence(running, community)
    done = write(running, ATTACH, {"id": row["id"], "ids": [photo, photo]}, secretary(community))
    assert done["errors"] == [] and [e["id"] for e in done["record"]["evidence"]] == [photo]


def test_reads_stay_in_scope(running: Running, codes: list[str], written: Written) -> None:
    community, other = codes[8], codes[9]
    row = written.add(
        ACTIVITY,
        {
            "communityCode": community,
            "kind": "THEME_PARTY_DAY",
            "heldOn": "2014-07-01",
            "title": "主题党日",
            "participants": ["王五"],
        },
    )
    for reader in (VIEWER, secretary(community)):
        assert running.post(running.gateway, ONE, {"id": row["id"]}, identity=reader)["data"][
            "attestedRecord"
        ]
        listed = running.post(
            running.gateway, LIST, {"c": community, "voided": True}, identity=reader
        )
        assert listed["data"]["attestedRecords"]["totalCount"] >= 1
    # Out of scope, or a planner (assessment data is read by the district, streets,
    # secretaries and viewers; planners plan the grid): null and empty, as for unknown ids.
    for outsider in (secretary(other), PLANNER):
        assert (
            running.post(running.gateway, ONE, {"id": row["id"]}, identity=outsider)["data"][
                "attestedRecord"
            ]
            is None
        )
        listed = running.post(
            running.gateway, LIST, {"c": community, "voided": True}, identity=outsider
        )
        assert listed["data"]["attestedRecords"]["totalCount"] == 0


# -- bad input: typed errors, nothing written ---------------------------------------------------


def _training(community: str, **changes: Any) -> dict:
    return {
        "input": {
            "communityCode": community,
            "heldOn": "2014-02-02",
            "form": "CENTRALIZED",
            "topic": "培训",
            "hours": 2,
            "attendeeCount": 3,
            **changes,
        }
    }


BAD = {
    "a future date": ({"heldOn": str(FUTURE)}, "INVALID", ["input", "heldOn"]),
    "no attendee": ({"attendeeCount": 0}, "INVALID", ["input", "attendeeCount"]),
    "fewer than the names": (
        {"attendeeCount": 1, "attendees": ["甲", "乙"]},
        "INVALID",
        ["input", "attendeeCount"],
    ),
    "a blank topic": ({"topic": "  "}, "INVALID", ["input", "topic"]),
    # Postgres refuses a NUL (a DataError, not a typed error) and no control character is text
    # a person wrote.
    "a NUL in the topic": ({"topic": "培\x00训"}, "INVALID", ["input", "topic"]),
    "a control character in a name": (
        {"attendees": ["甲\x07"]},
        "INVALID",
        ["input", "attendees"],
    ),
    "zero hours": ({"hours": 0}, "INVALID", ["input", "hours"]),
    "an unknown evidence id": (
        {"evidenceIds": [str(uuid.uuid4())]},
        "NOT_FOUND",
        ["input", "evidenceIds"],
    ),
    "a malformed evidence id": ({"evidenceIds": ["nope"]}, "INVALID", ["input", "evidenceIds"]),
    # "not a community code" is refused before the write (tests/gateway/auth/test_region_codes.py).
    "a code of no community": (
        {"communityCode": "410104999999"},
        "NOT_FOUND",
        ["input", "communityCode"],
    ),
}


@pytest.mark.parametrize("what", sorted(BAD))
def test_bad_training_is_refused(
    running: Running, codes: list[str], assess_url: str, what: str
) -> None:
    changes, code, field = BAD[what]
    before = counts(assess_url)
    errors = refused(running, TRAINING, _training(codes[0], **changes))
    assert _codes(errors) == [code] and errors[0]["field"] == field
    assert errors[0]["message"] and errors[0]["messageEn"]
    assert counts(assess_url) == before


def test_other_bad_records_are_refused(running: Running, codes: list[str], assess_url: str) -> None:
    community, other = codes[0], codes[1]
    before = counts(assess_url)
    negative = refused(
        running,
        FUNDS,
        {
            "input": {
                "communityCode": community,
                "year": 2012,
                "amount": -1,
                "source": "区财政",
                "allocatedOn": "2012-01-01",
            }
        },
    )
    assert _codes(negative) == ["INVALID"] and negative[0]["field"] == ["input", "amount"]
    room = refused(
        running,
        FACILITY,
        {"input": {"communityCode": community, "facility": "OFFICE", "since": "2013-01-01"}},
    )
    assert room[0]["field"] == ["input", "floorArea"]
    foreign = _evidence(running, other)  # an upload of another community
    after_upload = counts(assess_url)
    errors = refused(
        running,
        WORK_RULE,
        {
            "input": {
                "communityCode": community,
                "adoptedOn": "2013-01-01",
                "evidenceIds": [foreign],
            }
        },
    )
    assert _codes(errors) == ["NOT_FOUND"]
    unknown = refused(
        running,
        FUND_USE,
        {
            "input": {
                "fundsId": str(uuid.uuid4()),
                "spentOn": "2012-01-01",
                "purpose": "x",
                "amount": 1,
            }
        },
    )
    assert _codes(unknown) == ["NOT_FOUND"]
    blank_minutes = refused(
        running,
        SITTING,
        {
            "input": {
                "communityCode": community,
                "system": "JOINT_MEETING",
                "heldOn": "2013-01-01",
                "minutes": " ",
                "attendeeCount": 3,
            }
        },
    )
    assert blank_minutes[0]["field"] == ["input", "minutes"]
    assert counts(assess_url) == {**after_upload}
    assert after_upload["record"] == before["record"]


def test_long_or_control_text_is_refused_not_cut(
    running: Running, codes: list[str], assess_url: str
) -> None:
    """Every record text longer than its limit is refused (INVALID on the field), never cut
    short; a control character other than a line break or tab is refused too. Nothing is
    written."""
    community = next(
        code
        for code in codes
        if running.post(
            running.gateway,
            "query ($c: String!) { residentUnits(communityCode: $c) { id } }",
            {"c": code},
        )["data"]["residentUnits"]
    )
    unit = running.post(
        running.gateway,
        "query ($c: String!) { residentUnits(communityCode: $c) { id } }",
        {"c": community},
    )["data"]["residentUnits"][0]["id"]
    document = _evidence(running, community)  # an agreement needs one
    before = counts(assess_url)
    long = "长" * (MAX_TEXT + 1)
    facility = {"communityCode": community, "facility": "PUBLICITY_BOARD", "since": "2013-01-01"}
    agreement = {
        "communityCode": community,
        "residentUnitId": unit,
        "signedOn": "2013-01-01",
        "evidenceIds": [document],
    }
    sitting = {
        "communityCode": community,
        "system": "JOINT_MEETING",
        "heldOn": "2013-01-01",
        "attendeeCount": 3,
    }
    cases = {
        "a long location": (FACILITY, {**facility, "location": long}, "location"),
        "a long summary": (AGREEMENT, {**agreement, "summary": long}, "summary"),
        "a NUL in the location": (FACILITY, {**facility, "location": "二楼\x00"}, "location"),
        "an escape in the summary": (AGREEMENT, {**agreement, "summary": "\x1b[2J"}, "summary"),
        "a NUL in the minutes": (SITTING, {**sitting, "minutes": "议定\x00事项"}, "minutes"),
    }
    for what, (doc, input, field) in cases.items():
        errors = refused(running, doc, {"input": input})
        assert _codes(errors) == ["INVALID"], (what, errors)
        assert errors[0]["field"] == ["input", field], (what, errors)
        assert errors[0]["message"] and errors[0]["messageEn"]
    assert counts(assess_url) == before
    # At the limit, and with line breaks and tabs, the text is kept whole.
    kept = recorded(running, FACILITY, {**facility, "location": "长" * MAX_TEXT})
    assert kept["details"]["location"] == "长" * MAX_TEXT
    assert write(running, VOID, {"id": kept["id"], "reason": "测试结束"})["errors"] == []
    minutes = "一、议定事项\n\t1. 楼栋党小组"
    sat = recorded(running, SITTING, {**sitting, "minutes": minutes})
    assert sat["details"]["minutes"] == minutes
    assert write(running, VOID, {"id": sat["id"], "reason": "测试结束"})["errors"] == []


def _undated(community: str, funds_id: str, unit_id: str) -> dict[str, tuple[str, dict, str]]:
    """One write of each kind, well formed but for the date (or year) named last."""
    future = str(FUTURE)
    funds = {"communityCode": community, "amount": 1, "source": "区财政"}
    system = {"communityCode": community, "system": "JOINT_MEETING"}
    return {
        "funds allocated": (FUNDS, {**funds, "year": 2012, "allocatedOn": future}, "allocatedOn"),
        "funds of a year after the next": (
            FUNDS,
            {**funds, "year": FUTURE.year + 2, "allocatedOn": "2012-01-01"},
            "year",
        ),
        "funds of a year before 2000": (
            FUNDS,
            {**funds, "year": 1999, "allocatedOn": "2012-01-01"},
            "year",
        ),
        "fund use": (
            FUND_USE,
            {"fundsId": funds_id, "spentOn": future, "purpose": "购置", "amount": 1},
            "spentOn",
        ),
        "facility": (
            FACILITY,
            {"communityCode": community, "facility": "OFFICE", "since": future, "floorArea": 20},
            "since",
        ),
        "work rule": (
            WORK_RULE,
            {"communityCode": community, "adoptedOn": future, "evidenceIds": []},
            "adoptedOn",
        ),
        "training": (TRAINING, _training(community, heldOn=future)["input"], "heldOn"),
        "work system adoption": (
            ADOPTION,
            {**system, "adoptedOn": future, "evidenceIds": []},
            "adoptedOn",
        ),
        "sitting": (
            SITTING,
            {**system, "heldOn": future, "minutes": "议定事项", "attendeeCount": 3},
            "heldOn",
        ),
        "activity": (
            ACTIVITY,
            {
                "communityCode": community,
                "kind": "SHUANGCHUANG_SHUANGZHENG",
                "heldOn": future,
                "title": "双创双争",
                "participantCount": 3,
            },
            "heldOn",
        ),
        "agreement": (
            AGREEMENT,
            {
                "communityCode": community,
                "residentUnitId": unit_id,
                "signedOn": future,
                "evidenceIds": [],
            },
            "signedOn",
        ),
    }


def test_no_kind_of_record_takes_a_future_date(
    running: Running, codes: list[str], written: Written, assess_url: str
) -> None:
    """DOMAIN: a record says what happened, so no kind of record is dated in the future; a
    budget year runs from 2000 to the next one (funds may be granted in advance). Refused
    with INVALID on the field, nothing written (services/assess/shared/dates.py)."""
    units = {
        code: running.post(
            running.gateway,
            "query ($c: String!) { residentUnits(communityCode: $c) { id } }",
            {"c": code},
        )["data"]["residentUnits"]
        for code in codes
    }
    community = next(code for code in codes if units[code])
    funds = written.add(
        FUNDS,
        {
            "communityCode": community,
            "year": 2012,
            "amount": 100,
            "source": "区财政",
            "allocatedOn": "2012-01-05",
        },
    )
    before = counts(assess_url)
    cases = _undated(community, funds["id"], units[community][0]["id"])
    for what, (document, input, field) in cases.items():
        errors = refused(running, document, {"input": input})
        assert _codes(errors) == ["INVALID"], (what, errors)
        assert errors[0]["field"] == ["input", field], (what, errors)
        assert errors[0]["message"] and errors[0]["messageEn"]
    assert counts(assess_url) == before


def test_writes_need_a_writer_in_scope(running: Running, codes: list[str], assess_url: str) -> None:
    community, other = codes[0], codes[1]
    before = counts(assess_url)
    assert forbidden(running, TRAINING, _training(community), secretary(other)) == "scope"
    apart = [c for c in codes if c[:9] != community[:9]]
    if apart:  # a street office of another street
        assert forbidden(running, TRAINING, _training(community), street(apart[0])) == "scope"
    assert forbidden(running, TRAINING, _training(community), VIEWER) == "role"
    assert forbidden(running, TRAINING, _training(community), PLANNER) == "role"
    assert counts(assess_url) == before
