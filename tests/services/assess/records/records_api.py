"""Helpers of the attested-records and evidence tests: GraphQL documents, uploads through the
gateway, the rows the assess database holds, and the record checks run on that database."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import uuid
import zipfile
from typing import Any

import httpx
import openpyxl
from sqlalchemy import create_engine, func, pool, select

from services.assess.grading.assessing import standard_rows
from services.assess.grading.scoring import Measured
from services.assess.records import checks as record_checks
from services.assess.records.tables import evidence, evidence_blob, record, record_evidence
from services.common.auth import Identity, Role
from services.common.database import make_engine
from stack import DISTRICT, Running

ERRORS = "errors { code message messageEn field rule }"
RECORD_FIELDS = (
    "id kind communityCode occurredOn year subject amount fundsId details voided voidReason "
    "voidedBy evidence { id name mediaType } uses { id amount }"
)
FUTURE = dt.date.today() + dt.timedelta(days=3)


def mutation(name: str, input_type: str) -> str:
    return f"""mutation ($input: {input_type}!) {{
  {name}(input: $input) {{ record {{ {RECORD_FIELDS} }} {ERRORS} }} }}"""


FUNDS = mutation("recordFunds", "RecordFundsInput")
FUND_USE = mutation("recordFundUse", "RecordFundUseInput")
FACILITY = mutation("recordFacility", "RecordFacilityInput")
WORK_RULE = mutation("recordWorkRule", "RecordWorkRuleInput")
TRAINING = mutation("recordTraining", "RecordTrainingInput")
ADOPTION = mutation("recordWorkSystemAdoption", "RecordWorkSystemAdoptionInput")
SITTING = mutation("recordSitting", "RecordSittingInput")
ACTIVITY = mutation("recordActivity", "RecordActivityInput")
AGREEMENT = mutation("recordAgreement", "RecordAgreementInput")
VOID = f"""mutation ($id: ID!, $reason: String!) {{
  voidRecord(id: $id, reason: $reason) {{ record {{ {RECORD_FIELDS} }} {ERRORS} }} }}"""
ATTACH = f"""mutation ($id: ID!, $ids: [ID!]!) {{
  attachEvidence(recordId: $id, evidenceIds: $ids) {{ record {{ {RECORD_FIELDS} }} {ERRORS} }} }}"""
LIST = f"""query ($c: String!, $kind: RecordKind, $year: Int, $voided: Boolean!) {{
  attestedRecords(communityCode: $c, kind: $kind, year: $year, includeVoided: $voided) {{
    totalCount nodes {{ {RECORD_FIELDS} }} }} }}"""
ONE = f"query ($id: ID!) {{ attestedRecord(id: $id) {{ {RECORD_FIELDS} }} }}"
EVIDENCE = """query ($id: ID!) { evidenceFile(id: $id) {
  id communityCode name mediaType size sha256 uploadedBy url } }"""


def secretary(community: str) -> Identity:
    return Identity(f"secretary-{community}", Role.SECRETARY, community)


def street(community: str) -> Identity:
    return Identity(f"street-{community[:9]}", Role.STREET, community[:9])


VIEWER = Identity("test-viewer", Role.VIEWER, DISTRICT.region)
PLANNER = Identity("test-planner", Role.PLANNER, DISTRICT.region)


def communities(running: Running) -> list[str]:
    """The demo district's communities, by code (read through the graph)."""
    data = running.post(
        running.gateway,
        "query ($r: String!) { communities(regionCode: $r) { code } }",
        {"r": DISTRICT.region},
    )["data"]
    return sorted(c["code"] for c in data["communities"])


def write(
    running: Running, document: str, variables: dict, identity: Identity = DISTRICT
) -> dict[str, Any]:
    """A mutation through the gateway: its payload (record and errors)."""
    body = running.post(running.gateway, document, variables, identity=identity)
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


def recorded(running: Running, document: str, input: dict, identity: Identity = DISTRICT) -> dict:
    payload = write(running, document, {"input": input}, identity)
    assert payload["errors"] == [], payload["errors"]
    return payload["record"]


def refused(
    running: Running, document: str, variables: dict, identity: Identity = DISTRICT
) -> list[dict]:
    payload = write(running, document, variables, identity)
    assert payload["record"] is None and payload["errors"], payload
    return payload["errors"]


def forbidden(running: Running, document: str, variables: dict, identity: Identity) -> str:
    """A write refused for role or scope: a GraphQL error FORBIDDEN; its reason."""
    body = running.post(running.gateway, document, variables, identity=identity)
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN", error
    return error["extensions"]["reason"]


# -- files -------------------------------------------------------------------------------------


def upload(  # noqa: PLR0913, RUF100 -- an HTTP upload and its keyword-only options (name, who, type, where)
    running: Running,
    data: bytes,
    community: str,
    *,
    name: str = "file",
    identity: Identity | None = DISTRICT,
    content_type: str = "application/octet-stream",
    url: str | None = None,
) -> httpx.Response:
    """POST a file through the gateway's /files/evidence (or straight to `url`)."""
    target = url or running.gateway.removesuffix("/graphql") + "/files/evidence"
    headers = running.headers(url or running.gateway, identity)
    return httpx.post(
        target,
        params={"community": community, "name": name},
        content=data,
        headers={**headers, "content-type": content_type},
        timeout=60,
    )


def download(running: Running, evidence_id: str, identity: Identity | None) -> httpx.Response:
    url = running.gateway.removesuffix("/graphql") + f"/files/evidence/{evidence_id}"
    return httpx.get(url, headers=running.headers(running.gateway, identity), timeout=30)


def uploaded(running: Running, data: bytes, community: str, **kw: Any) -> dict[str, Any]:
    response = upload(running, data, community, **kw)
    assert response.status_code == 201, response.text
    return response.json()["evidence"]


def pdf(tag: str = "") -> bytes:
    """A small PDF, different for each tag (so each is a new content)."""
    tag = tag or uuid.uuid4().hex
    return (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n"
        + f"% {tag}\n".encode()
        + b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def png() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + uuid.uuid4().bytes + b"\x00" * 16


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + uuid.uuid4().bytes + b"\xff\xd9"


def xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = f"会议签到表 {uuid.uuid4()}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def office_zip(parts: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def docx() -> bytes:
    return office_zip(
        {
            "[Content_Types].xml": "<Types/>",
            "word/document.xml": f"<w:document>{uuid.uuid4()}</w:document>",
        }
    )


# -- the database --------------------------------------------------------------------------------


def counts(assess_url: str) -> dict[str, int]:
    """Rows of every records table: what "nothing written" compares."""
    engine = create_engine(assess_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return {
                t.name: conn.scalar(select(func.count()).select_from(t))
                for t in (record, record_evidence, evidence, evidence_blob)
            }
    finally:
        engine.dispose()


def measure(
    assess_url: str, communities: list[str], year: int, as_of: dt.date
) -> tuple[dict[str, dict[str, Measured]], dict[str, dict[str, Any]]]:
    """record_checks.check over the current standard's attested indicators, on the real
    database; also those indicator rows by code."""

    async def run() -> tuple[dict, dict]:
        engine = make_engine(assess_url.replace("postgresql://", "postgresql+psycopg://", 1))
        try:
            rows = await standard_rows(engine, None, communities[0][:6])
            assert rows is not None
            attested = [r for r in rows.indicators if r["measured"] == "attested"]
            async with engine.connect() as conn:
                found = await record_checks.check(conn, attested, communities, year, as_of)
            return found, {r["code"]: r for r in attested}
        finally:
            await engine.dispose()

    return asyncio.run(run())


def indicator_for(rows: dict[str, dict[str, Any]], check: str, **params: Any) -> dict[str, Any]:
    """The standard's indicator that uses `check` (and these params)."""
    (row,) = [
        r
        for r in rows.values()
        if r["record"] == check and all(r["params"].get(k) == v for k, v in params.items())
    ]
    return row
