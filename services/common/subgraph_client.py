"""One client for every service-to-service GraphQL read, with one error rule.

The route: a service reads another service's data DIRECTLY from the subgraph that owns it,
never through the gateway. One hop; a subgraph's work does not depend on the gateway being up;
and the owning subgraph applies scope to the identity the call carries — the caller of the
request being served (forwarded), or the asking service's own identity for work nobody asked
for as a user (see `Sender`).

The error rule: a transport error, an answer that is not JSON, a status other than 200, any
GraphQL error or a missing `data` is a `SubgraphUnavailableError`, never a guess. Where a read
cannot proceed without the answer, `SubgraphUnavailableError.refusal` is the one typed answer
(UNAVAILABLE, Chinese message first); callers that can go on without it (coverage without
resident figures, findings that say placement was not checked) catch it and degrade.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

import httpx

from services.common.auth import service_identity
from services.common.auth_tokens import InternalTokens, outgoing_headers
from services.common.errors import DomainError, UserErrorCode, field_path
from services.common.read_protocol import onward_headers

# How users read a service's name (Chinese, English) in an UNAVAILABLE answer.
SERVICE_NAMES = {
    "org": ("组织服务", "org service"),
    "grid": ("网格服务", "grid service"),
    "assess": ("考核服务", "assess service"),
}
BATCH = 2000  # representations per request: keeps each request and response moderate


class SubgraphUnavailableError(RuntimeError):
    """A subgraph did not answer, or answered with errors: what was asked is unknown."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service}: {reason}")
        self.service = service  # the subgraph asked
        self.reason = reason  # for logs: a status, an exception's name or the errors

    def refusal(
        self, cannot_zh: str, cannot_en: str, field: str | Sequence[str] | None = None
    ) -> DomainError:
        """The typed UNAVAILABLE answer of a write or read that cannot proceed without the
        subgraph: which service, what could not be done (`cannot_*`), and to retry later;
        `field` the input at fault, if one is."""
        zh, en = SERVICE_NAMES.get(self.service, (self.service, f"{self.service} service"))
        return DomainError(
            UserErrorCode.UNAVAILABLE,
            f"{zh}暂不可用，{cannot_zh}，请稍后重试",
            f"The {en} did not answer; {cannot_en}; retry later",
            None if field is None else field_path(field),
        )


class Sender(Enum):
    """Which identity a call carries."""

    # The caller of the request being served, so the owning subgraph applies that caller's
    # scope; outside any request (CLI, startup work) the service itself.
    CALLER = "caller"
    # The service itself (role `service`: reads the whole tree, writes nothing), for reads
    # that check their own caller's scope first.
    SERVICE = "service"


@dataclass(frozen=True)
class SubgraphClient:
    """Posts GraphQL reads to one subgraph over a shared pooled httpx client."""

    service: str  # the subgraph asked: "org", "grid", ...
    url: str  # its /graphql URL
    client: httpx.AsyncClient
    sender: str  # the asking service: signs the tokens, and is the identity of Sender.SERVICE
    tokens: InternalTokens | None  # None: no key is set, calls go without and are refused
    identity: Sender = Sender.CALLER
    batch: int = BATCH

    def _headers(self) -> dict[str, str]:
        # A read made while serving a mutation goes to the callee's primary; one made for a
        # read carries its caller's read-after position (services/common/read_protocol.py).
        if self.identity is Sender.SERVICE:
            signed = self.tokens.headers(service_identity(self.sender)) if self.tokens else {}
        else:
            signed = outgoing_headers(self.tokens, self.sender)
        return {**signed, **onward_headers()}

    async def query(self, document: str, variables: dict[str, Any] | None = None) -> dict:
        """The `data` of a read, or SubgraphUnavailableError (the one error rule)."""
        try:
            response = await self.client.post(
                self.url,
                json={"query": document, "variables": variables or {}},
                headers=self._headers(),
            )
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SubgraphUnavailableError(self.service, type(exc).__name__) from exc
        errors = body.get("errors") if isinstance(body, dict) else None
        data = body.get("data") if isinstance(body, dict) else None
        if response.status_code != 200 or errors or not isinstance(data, dict):
            raise SubgraphUnavailableError(
                self.service, f"HTTP {response.status_code}: {errors or 'no data'}"
            )
        return data

    async def entities(self, document: str, representations: list[dict]) -> list[dict | None]:
        """`_entities` of the representations, in order (None: unknown or outside the
        caller's scope), asked `batch` at a time."""
        found: list[dict | None] = []
        for start in range(0, len(representations), self.batch):
            data = await self.query(document, {"reps": representations[start : start + self.batch]})
            got = data.get("_entities")
            if not isinstance(got, list):
                raise SubgraphUnavailableError(self.service, "no _entities in the answer")
            found += got
        return found
