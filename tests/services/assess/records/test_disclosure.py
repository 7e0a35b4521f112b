"""党务公开 postings (kind `disclosure`): a record kind added as data (services/assess/records/kinds.py).

Plan (一、三): the Party affairs disclosure board (党务公开栏) is one of the five facilities; a
posting is what appears on it — the date, the topic, where it was posted, and a photo of it
as evidence (an image: a PDF or a document is no photo). Through the real gateway, subgraphs
and database; every refusal is typed and writes nothing. Dated 2016, which no other test uses.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from records_api import (
    ATTACH,
    FUTURE,
    LIST,
    VOID,
    communities,
    counts,
    jpeg,
    mutation,
    pdf,
    png,
    recorded,
    refused,
    secretary,
    uploaded,
    write,
)

from infra.setup import Prepared
from stack import Running

DISCLOSURE = mutation("recordDisclosure", "RecordDisclosureInput")


@pytest.fixture(scope="module")
def community(running: Running) -> str:
    return communities(running)[3]


@pytest.fixture
def assess_url(prepared: Prepared) -> str:
    return prepared.database.service_urls["assess"]


def _posting(community: str, photos: list[str], **changes: Any) -> dict[str, Any]:
    return {
        "communityCode": community,
        "postedOn": "2016-04-01",
        "topic": "2016年第一季度党费收缴情况",
        "postedAt": "社区党务公开栏",
        "evidenceIds": photos,
        **changes,
    }


def _listed(running: Running, community: str, *, voided: bool) -> list[str]:
    body = running.post(
        running.gateway, LIST, {"c": community, "kind": "DISCLOSURE", "voided": voided}
    )
    return [n["id"] for n in body["data"]["attestedRecords"]["nodes"]]


def test_a_posting_with_its_photo_is_recorded_listed_and_voided(
    running: Running, community: str, assess_url: str
) -> None:
    photo = uploaded(running, png(), community, name="公开栏.png")
    row = recorded(
        running,
        DISCLOSURE,
        _posting(community, [photo["id"]], topic="  2016年第一季度党费收缴情况 "),
        secretary(community),
    )
    assert row["kind"] == "DISCLOSURE" and row["communityCode"] == community
    assert row["occurredOn"] == "2016-04-01" and row["year"] == 2016
    assert row["details"] == {"topic": "2016年第一季度党费收缴情况", "posted_at": "社区党务公开栏"}
    assert [(e["id"], e["mediaType"]) for e in row["evidence"]] == [(photo["id"], "image/png")]
    assert row["subject"] is None and row["amount"] is None and not row["voided"]
    # A JPEG is a photo too, attached later.
    other = uploaded(running, jpeg(), community)
    attached = write(running, ATTACH, {"id": row["id"], "ids": [other["id"]]})
    assert attached["errors"] == []
    assert [e["mediaType"] for e in attached["record"]["evidence"]] == ["image/png", "image/jpeg"]
    assert row["id"] in _listed(running, community, voided=False)
    # It voids like any record: kept for audit, no longer live.
    done = write(running, VOID, {"id": row["id"], "reason": "日期录错"})
    assert done["errors"] == [] and done["record"]["voided"]
    assert row["id"] not in _listed(running, community, voided=False)
    assert row["id"] in _listed(running, community, voided=True)


def _bad(community: str, photo: str, document: str, foreign: str) -> dict[str, tuple]:
    """Each bad posting: its input, the error code and the field it names."""
    return {
        "a future date": (
            _posting(community, [photo], postedOn=str(FUTURE)),
            "INVALID",
            ["input", "postedOn"],
        ),
        "a blank topic": (_posting(community, [photo], topic="  "), "INVALID", ["input", "topic"]),
        "no place": (_posting(community, [photo], postedAt=""), "INVALID", ["input", "postedAt"]),
        "no evidence": (_posting(community, []), "INVALID", ["input", "evidenceIds"]),
        "a PDF as the photo": (
            _posting(community, [document]),
            "INVALID",
            ["input", "evidenceIds"],
        ),
        "a photo and a PDF": (
            _posting(community, [photo, document]),
            "INVALID",
            ["input", "evidenceIds"],
        ),
        "a photo of another community": (
            _posting(community, [foreign]),
            "NOT_FOUND",
            ["input", "evidenceIds"],
        ),
        "an unknown photo": (
            _posting(community, [str(uuid.uuid4())]),
            "NOT_FOUND",
            ["input", "evidenceIds"],
        ),
    }


def test_bad_postings_are_refused_and_write_nothing(
    running: Running, community: str, assess_url: str
) -> None:
    others = [c for c in communities(running) if c != community]
    photo = uploaded(running, png(), community)["id"]
    document = uploaded(running, pdf(), community)["id"]
    foreign = uploaded(running, png(), others[0])["id"]
    before = counts(assess_url)
    for what, (input, code, field) in _bad(community, photo, document, foreign).items():
        errors = refused(running, DISCLOSURE, {"input": input})
        assert [e["code"] for e in errors] == [code], (what, errors)
        assert errors[0]["field"] == field, (what, errors)
        assert errors[0]["message"] and errors[0]["messageEn"], (what, errors)
    assert counts(assess_url) == before


def test_a_pdf_attached_later_is_refused_too(
    running: Running, community: str, assess_url: str
) -> None:
    """The photo rule holds wherever evidence is linked to a posting, not only when it is
    recorded."""
    photo = uploaded(running, png(), community)["id"]
    document = uploaded(running, pdf(), community)["id"]
    row = recorded(running, DISCLOSURE, _posting(community, [photo]))
    try:
        before = counts(assess_url)
        errors = refused(running, ATTACH, {"id": row["id"], "ids": [document]})
        assert [e["code"] for e in errors] == ["INVALID"] and errors[0]["field"] == ["evidenceIds"]
        assert counts(assess_url) == before
    finally:
        assert write(running, VOID, {"id": row["id"], "reason": "测试结束"})["errors"] == []
