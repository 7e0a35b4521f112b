"""Jinja2 for the console: autoescape everywhere, an undefined name is an error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from gateway.console.labels.enums import enum_label

TEMPLATES = Path(__file__).resolve().parent / "templates"

ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    # Every value is escaped where it reaches HTML; `|safe` is refused by review (grep).
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)


@jinja2.pass_context
def _enum(context: jinja2.runtime.Context, value: object, enum: str) -> str:
    """`{{ value|enum("OrganizationKind") }}`: the value's label in the page's language."""
    return enum_label(enum, value, context.get("lang", "zh"))


ENV.filters["enum"] = _enum


def local_name(lang: str, thing: dict[str, Any] | None, code: str = "") -> str:
    """A place's or organization's name in the page's language (`nameEn` on English pages,
    `name` otherwise); `code` when the graph gave none."""
    if not thing:
        return code
    english = thing.get("nameEn") if lang == "en" else None
    return str(english or thing.get("name") or code)


@jinja2.pass_context
def _named(context: jinja2.runtime.Context, thing: dict[str, Any] | None, code: str = "") -> str:
    """`{{ community|named(code) }}`: `local_name` in the page's language."""
    return local_name(context.get("lang", "zh"), thing, code)


ENV.filters["named"] = _named

# The district's wall clock. The services store instants in UTC; every page shows them in the
# one zone of the district's users (there is no zone setting: PartyGrid serves Chinese districts,
# all on Beijing time), never the server machine's own zone.
ZONE = ZoneInfo("Asia/Shanghai")


def when(value: str | dt.datetime | None) -> str:
    """`{{ stamp|when }}`: an instant of the graph as the district's local time, to the minute
    ('' for none). A stamp without an offset is UTC (how the services store it)."""
    if not value:
        return ""
    instant = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    return instant.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")


def file_size(size: int | None) -> str:
    """`{{ bytes|file_size }}`: a file's size in B, KB or MB (1024-based, one decimal)."""
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


# The evidence types assess accepts (services/assess/records/evidence.py ALLOWED; a test keeps
# the two equal), each by the name users know it by.
FILE_TYPES = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
}


def file_type(media_type: str | None) -> str:
    """`{{ mediaType|file_type }}`: a file's type by its common name (the MIME type if unknown)."""
    return FILE_TYPES.get(media_type or "", media_type or "")


ENV.filters["when"] = when
ENV.filters["file_type"] = file_type
ENV.filters["file_size"] = file_size


def render(name: str, values: dict[str, Any]) -> str:
    """The template `name` (e.g. "home/home.html") filled with `values`."""
    return ENV.get_template(name).render(values)
