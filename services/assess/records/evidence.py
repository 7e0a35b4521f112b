"""Evidence files of attested records: what may be kept, and how it is kept.

Issue 7: "evidence files stored safely (size and type limits)".
- The type is read from the bytes (puremagic, then the format's own structure), never from the
  name or the Content-Type the uploader sent: PDF, JPEG, PNG, and Word/Excel documents without
  macros (.docx, .xlsx). Everything else (programs, HTML, SVG, archives...) is refused.
- The content is stored once in the database, keyed by its SHA-256; an upload is a row naming
  it for one community (the same file twice for one community is the same evidence). No name
  the uploader gave is ever used as a path; the name is kept only to be shown.
- A file is served back as an attachment of its detected type, to callers in its scope.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import puremagic
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.assess.records.tables import evidence, evidence_blob
from services.common.errors import DomainError, UserErrorCode

DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # PARTYGRID_ASSESS_EVIDENCE_MAX_BYTES
MAX_NAME_CHARS = 120

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Each allowed type, its extension and the bytes it must begin with.
ALLOWED = {
    PDF: (".pdf", b"%PDF-"),
    JPEG: (".jpg", b"\xff\xd8\xff"),
    PNG: (".png", b"\x89PNG\r\n\x1a\n"),
    DOCX: (".docx", b"PK\x03\x04"),
    XLSX: (".xlsx", b"PK\x03\x04"),
}
_OOXML_FAMILY = "application/vnd.openxmlformats-officedocument."
# The main part of each Office document we accept; a macro project refuses the file.
_OOXML_MAIN = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml"}
_MACROS = re.compile(r"(^|/)vbaProject\.bin$", re.IGNORECASE)


class EvidenceRefusedError(DomainError):
    """A refused upload; `status` is the HTTP status the upload route answers with."""

    def __init__(self, status: int, code: UserErrorCode, message: str, message_en: str) -> None:
        super().__init__(code, message, message_en, ["file"])
        self.status = status


def too_large(limit: int) -> EvidenceRefusedError:
    return EvidenceRefusedError(
        413,
        UserErrorCode.INVALID,
        f"文件过大：不能超过{limit // (1024 * 1024)}MB",
        f"The file is too large: at most {limit} bytes",
    )


def _forbidden_type(found: str) -> EvidenceRefusedError:
    return EvidenceRefusedError(
        415,
        UserErrorCode.INVALID,
        f"不允许的文件类型（{found}）：只接受PDF、JPEG、PNG、Word（.docx）和Excel（.xlsx）文件",
        f"File type not allowed ({found}): only PDF, JPEG, PNG, .docx and .xlsx files",
    )


def detect(data: bytes) -> str:
    """The media type of `data`, from its bytes; EvidenceRefusedError when it is not allowed."""
    if not data:
        raise EvidenceRefusedError(400, UserErrorCode.INVALID, "文件为空", "The file is empty")
    try:
        matches = puremagic.magic_string(data)
    except puremagic.PureError:
        matches = []
    if not matches:
        raise _forbidden_type("unknown")
    best = max(m.confidence for m in matches)
    top = [m for m in matches if m.confidence == best]
    mimes = [m.mime_type for m in top]
    found = mimes[0] or top[0].extension or "unknown"
    if any(m.startswith(_OOXML_FAMILY) for m in mimes):
        # puremagic sees "an Office zip"; which one, and whether it hides macros, is in the zip.
        return _ooxml_type(data, found)
    for mime in mimes:
        if mime in (PDF, JPEG, PNG) and data.startswith(ALLOWED[mime][1]):
            return mime
    raise _forbidden_type(found)


def _ooxml_type(data: bytes, found: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise _forbidden_type(found) from None
    names = {info.filename for info in infos}
    encrypted = any(info.flag_bits & 0x1 for info in infos)
    if "[Content_Types].xml" not in names or encrypted:
        raise _forbidden_type("zip")
    if any(_MACROS.search(name) for name in names):
        raise _forbidden_type("macro-enabled Office document")
    kinds = [mime for mime, main in _OOXML_MAIN.items() if main in names]
    if len(kinds) != 1:
        raise _forbidden_type("zip")
    return kinds[0]


def display_name(name: str | None, media_type: str) -> str:
    """The name shown for an upload: the last part of what was sent, without control or path
    characters, at most MAX_NAME_CHARS, ending with the extension of the detected type."""
    ext = ALLOWED[media_type][0]
    raw = re.split(r"[\\/]", name or "")[-1]
    cleaned = "".join(
        ch for ch in unicodedata.normalize("NFC", raw) if unicodedata.category(ch)[0] != "C"
    )
    cleaned = cleaned.replace('"', "").strip(" .")
    stem = cleaned.rsplit(".", 1)[0] if "." in cleaned else cleaned
    stem = stem.strip(" .")[: MAX_NAME_CHARS - len(ext)] or "evidence"
    return stem + ext


@dataclass(frozen=True)
class Upload:
    community_code: str
    data: bytes
    media_type: str  # what `detect` found in `data`
    name: str | None
    uploaded_by: str


async def store(conn: AsyncConnection, upload: Upload) -> dict[str, Any]:
    """Keep an upload (its type found by `detect`); the evidence row, new or the community's
    earlier upload of the same content."""
    media_type = upload.media_type
    digest = hashlib.sha256(upload.data).hexdigest()
    await conn.execute(
        insert(evidence_blob)
        .values(sha256=digest, content=upload.data, size=len(upload.data), media_type=media_type)
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    await conn.execute(
        insert(evidence)
        .values(
            id=uuid.uuid4(),
            community_code=upload.community_code,
            sha256=digest,
            name=display_name(upload.name, media_type),
            uploaded_by=upload.uploaded_by,
        )
        .on_conflict_do_nothing(constraint="evidence_community_content")
    )
    query = _described().where(
        evidence.c.community_code == upload.community_code, evidence.c.sha256 == digest
    )
    return dict((await conn.execute(query)).mappings().one())


def _described() -> Any:
    return select(evidence, evidence_blob.c.size, evidence_blob.c.media_type).join_from(
        evidence, evidence_blob, evidence.c.sha256 == evidence_blob.c.sha256
    )


async def described(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> list[dict | None]:
    """Evidence rows (without content) by id, in the order asked; None where unknown."""
    rows = (await conn.execute(_described().where(evidence.c.id.in_(ids)))).mappings()
    found = {row["id"]: dict(row) for row in rows}
    return [found.get(i) for i in ids]


async def content_of(conn: AsyncConnection, sha256: str) -> bytes:
    """The bytes of a stored file, to serve it (read only after the caller was checked)."""
    query = select(evidence_blob.c.content).where(evidence_blob.c.sha256 == sha256)
    return (await conn.execute(query)).scalar_one()


def download_headers(row: dict[str, Any]) -> dict[str, str]:
    """Headers that make a browser save the file, never render or sniff it."""
    ext = ALLOWED[row["media_type"]][0]
    fallback = f"evidence-{str(row['id'])[:8]}{ext}"  # ASCII, our own
    return {
        "content-type": row["media_type"],
        "content-disposition": (
            f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(row['name'], safe='')}"
        ),
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
        "cache-control": "private, no-store",
        "etag": f'"{row["sha256"]}"',
    }
