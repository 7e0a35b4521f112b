"""Evidence files through the gateway's /files/evidence and assess's guarded /evidence.

Issue 7: "evidence files stored safely (size and type limits)"; bad input: "evidence files
too large or of a forbidden type: typed errors, nothing written". The type is read from the
bytes (never the name or declared type), the content is kept once by its SHA-256, and it is
served back as an attachment, with nosniff, to callers in its scope only.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable

import httpx
import pytest
from records_api import (
    EVIDENCE,
    PLANNER,
    VIEWER,
    communities,
    counts,
    docx,
    download,
    jpeg,
    office_zip,
    pdf,
    png,
    secretary,
    street,
    upload,
    uploaded,
    xlsx,
)

from infra.setup import Prepared
from services.assess.records.evidence import DEFAULT_MAX_BYTES, DOCX, JPEG, PDF, PNG, XLSX
from stack import DISTRICT, Running


@pytest.fixture(scope="module")
def two(running: Running) -> tuple[str, str]:
    """Two communities of the demo district (from the graph): one written, one apart."""
    codes = communities(running)
    return codes[0], codes[-1]


@pytest.fixture
def assess_url(prepared: Prepared) -> str:
    return prepared.database.service_urls["assess"]


def test_an_upload_is_kept_once_and_served_back_as_an_attachment(
    running: Running, two: tuple[str, str], assess_url: str
) -> None:
    community, _ = two
    data = pdf()
    before = counts(assess_url)
    # The uploader's name may carry a path: only its last part is shown, never used as a path.
    first = uploaded(
        running, data, community, name="C:\\会议\\工作规则.pdf", identity=secretary(community)
    )
    assert first["mediaType"] == PDF and first["size"] == len(data)
    assert first["sha256"] == hashlib.sha256(data).hexdigest()
    assert first["name"] == "工作规则.pdf" and first["communityCode"] == community
    # The same bytes again for the community: the same evidence, nothing new stored.
    again = uploaded(running, data, community, name="copy.pdf", identity=street(community))
    assert again["id"] == first["id"]
    after = counts(assess_url)
    assert after["evidence"] == before["evidence"] + 1
    assert after["evidence_blob"] == before["evidence_blob"] + 1

    served = download(running, first["id"], secretary(community))
    assert served.status_code == 200 and served.content == data
    assert served.headers["content-type"] == PDF
    assert served.headers["x-content-type-options"] == "nosniff"
    disposition = served.headers["content-disposition"]
    assert disposition.startswith("attachment;") and ".pdf" in disposition
    # Its description in the graph, for a reader of the district.
    described = running.post(running.gateway, EVIDENCE, {"id": first["id"]}, identity=VIEWER)
    assert described["data"]["evidenceFile"]["sha256"] == first["sha256"]


@pytest.mark.parametrize(
    ("make", "media_type", "sent_name", "shown"),
    [
        (png, PNG, "photo.exe", "photo.png"),
        (jpeg, JPEG, "扫描件", "扫描件.jpg"),
        (xlsx, XLSX, "签到表.pdf", "签到表.xlsx"),
        (docx, DOCX, "../../etc/passwd", "passwd.docx"),
    ],
)
def test_the_type_comes_from_the_bytes_not_the_name(
    running: Running,
    two: tuple[str, str],
    make: Callable[[], bytes],
    media_type: str,
    sent_name: str,
    shown: str,
) -> None:
    community, _ = two
    data = make()
    found = uploaded(running, data, community, name=sent_name, content_type="application/pdf")
    assert found["mediaType"] == media_type and found["name"] == shown
    served = download(running, found["id"], DISTRICT)
    assert served.content == data and served.headers["content-type"] == media_type


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
FORBIDDEN = {
    "an .exe renamed .pdf": EXE,
    "HTML": b"<html><body><script>alert(1)</script></body></html>",
    "SVG with a script": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "plain text": "会议记录：无".encode(),
    "a GIF": b"GIF89a" + b"\x00" * 40,
    "a plain zip": office_zip({"notes.txt": "hello"}),
    "a macro-enabled Word file": office_zip(
        {
            "[Content_Types].xml": "<Types/>",
            "word/document.xml": "<w:document/>",
            "word/vbaProject.bin": "macro",
        }
    ),
}


@pytest.mark.parametrize("what", sorted(FORBIDDEN))
def test_a_forbidden_type_is_refused_and_nothing_is_stored(
    running: Running, two: tuple[str, str], assess_url: str, what: str
) -> None:
    community, _ = two
    before = counts(assess_url)
    response = upload(running, FORBIDDEN[what], community, name="evidence.pdf")
    assert response.status_code == 415, response.text
    (error,) = response.json()["errors"]
    assert error["code"] == "INVALID" and "PDF" in error["message"]
    assert counts(assess_url) == before


def test_an_empty_file_is_refused(running: Running, two: tuple[str, str], assess_url: str) -> None:
    before = counts(assess_url)
    response = upload(running, b"", two[0])
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "INVALID"
    assert counts(assess_url) == before


def test_a_file_over_the_limit_is_refused_at_the_gateway_and_at_assess(
    running: Running, two: tuple[str, str], assess_url: str
) -> None:
    community, _ = two
    too_big = pdf() + b"\x00" * (DEFAULT_MAX_BYTES + 1)
    before = counts(assess_url)
    response = upload(running, too_big, community)
    assert response.status_code == 413 and response.json()["errors"][0]["code"] == "INVALID"
    # Straight to assess with the internal token the gateway would sign: its own limit holds.
    direct = running.subgraphs["assess"].removesuffix("/graphql") + "/evidence"
    response = upload(running, too_big, community, url=direct)
    assert response.status_code == 413 and response.json()["errors"][0]["code"] == "INVALID"
    # Exactly at the limit is allowed.
    at_limit = pdf() + b"\x00" * DEFAULT_MAX_BYTES
    at_limit = at_limit[:DEFAULT_MAX_BYTES]
    assert upload(running, at_limit, community).status_code == 201
    after = counts(assess_url)
    assert after["evidence_blob"] == before["evidence_blob"] + 1


def test_uploads_need_a_writer_in_scope(
    running: Running, two: tuple[str, str], assess_url: str
) -> None:
    community, other = two
    before = counts(assess_url)
    # Another community's secretary, a viewer, a planner: refused (403); nobody signed in: 401.
    for identity in (secretary(other), VIEWER, PLANNER):
        response = upload(running, pdf(), community, identity=identity)
        assert response.status_code == 403, (identity, response.text)
        assert response.json()["errors"][0]["code"] == "FORBIDDEN"
    assert upload(running, pdf(), community, identity=None).status_code == 401
    # A form (what any site can post with the user's cookie) is refused before it is read.
    assert upload(running, pdf(), community, content_type="multipart/form-data").status_code == 415
    # So is a body without a type: what a no-cors fetch with a Blob body sends cross-site
    # (no CORS preflight needed), and an empty type.
    target = running.gateway.removesuffix("/graphql") + "/files/evidence"
    signed = running.headers(running.gateway, DISTRICT)
    for declared in (None, ""):
        headers = {k: v for k, v in signed.items() if k.lower() != "content-type"}
        if declared is not None:
            headers["content-type"] = declared
        untyped = httpx.post(
            target, params={"community": community}, content=pdf(), headers=headers, timeout=60
        )
        assert untyped.request.headers.get("content-type", "") == (declared or "")
        assert untyped.status_code == 415, (declared, untyped.text)
        assert untyped.json()["errors"][0]["messageEn"]
    # Not a community code, and a code of no community (asked of org through the graph).
    bad = upload(running, pdf(), community[:9])
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == ["community"]
    nowhere = upload(running, pdf(), DISTRICT.region + "999999")
    assert nowhere.status_code == 404 and nowhere.json()["errors"][0]["code"] == "NOT_FOUND"
    assert counts(assess_url) == before


def test_files_are_served_only_within_scope(running: Running, two: tuple[str, str]) -> None:
    community, other = two
    found = uploaded(running, pdf(), community, identity=secretary(community))
    assert download(running, found["id"], VIEWER).status_code == 200  # the district's viewer
    assert download(running, found["id"], secretary(other)).status_code == 404
    assert download(running, found["id"], None).status_code == 401
    unknown = download(running, str(uuid.uuid4()), DISTRICT)
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["code"] == "NOT_FOUND"
    hidden = running.post(running.gateway, EVIDENCE, {"id": found["id"]}, identity=secretary(other))
    assert hidden["data"]["evidenceFile"] is None
    # Assessment data is read by the district, streets, secretaries and viewers in scope; a
    # planner (who plans the grid) is refused like one out of scope: 404 here, null in the graph.
    assert download(running, found["id"], PLANNER).status_code == 404
    planner = running.post(running.gateway, EVIDENCE, {"id": found["id"]}, identity=PLANNER)
    assert planner["data"]["evidenceFile"] is None
    shown = running.post(running.gateway, EVIDENCE, {"id": found["id"]}, identity=VIEWER)
    assert shown["data"]["evidenceFile"]["id"] == found["id"]
