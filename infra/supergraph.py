"""Supergraph composition: subgraph SDLs in, a committed `supergraph.graphql` out.

Composition itself is done by `@theguild/federation-composition` (infra/compose.mjs); this
module fetches each running subgraph's `_service { sdl }` and calls it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx

from gateway.auth.app import AUTH_URL
from services.common.app import internal_tokens
from services.common.auth import service_identity

INFRA = Path(__file__).resolve().parent
ROOT = INFRA.parent
SUPERGRAPH_PATH = ROOT / "supergraph.graphql"

# The URLs written into the committed supergraph. Deployments override them at the gateway
# (PARTYGRID_GATEWAY_SUBGRAPH_URLS), so the committed file does not depend on chosen ports.
CANONICAL_URLS = {
    "org": "http://127.0.0.1:4001/graphql",
    "grid": "http://127.0.0.1:4002/graphql",
    "assess": "http://127.0.0.1:4003/graphql",
    # The gateway's own subgraph (login, viewer), answered in-process at this URL.
    "auth": AUTH_URL,
}


class CompositionError(RuntimeError):
    """Composition reported errors; `errors` holds the composer's messages."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("supergraph composition failed:\n" + "\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Subgraph:
    name: str
    url: str
    sdl: str


@dataclass(frozen=True)
class Composition:
    supergraph_sdl: str
    public_sdl: str


def service_headers() -> dict[str, str]:
    """An internal token for the suite itself (PARTYGRID_INTERNAL_TOKEN_KEY), if one is set:
    subgraphs answer `_service` only with one."""
    tokens = internal_tokens("compose")
    return tokens.headers(service_identity("compose")) if tokens else {}


def fetch_sdl(url: str, *, headers: dict[str, str] | None = None, timeout: float = 10.0) -> str:
    """Ask a running subgraph for its federation SDL (`_service { sdl }`); without `headers`,
    as the suite itself (see `service_headers`)."""
    headers = service_headers() if headers is None else headers
    response = httpx.post(
        url, json={"query": "{ _service { sdl } }"}, headers=headers, timeout=timeout
    )
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(f"{url} refused _service: {body['errors'][0].get('message')}")
    return body["data"]["_service"]["sdl"]


def compose(subgraphs: list[Subgraph]) -> Composition:
    """Compose subgraphs with the pinned npm composer; raise CompositionError on errors."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on PATH; install Node.js 20")
    if not (INFRA / "node_modules" / "@theguild" / "federation-composition").is_dir():
        raise RuntimeError(
            "infra/node_modules is missing; run ./partygrid compose or test (they run npm ci)"
        )
    payload = {"subgraphs": [{"name": s.name, "url": s.url, "sdl": s.sdl} for s in subgraphs]}
    done = subprocess.run(
        [node, str(INFRA / "compose.mjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=INFRA,
        timeout=60,
        check=False,
    )
    try:
        result = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise CompositionError([done.stderr.strip() or "composer printed no result"]) from exc
    if result.get("errors"):
        raise CompositionError(result["errors"])
    return Composition(result["supergraphSdl"], result["publicSdl"])


def auth_subgraph() -> Subgraph:
    """The gateway's own subgraph, its SDL read in-process (it never listens on a port)."""
    from gateway.auth.schema import schema  # Strawberry schema: only when composing

    result = schema.execute_sync("{ _service { sdl } }")
    if result.errors:
        raise RuntimeError(f"the auth subgraph refused _service: {result.errors[0].message}")
    assert result.data is not None
    return Subgraph("auth", CANONICAL_URLS["auth"], result.data["_service"]["sdl"])


def running_subgraphs(urls: dict[str, str]) -> list[Subgraph]:
    """Every subgraph of the supergraph: the running services' and the gateway's own."""
    return [
        *(Subgraph(name, CANONICAL_URLS[name], fetch_sdl(url)) for name, url in urls.items()),
        auth_subgraph(),
    ]


def write_from_running(urls: dict[str, str], path: Path = SUPERGRAPH_PATH) -> Path:
    """Fetch each running subgraph's SDL, add the gateway's, compose under the canonical
    URLs, write the file."""
    path.write_text(compose(running_subgraphs(urls)).supergraph_sdl)
    return path
