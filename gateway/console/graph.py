"""The console's reads and writes: operations through the gateway as the signed-in caller.

Nothing here decides who may do what: the subgraphs check role and scope on every field, as
for any GraphQL client. This module only turns their answers into what a page shows: data,
a refusal page (403/404/503) for a read that was refused, and a write's typed errors sorted
by the input field they name (`WriteResult.field_errors`) so the form shows each beside its
field, in the page's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from starlette.requests import Request

from gateway.auth.web import run_as
from services.common.auth import Identity


class Page(Protocol):
    """What this module needs of a console page (gateway.console.page.Page)."""

    request: Request
    identity: Identity

    def message_of(self, error: dict[str, Any]) -> str: ...


# The selection every write's payload carries for its errors.
ERRORS = "errors { code message messageEn field }"
_REFUSED = {"FORBIDDEN": 403, "UNAUTHENTICATED": 403, "NOT_FOUND": 404, "UNAVAILABLE": 503}


class PageRefusalError(Exception):
    """A read the page cannot do without: answered as a plain page with this status."""

    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(message or str(status))
        self.status = status
        self.message = message


@dataclass
class Answer:
    """One read's whole answer: what came back, and the graph's errors (if any)."""

    data: dict[str, Any]
    errors: list[dict[str, Any]]

    def need(self, key: str, page: Page) -> Any:
        """`data[key]`, or the refusal page the errors call for (404 when simply absent)."""
        value = self.data.get(key)
        if value is not None:
            return value
        for error in self.errors:
            code = (error.get("extensions") or {}).get("code")
            if code in _REFUSED:
                raise PageRefusalError(_REFUSED[code], page.message_of(error))
        if self.errors:
            raise PageRefusalError(502, page.message_of(self.errors[0]))
        raise PageRefusalError(404)


@dataclass
class WriteResult:
    """One write's outcome: its payload when it went through, else its errors by field."""

    payload: dict[str, Any] | None
    field_errors: dict[str, list[str]] = field(default_factory=dict)
    form_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.field_errors and not self.form_errors and self.payload is not None

    def for_field(self, name: str) -> list[str]:
        return self.field_errors.get(name, [])

    def placed(self, fields: Iterable[str], prefix: str = "") -> WriteResult:
        """This result as a form showing `fields` shows it, so that every refusal reaches the
        user: an error naming a shown field stays beside it (one naming a list's item,
        `attendees.2`, beside the list); any other (the `id` a service names, a field of a
        form not shown — pass no fields then) joins the whole form's errors. With `prefix`,
        the kept fields are the page's `prefix.field` names."""
        shown = set(fields)
        out = WriteResult(self.payload, {}, list(self.form_errors))
        for key, messages in self.field_errors.items():
            name = key if key in shown else key.split(".")[0]
            if name in shown:
                out.field_errors.setdefault(f"{prefix}.{name}" if prefix else name, []).extend(
                    messages
                )
            else:
                out.form_errors.extend(messages)
        return out


def field_key(path: list[Any] | None) -> str | None:
    """The form field an error names: its path without the leading `input`, dotted
    (["input", "scores", 2, "score"] -> "scores.2.score")."""
    if not path:
        return None
    parts = [str(part) for part in path]
    if parts[0] == "input" and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts)


async def ask(page: Page, query: str, variables: dict[str, Any] | None = None) -> Answer:
    body = await run_as(page.request, page.identity, query, variables or {})
    return Answer(body.get("data") or {}, body.get("errors") or [])


async def write(page: Page, mutation: str, variables: dict[str, Any], payload: str) -> WriteResult:
    """Run `mutation` (whose field `payload` selects `ERRORS`) and sort its refusals:
    each typed error beside the field it names, the rest (and GraphQL errors: a role
    refused, a bad argument) for the whole form."""
    body = await run_as(page.request, page.identity, mutation, variables)
    result = WriteResult(payload=((body.get("data") or {}).get(payload)))
    for error in body.get("errors") or []:
        key = (error.get("extensions") or {}).get("field")
        _add(result, key if isinstance(key, str) else None, page.message_of(error))
    for error in (result.payload or {}).get("errors") or []:
        _add(result, field_key(error.get("field")), page.message_of(error))
    return result


def _add(result: WriteResult, key: str | None, message: str) -> None:
    if key is None:
        result.form_errors.append(message)
    else:
        result.field_errors.setdefault(key, []).append(message)
