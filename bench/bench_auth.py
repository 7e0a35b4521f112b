"""Credentials for benchmarks against a running suite: subgraphs and the gateway refuse
callers without them. A district-wide identity (the demo district), signed with the keys
`partygrid up` keeps in its data folder (PARTYGRID_DATA_DIR, default .data)."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx

from gateway.auth.tokens import AccessTokens
from infra.settings import ROOT
from services.common.auth import Identity, Role
from services.common.auth_tokens import InternalTokens

BENCH = Identity("bench", Role.DISTRICT, "410104")


@contextlib.contextmanager
def gateway_target(
    url: str | None, *, own_stack: bool, prefix: str, gateway_env: dict[str, str] | None = None
) -> Iterator[tuple[str, str]]:
    """The gateway a bench measures and its access token key: the running suite at `url`
    (keys from PARTYGRID_DATA_DIR), or with `own_stack` the demo district in a private cluster
    and the suite's processes, as the tests start them (infra/stack.py; logs in a temporary
    folder named with `prefix`). Yields the gateway's GraphQL URL and the key."""
    if not own_stack:
        if url is None:
            raise SystemExit("give the gateway's URL or --own-stack")
        yield url, _key("access-token-key")
        return
    from infra.settings import SuiteSettings
    from infra.stack import own_stack as started

    logs = Path(tempfile.mkdtemp(prefix=prefix))
    env = {"PARTYGRID_GATEWAY_ACCESS_LOG": "off", **(gateway_env or {})}
    with started(SuiteSettings(), logs, env={"gateway": env}) as stack:
        yield stack.gateway, stack.keys["access"]


def _key(name: str) -> str:
    data_dir = Path(os.environ.get("PARTYGRID_DATA_DIR", ROOT / ".data"))
    return (data_dir / name).read_text().strip()


@functools.cache
def _internal() -> InternalTokens:
    return InternalTokens(_key("internal-token-key"), issuer="bench")


def subgraph_headers() -> dict[str, str]:
    """The internal token a subgraph wants (as the gateway would send it); tokens live a
    minute, so long runs take a fresh one per request (`sign_for_subgraphs`)."""
    return _internal().headers(BENCH)


def sign_for_subgraphs(request: httpx.Request) -> None:
    """An httpx request hook: a current internal token on every request."""
    request.headers.update(subgraph_headers())


def gateway_headers() -> dict[str, str]:
    """A bearer access token for the gateway, valid for an hour."""
    tokens = AccessTokens(_key("access-token-key"), ttl=dt.timedelta(hours=1))
    return {"authorization": f"Bearer {tokens.issue(BENCH).token}"}


def signer(gateway: str):
    """An httpx request hook: a bearer token for requests to `gateway`, an internal token
    for any other (a subgraph called directly)."""
    bearer = gateway_headers()

    def sign(request: httpx.Request) -> None:
        if str(request.url).startswith(gateway):
            request.headers.update(bearer)
        else:
            sign_for_subgraphs(request)

    return sign
