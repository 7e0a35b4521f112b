"""Running Hive Gateway beside ours and comparing their answers.

Hive Gateway (`@graphql-hive/gateway`, pinned in infra/package.json) is the oracle: it serves
the same supergraph file over the same fixture subgraphs, on loopback, with nothing that
reports anywhere (no registry, no telemetry, no usage reporting).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from gateway_stack import ROOT, Process, free_port

HIVE = ROOT / "infra" / "node_modules" / ".bin" / "hive-gateway"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
# Hive masks the errors it makes itself (non-null violations) under this message.
HIVE_MASKED = "Unexpected error."
# Codes a gateway adds on its own; only the subgraph's own codes must match.
GATEWAY_CODES = frozenset(
    {"DOWNSTREAM_SERVICE_ERROR", "INTERNAL_SERVER_ERROR", "GRAPHQL_VALIDATION_FAILED"}
)
_GRAPH_URL = re.compile(r'(@join__graph\(name: "(?P<name>[^"]+)", url: ")[^"]*(")')


@dataclass(frozen=True)
class Case:
    """One operation of the corpus.

    `hive_wrong` documents where Hive Gateway is not spec-correct; `errors` then states the
    (message, path) pairs we must give instead, and `data` (when not None) the data we must
    give in place of Hive's.
    """

    name: str
    query: str
    variables: dict[str, Any] | None = None
    operation_name: str | None = None
    hive_wrong: str = ""
    errors: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    features: frozenset[str] = field(default_factory=frozenset)
    data: Any = None


def with_urls(sdl: str, urls: dict[str, str]) -> str:
    """The supergraph SDL with each subgraph's `@join__graph` URL replaced."""
    return _GRAPH_URL.sub(lambda m: m.group(1) + urls[m.group("name")] + m.group(3), sdl)


def start_hive(supergraph: Path, logs: Path) -> Process:
    """Start Hive Gateway on a free loopback port over `supergraph`."""
    port = free_port()
    log = logs / f"hive-{port}.log"
    # Nothing of ours tells Hive to report anywhere; drop inherited settings that would.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HIVE_", "APOLLO_", "OTEL_", "OPENTELEMETRY"))
    }
    env["NODE_ENV"] = "production"
    with log.open("wb") as handle:
        popen = subprocess.Popen(
            [
                str(HIVE),
                "supergraph",
                str(supergraph),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--disable-websockets",
                # The file never changes during a run; polling would only cost CPU.
                "--polling",
                "1h",
            ],
            cwd=supergraph.parent,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    return Process("hive", port, popen, log)


def ask(client: httpx.Client, base: str, case: Case) -> tuple[int, dict[str, Any]]:
    """POST the case to a gateway; (HTTP status, JSON body)."""
    body: dict[str, Any] = {"query": case.query}
    if case.variables is not None:
        body["variables"] = case.variables
    if case.operation_name is not None:
        body["operationName"] = case.operation_name
    response = client.post(base + "/graphql", json=body, headers={"accept": GRAPHQL_RESPONSE_JSON})
    return response.status_code, response.json()


def _code(error: dict[str, Any]) -> str | None:
    code = (error.get("extensions") or {}).get("code")
    return None if code in GATEWAY_CODES else code


def error_keys(errors: list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    """Errors as comparable (path, message, subgraph code) triples, in any order."""
    return Counter((tuple(e.get("path") or ()), e.get("message"), _code(e)) for e in errors)


def differences(case: Case, ours: tuple[int, dict], hive: tuple[int, dict]) -> list[str]:
    """What makes our answer differ from Hive's beyond what the corpus documents."""
    found: list[str] = []
    (our_status, our_body), (hive_status, hive_body) = ours, _documented(case, hive)
    if our_status != hive_status:
        found.append(f"status: ours {our_status}, hive {hive_status}")
    if ("data" in our_body) != ("data" in hive_body) or our_body.get("data") != hive_body.get(
        "data"
    ):
        found.append(f"data: ours {our_body.get('data')!r}, hive {hive_body.get('data')!r}")
    our_errors = our_body.get("errors") or []
    hive_errors = hive_body.get("errors") or []
    if case.hive_wrong:
        expected = Counter((tuple(path), message) for message, path in case.errors)
        got = Counter((tuple(e.get("path") or ()), e.get("message")) for e in our_errors)
        if got != expected:
            found.append(f"errors: ours {our_errors!r}, documented {case.errors!r}")
        return found
    if "data" not in hive_body:
        # Request errors come from each gateway's own GraphQL library (graphql-core words some
        # messages differently from graphql-js): the same number at the same locations.
        if _locations(our_errors) != _locations(hive_errors) or not our_errors:
            found.append(f"request errors: ours {our_errors!r}, hive {hive_errors!r}")
        return found
    masked = [e for e in hive_errors if e.get("message") == HIVE_MASKED]
    # Errors the gateways make themselves: Hive masks the message, so paths must match.
    if Counter(tuple(e.get("path") or ()) for e in masked) != Counter(
        tuple(e.get("path") or ())
        for e in our_errors
        if e.get("message") not in _messages(hive_errors)
    ):
        found.append(f"gateway errors: ours {our_errors!r}, hive {hive_errors!r}")
    mine = [e for e in our_errors if e.get("message") in _messages(hive_errors)]
    theirs = [e for e in hive_errors if e.get("message") != HIVE_MASKED]
    if error_keys(mine) != error_keys(theirs):
        found.append(f"subgraph errors: ours {our_errors!r}, hive {hive_errors!r}")
    return found


def _documented(case: Case, hive: tuple[int, dict]) -> tuple[int, dict]:
    """Hive's answer, its data replaced by the data the case documents where Hive is wrong."""
    status, body = hive
    if case.hive_wrong and case.data is not None:
        return status, {**body, "data": case.data}
    return hive


def _messages(errors: list[dict[str, Any]]) -> set[str]:
    return {e.get("message") for e in errors if e.get("message") != HIVE_MASKED}


def _locations(errors: list[dict[str, Any]]) -> list[Any]:
    return sorted(repr(e.get("locations")) for e in errors)
