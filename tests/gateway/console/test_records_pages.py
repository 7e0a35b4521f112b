"""The records pages (issue 16, "Records and evidence"): a record written from its form with
files uploaded from the browser, read back through the graph; each refusal (a file of the
wrong type, too large, a date in the future, voiding without a reason) shown beside the field
it names, in Chinese, with nothing written; no form for a viewer; what was typed comes back
escaped.

Every record these tests write is voided before the test ends (a voided record counts for
nothing), so the demo community's grading reads as before. Each test's minutes carry a tag of
their own, so no test reads another's records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from console_client import SignIn, csrf_of
from evidence_files import pdf

from gateway.console.labels import LABELS
from gateway.console.templating import file_size, when
from services.common.auth import Identity, Role
from stack import Running

LIST = """query ($c: String!) { attestedRecords(communityCode: $c, kind: SITTING,
  includeVoided: true, first: 200) { nodes { id details voided voidReason recordedAt
  evidence { id name sha256 mediaType size uploadedAt } } } }"""
PLACE = "query ($c: String!) { community(code: $c) { code name nameEn } }"
SITTING = """mutation ($input: RecordSittingInput!) { recordSitting(input: $input) {
  record { id } errors { code message messageEn field } } }"""
VOID = """mutation ($id: ID!, $reason: String!) { voidRecord(id: $id, reason: $reason) {
  record { id } errors { message } } }"""
YESTERDAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()


@pytest.fixture(scope="module")
def community(signed_in: SignIn) -> str:
    """The secretary's community, as its navigation links it."""
    html = signed_in("demo-secretary").get("/console").text
    found = re.search(r'href="/console/records/(\d{12})" data-nav="nav_records"', html)
    assert found, "no records link for the secretary"
    return found.group(1)


@pytest.fixture
def tag() -> str:
    return f"测试-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def graph(running: Running, community: str) -> Iterator[Any]:
    """Reads and writes through the graph as the community's secretary; at the end every
    sitting a test tagged is voided (kept for audit, counting for nothing)."""
    reader = Identity("test-records", Role.SECRETARY, community)
    tags: list[str] = []

    class Graph:
        @staticmethod
        def post(query: str, variables: dict[str, Any]) -> dict[str, Any]:
            return running.post(running.gateway, query, variables, identity=reader)

        @staticmethod
        def sittings(marker: str) -> list[dict[str, Any]]:
            tags.append(marker)
            return tagged(marker)

    def tagged(marker: str) -> list[dict[str, Any]]:
        nodes = Graph.post(LIST, {"c": community})["data"]["attestedRecords"]["nodes"]
        return [n for n in nodes if marker in n["details"].get("minutes", "")]

    yield Graph
    for marker in set(tags):
        for node in tagged(marker):
            if not node["voided"]:
                Graph.post(VOID, {"id": node["id"], "reason": "测试后作废"})


def _form_page(client: httpx.Client, community: str, kind: str = "sitting") -> str:
    page = client.get(f"/console/records/{community}/new/{kind}")
    assert page.status_code == 200, page.text
    return page.text


def _post_sitting(
    client: httpx.Client, site: str, community: str, fields: dict[str, str], files: Any
) -> httpx.Response:
    token = csrf_of(_form_page(client, community))
    return client.post(
        f"/console/records/{community}/new/sitting",
        data={"csrf": token, **fields},
        files=files,
        headers={"origin": site},
        follow_redirects=False,
    )


def _field(html: str, name: str) -> str:
    """The form's paragraph of the field `name` (its label, control and error)."""
    for block in re.findall(r'<p class="field">.*?</p>', html, flags=re.S):
        if f'name="{name}"' in block:
            return block
    raise AssertionError(f"no field {name}")


def _sitting(tag: str, **more: str) -> dict[str, str]:
    fields = {"system": "DELIBERATION", "heldOn": YESTERDAY, "minutes": f"会议记录 {tag}"}
    return {**fields, "attendeeCount": "3", **more}


def test_a_sitting_with_a_pdf_is_recorded_and_its_file_kept(
    signed_in: SignIn, site: str, community: str, graph: Any, tag: str
) -> None:
    client = signed_in("demo-secretary")
    data = pdf()
    answer = _post_sitting(
        client,
        site,
        community,
        _sitting(tag, attendees="张三\n李四", attendeeCount="5"),
        [("evidenceIds", ("会议纪要.pdf", data, "application/pdf"))],
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/console/records/{community}?saved=SITTING"
    (record,) = graph.sittings(tag)
    assert record["details"]["attendees"] == {"count": 5, "names": ["张三", "李四"]}
    (file,) = record["evidence"]
    assert file["sha256"] == hashlib.sha256(data).hexdigest()
    assert file["mediaType"] == "application/pdf" and file["name"] == "会议纪要.pdf"
    listed = client.get(f"/console/records/{community}?kind=SITTING").text
    row = re.search(rf'<tr data-record="{record["id"]}".*?</tr>', listed, flags=re.S)
    assert row, "the new record is not listed"
    assert f'href="/files/evidence/{file["id"]}" hx-boost="false"' in row.group(0)
    assert client.get(f"/files/evidence/{file['id']}").content == data
    # Times in the district's zone to the minute, the file by its type's name and its size.
    assert when(record["recordedAt"]) in row.group(0)
    evidence = client.get(f"/console/records/{community}/evidence").text
    shown = re.search(rf'<tr data-evidence="{file["id"]}">.*?</tr>', evidence, flags=re.S)
    assert shown, "the file is not listed"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", shown.group(0), flags=re.S)
    assert cells[1:3] == ["PDF", file_size(file["size"])]
    assert cells[4] == when(file["uploadedAt"])


def test_a_file_of_a_wrong_type_is_refused_beside_the_file_field(
    signed_in: SignIn, site: str, running: Running, community: str, graph: Any, tag: str
) -> None:
    text = f"not a pdf {tag}".encode()
    # What assess says of these bytes, asked through the gateway's own door for files.
    direct = httpx.post(
        running.gateway.removesuffix("/graphql") + "/files/evidence",
        params={"community": community, "name": "x.pdf"},
        content=text,
        headers={
            **running.headers(running.gateway, Identity("t", Role.SECRETARY, community)),
            "content-type": "application/octet-stream",
        },
    )
    assert direct.status_code == 415
    message = direct.json()["errors"][0]["message"]
    answer = _post_sitting(
        signed_in("demo-secretary"),
        site,
        community,
        _sitting(tag),
        [("evidenceIds", ("纪要.pdf", text, "application/pdf"))],
    )
    assert answer.status_code == 400
    beside = _field(answer.text, "evidenceIds")
    assert 'class="field-error"' in beside and message in beside
    assert "纪要.pdf" in beside
    assert 'aria-invalid="true"' in beside
    assert graph.sittings(tag) == []


def test_a_file_too_large_is_refused_beside_the_file_field_and_not_sent(
    signed_in: SignIn, site: str, running: Running, community: str, graph: Any, tag: str
) -> None:
    limit = 10 * 1024 * 1024  # the suite runs the gateway with the default cap
    big = pdf() + b"0" * (limit + 1)
    answer = _post_sitting(
        signed_in("demo-secretary"),
        site,
        community,
        _sitting(tag),
        [("evidenceIds", ("大文件.pdf", big, "application/pdf"))],
    )
    assert answer.status_code == 400
    beside = _field(answer.text, "evidenceIds")
    assert "文件过大：不能超过10MB" in beside
    assert graph.sittings(tag) == []
    # Not sent to assess either: no evidence of that content in the community.
    digest = hashlib.sha256(big).hexdigest()
    assert digest not in answer.text


def test_a_date_in_the_future_is_refused_beside_its_field(
    signed_in: SignIn, site: str, community: str, graph: Any, tag: str
) -> None:
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    fields = _sitting(tag, heldOn=future)
    refused = graph.post(
        SITTING,
        {
            "input": {
                "communityCode": community,
                "system": "DELIBERATION",
                "heldOn": future,
                "minutes": fields["minutes"],
            }
        },
    )["data"]["recordSitting"]["errors"]
    (error,) = refused
    assert error["field"] == ["input", "heldOn"]
    answer = _post_sitting(signed_in("demo-secretary"), site, community, fields, None)
    assert answer.status_code == 400
    beside = _field(answer.text, "heldOn")
    assert error["message"] in beside and 'aria-invalid="true"' in beside
    assert f'value="{future}"' in beside  # what was typed is kept
    assert error["message"] not in _field(answer.text, "minutes")
    assert graph.sittings(tag) == []


def test_a_record_refused_after_its_files_were_kept_offers_them_again(
    signed_in: SignIn, site: str, community: str, graph: Any, tag: str
) -> None:
    client = signed_in("demo-secretary")
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    data = pdf()
    refused = _post_sitting(
        client,
        site,
        community,
        _sitting(tag, heldOn=future),
        [("evidenceIds", ("纪要.pdf", data, "application/pdf"))],
    )
    assert refused.status_code == 400
    kept = re.findall(r'name="kept" value="([^"]+)"', refused.text)
    assert len(kept) == 1 and graph.sittings(tag) == []
    # Corrected, without choosing the file again: the record takes the file kept.
    answer = client.post(
        f"/console/records/{community}/new/sitting",
        data={"csrf": csrf_of(refused.text), **_sitting(tag), "kept": kept[0]},
        headers={"origin": site},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    (record,) = graph.sittings(tag)
    assert [f["sha256"] for f in record["evidence"]] == [hashlib.sha256(data).hexdigest()]


def test_voiding_needs_a_reason_then_voids(
    signed_in: SignIn, site: str, community: str, graph: Any, tag: str
) -> None:
    client = signed_in("demo-secretary")
    written = _post_sitting(client, site, community, _sitting(tag, attendeeCount="3"), None)
    assert written.status_code == 303, written.text
    (record,) = graph.sittings(tag)
    path = f"/console/records/{community}/void/{record['id']}"
    form = client.get(path)
    assert form.status_code == 200 and "data-void-form" in form.text
    empty = client.post(
        path, data={"csrf": csrf_of(form.text), "reason": "  "}, headers={"origin": site}
    )
    assert empty.status_code == 400
    (expected,) = graph.post(VOID, {"id": record["id"], "reason": "  "})["data"]["voidRecord"][
        "errors"
    ]
    beside = _field(empty.text, "reason")
    assert 'class="field-error"' in beside and expected["message"] in beside
    assert graph.sittings(tag)[0]["voided"] is False
    reason = f"重复登记 <b>{tag}</b>"
    done = client.post(
        path,
        data={"csrf": csrf_of(form.text), "reason": reason},
        headers={"origin": site},
        follow_redirects=False,
    )
    assert done.status_code == 303
    (voided,) = graph.sittings(tag)
    assert voided["voided"] is True and voided["voidReason"] == reason
    listed = client.get(f"/console/records/{community}?kind=SITTING&voided=1").text
    assert f"重复登记 &lt;b&gt;{tag}&lt;/b&gt;" in listed and f"<b>{tag}" not in listed
    # The record under a community outside the caller's region: refused before any read.
    other = community[:-1] + ("2" if community[-1] != "2" else "3")
    assert client.get(f"/console/records/{other}/void/{record['id']}").status_code == 403


def test_what_was_typed_comes_back_escaped(
    signed_in: SignIn, site: str, community: str, graph: Any, tag: str
) -> None:
    client = signed_in("demo-secretary")
    minutes = f'<script>alert(1)</script> "><img src=x> {tag}'
    answer = _post_sitting(
        client, site, community, _sitting(tag, minutes=minutes, attendees='"><img src=y>'), None
    )
    assert answer.status_code == 303, answer.text
    (record,) = graph.sittings(tag)
    assert record["details"]["minutes"] == minutes
    html = client.get(f"/console/records/{community}?kind=SITTING").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html and "<img src=x>" not in html
    assert "<img src=y>" not in html
    # And in a refused form shown again with what was typed.
    refused = _post_sitting(
        client, site, community, _sitting(tag, minutes=minutes, heldOn="2999-01-01"), None
    )
    assert refused.status_code == 400
    assert "<script>alert(1)" not in refused.text and "&lt;script&gt;" in refused.text


def test_a_viewer_sees_the_records_but_no_form(
    signed_in: SignIn, site: str, community: str, graph: Any, tag: str
) -> None:
    viewer = signed_in("demo-viewer")
    listed = viewer.get(f"/console/records/{community}")
    assert listed.status_code == 200
    assert "data-records" in listed.text
    assert '<form method="post"' not in listed.text.split("</header>", 1)[1]
    assert "data-new-records" not in listed.text and "data-void=" not in listed.text
    assert viewer.get(f"/console/records/{community}/new/sitting").status_code == 403
    token = csrf_of(listed.text)
    posted = viewer.post(
        f"/console/records/{community}/new/sitting",
        data={"csrf": token, **_sitting(tag)},
        headers={"origin": site},
    )
    assert posted.status_code == 403
    assert graph.sittings(tag) == []
    # The secretary, who may write, is shown every kind's form.
    secretary = signed_in("demo-secretary").get(f"/console/records/{community}").text
    assert "data-new-records" in secretary


@pytest.mark.parametrize(
    "kind",
    [
        "funds",
        "fund_use",
        "facility",
        "work_rule",
        "training",
        "work_system",
        "activity",
        "agreement",
        "disclosure",
    ],
)
def test_every_kinds_form_opens(signed_in: SignIn, community: str, kind: str) -> None:
    html = _form_page(signed_in("demo-secretary"), community, kind)
    assert f'data-record-form="{kind.upper()}"' in html
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html


def test_outside_the_callers_community_is_refused(signed_in: SignIn, community: str) -> None:
    client = signed_in("demo-secretary")
    other = community[:-1] + ("2" if community[-1] != "2" else "3")
    assert client.get(f"/console/records/{other}").status_code == 403
    assert client.get(f"/console/records/{community}/new/nothing").status_code == 404
    assert client.get(f"/console/records/{community}/void/not-an-id").status_code == 404
    assert client.get(f"/console/records/{community}/void/{uuid.uuid4()}").status_code == 404
    # A street's code, in the street user's region, is no community.
    assert signed_in("demo-street").get(f"/console/records/{community[:9]}").status_code == 404
    assert signed_in("demo-street").get(f"/console/records/{community}").status_code == 200


def test_what_graphql_would_refuse_unseen_is_an_error_beside_its_field(
    signed_in: SignIn, site: str, community: str, graph: Any, tag: str
) -> None:
    fields = _sitting(tag, heldOn="", attendeeCount="五", system="NO_SUCH_SYSTEM")
    answer = _post_sitting(signed_in("demo-secretary"), site, community, fields, None)
    assert answer.status_code == 400
    words = LABELS["zh"]
    assert words["rec_field_required"] in _field(answer.text, "heldOn")
    assert words["rec_not_a_number"] in _field(answer.text, "attendeeCount")
    assert words["rec_field_required"] in _field(answer.text, "system")
    assert graph.sittings(tag) == []
    bad_date = _post_sitting(
        signed_in("demo-secretary"), site, community, _sitting(tag, heldOn="2026-02-30"), None
    )
    assert words["rec_not_a_date"] in _field(bad_date.text, "heldOn")
    assert graph.sittings(tag) == []


DISCLOSURES = """query ($c: String!) { attestedRecords(communityCode: $c, kind: DISCLOSURE,
  includeVoided: true, first: 200) { nodes { id details } } }"""
DISCLOSE = """mutation ($input: RecordDisclosureInput!) { recordDisclosure(input: $input) {
  record { id } errors { message field } } }"""


def test_a_refusal_of_the_records_evidence_is_shown_beside_the_file_field(
    signed_in: SignIn, site: str, running: Running, community: str, graph: Any, tag: str
) -> None:
    """A 党务公开 posting takes a photo: a PDF, kept by assess as a file, is refused by the
    record's mutation, beside the file field; no record is written (the file stays uploaded,
    unattached, and is offered again with the form)."""
    client = signed_in("demo-secretary")
    token = csrf_of(_form_page(client, community, "disclosure"))
    data = pdf()
    fields = {"postedOn": YESTERDAY, "topic": f"公开 {tag}", "postedAt": "社区党务公开栏"}
    answer = client.post(
        f"/console/records/{community}/new/disclosure",
        data={"csrf": token, **fields},
        files=[("evidenceIds", ("公开栏.pdf", data, "application/pdf"))],
        headers={"origin": site},
        follow_redirects=False,
    )
    assert answer.status_code == 400
    (kept,) = re.findall(r'name="kept" value="([^"]+)"', answer.text)
    (expected,) = graph.post(
        DISCLOSE, {"input": {"communityCode": community, **fields, "evidenceIds": [kept]}}
    )["data"]["recordDisclosure"]["errors"]
    assert expected["field"][-1] == "evidenceIds"
    assert expected["message"] in _field(answer.text, "evidenceIds")
    nodes = graph.post(DISCLOSURES, {"c": community})["data"]["attestedRecords"]["nodes"]
    assert [n for n in nodes if tag in n["details"].get("topic", "")] == []


def test_the_pages_name_their_community_in_the_pages_language(
    signed_in: SignIn, graph: Any, community: str
) -> None:
    place = graph.post(PLACE, {"c": community})["data"]["community"]
    client = signed_in("demo-secretary")
    for path in ("", "/evidence", "/new/sitting"):
        for lang, name in (("zh", place["name"]), ("en", place["nameEn"])):
            page = client.get(f"/console/records/{community}{path}", params={"lang": lang}).text
            heading = re.search(r"<h1>.*?</h1>", page, flags=re.S)
            assert heading and name in heading.group(0) and community not in heading.group(0)


def test_the_pages_speak_english_on_request(signed_in: SignIn, community: str) -> None:
    client = signed_in("demo-secretary")
    listed = client.get(f"/console/records/{community}?lang=en").text
    assert LABELS["en"]["rec_title"] in listed and LABELS["zh"]["rec_title"] not in listed
    form = client.get(f"/console/records/{community}/new/sitting?lang=en").text
    assert LABELS["en"]["rec_f_minutes"] in form
    assert '<input type="hidden" name="lang" value="en">' in form


def test_several_files_each_within_the_cap_are_kept_together(
    signed_in: SignIn, site: str, community: str, graph: Any, tag: str
) -> None:
    """The rule is per file: two files whose sum exceeds one file's cap go through."""
    limit = 10 * 1024 * 1024  # the suite runs the gateway with the default cap
    files = [pdf() + b"%" * (limit // 2 + 256 * 1024) for _ in range(2)]
    answer = _post_sitting(
        signed_in("demo-secretary"),
        site,
        community,
        _sitting(tag),
        [
            ("evidenceIds", (f"第{n}部分.pdf", data, "application/pdf"))
            for n, data in enumerate(files)
        ],
    )
    assert answer.status_code == 303, answer.text[:2000]
    (record,) = graph.sittings(tag)
    assert sorted(f["sha256"] for f in record["evidence"]) == sorted(
        hashlib.sha256(data).hexdigest() for data in files
    )


ALL = """query ($c: String!) { attestedRecords(communityCode: $c, includeVoided: true, first: 200) {
  nodes { id kind voided details evidence { sha256 } } } }"""


def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + uuid.uuid4().bytes + b"\x00" * 16


def _option(html: str, name: str, text: str = "") -> str:
    """The value of the first option of select `name` whose text holds `text`."""
    select = re.search(rf'<select id="f-{name}" name="{name}".*?</select>', html, flags=re.S)
    assert select, f"no select {name}"
    for value, shown in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)<', select.group(0)):
        if value and text in shown:
            return value
    raise AssertionError(f"no option of {name} with {text!r}")


def test_every_kind_is_recorded_from_its_form(
    signed_in: SignIn, site: str, community: str, graph: Any, tag: str
) -> None:
    """Each of the ten forms, made from the one table, writes its record (then voided)."""
    client = signed_in("demo-secretary")
    year = str(dt.date.today().year)
    known = {n["id"] for n in graph.post(ALL, {"c": community})["data"]["attestedRecords"]["nodes"]}
    written: list[dict[str, Any]] = []

    def record(kind: str, fields: Any, files: tuple[tuple[str, bytes], ...] = ()) -> dict[str, Any]:
        html = _form_page(client, community, kind)
        answer = client.post(
            f"/console/records/{community}/new/{kind}",
            data={"csrf": csrf_of(html), **fields(html)},
            files=[("evidenceIds", file) for file in files] or None,
            headers={"origin": site},
            follow_redirects=False,
        )
        assert answer.status_code == 303, (
            kind,
            re.findall(r"field-error[^>]*>([^<]*)", answer.text),
        )
        nodes = graph.post(ALL, {"c": community})["data"]["attestedRecords"]["nodes"]
        (new,) = [n for n in nodes if n["id"] not in known]
        known.add(new["id"])
        written.append(new)
        assert new["kind"] == kind.upper()
        assert [f["sha256"] for f in new["evidence"]] == [
            hashlib.sha256(data).hexdigest() for _, data in files
        ]
        return new

    try:
        record(
            "funds",
            lambda html: {
                "year": year,
                "amount": "1000",
                "source": f"区财政 {tag}",
                "allocatedOn": YESTERDAY,
            },
        )
        record(
            "fund_use",
            lambda html: {
                "fundsId": _option(html, "fundsId", tag),
                "spentOn": YESTERDAY,
                "purpose": f"购置书籍 {tag}",
                "amount": "200",
            },
        )
        record(
            "facility",
            lambda html: {
                "facility": "MEETING_ROOM",
                "since": YESTERDAY,
                "floorArea": "45.5",
                "location": f"二楼 {tag}",
            },
        )
        record("work_rule", lambda html: {"adoptedOn": YESTERDAY}, (("规则.pdf", pdf()),))
        record(
            "training",
            lambda html: {
                "heldOn": YESTERDAY,
                "form": "CENTRALIZED",
                "topic": f"党务 {tag}",
                "hours": "2.5",
                "attendees": "张三\n李四",
            },
        )
        record(
            "work_system",
            lambda html: {"system": "DEMOCRATIC_EVALUATION", "adoptedOn": YESTERDAY},
            (("制度.pdf", pdf()),),
        )
        record(
            "activity",
            lambda html: {
                "kind": "THEME_PARTY_DAY",
                "heldOn": YESTERDAY,
                "title": f"主题党日 {tag}",
                "participantCount": "12",
            },
        )
        record(
            "agreement",
            lambda html: {
                "residentUnitId": _option(html, "residentUnitId"),
                "signedOn": YESTERDAY,
                "summary": f"共建 {tag}",
            },
            (("协议.pdf", pdf()),),
        )
        record(
            "disclosure",
            lambda html: {
                "postedOn": YESTERDAY,
                "topic": f"公开 {tag}",
                "postedAt": "社区党务公开栏",
            },
            (("公开栏.png", _png()),),
        )
        record(
            "sitting",
            lambda html: _sitting(tag),
        )
        assert len(written) == 10
    finally:
        for new in reversed(written):  # a fund use before its funds
            graph.post(VOID, {"id": new["id"], "reason": "测试后作废"})


DEMO_STREET = "410104001"  # demo-street's, holding demo-secretary's community
FUNDS = """mutation ($input: RecordFundsInput!) { recordFunds(input: $input) {
  record { id } errors { message field } } }"""


def test_funds_of_another_community_are_refused_beside_the_funds_and_nothing_written(
    running: Running, signed_in: SignIn, site: str, community: str, tag: str
) -> None:
    # A fund use is recorded in its funds' community: the street could post, on A's page,
    # funds of B and write to B while A's page said "saved". The form offers A's funds only.
    street = Identity("test-street", Role.STREET, DEMO_STREET)

    def ask(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        return running.post(running.gateway, query, variables, identity=street)

    others = ask("query ($s: String!) { communities(regionCode: $s) { code } }", {"s": DEMO_STREET})
    other = next(c["code"] for c in others["data"]["communities"] if c["code"] != community)
    made = ask(FUNDS, {"input": {"communityCode": other, "year": dt.date.today().year,
                                 "amount": 10.0, "source": f"测试 {tag}",
                                 "allocatedOn": YESTERDAY, "evidenceIds": []}})  # fmt: skip
    funds = made["data"]["recordFunds"]["record"]["id"]
    before = ask(ALL, {"c": other})["data"]["attestedRecords"]["nodes"]
    client = signed_in("demo-street")
    html = _form_page(client, community, "fund_use")
    fields = {"fundsId": funds, "spentOn": YESTERDAY, "purpose": f"购置 {tag}", "amount": "1"}
    try:
        answer = client.post(
            f"/console/records/{community}/new/fund_use",
            data={"csrf": csrf_of(html), **fields},
            headers={"origin": site},
            follow_redirects=False,
        )
        after = ask(ALL, {"c": other})["data"]["attestedRecords"]["nodes"]
        assert answer.status_code == 400
        assert LABELS["zh"]["form_not_offered"] in _field(answer.text, "fundsId")
        assert after == before
    finally:
        after = ask(ALL, {"c": other})["data"]["attestedRecords"]["nodes"]
        for new in [n for n in after if n not in before]:  # a use written anyway, first
            ask(VOID, {"id": new["id"], "reason": "测试后作废"})
        ask(VOID, {"id": funds, "reason": "测试后作废"})
