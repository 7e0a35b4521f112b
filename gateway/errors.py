"""GraphQL errors the gateway passes on: subgraph errors moved to client paths, cleaned.

A subgraph's error points into the subgraph's own response (`_entities.3.grade`, internal
aliases); clients need the path in theirs. Subgraph locations refer to a document the client
never sent, so they go; extensions keep their codes but never stack traces.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

log = logging.getLogger("gateway.errors")

# Extension keys some servers fill with internals (stack traces, exception objects).
_UNSAFE_EXTENSIONS = frozenset({"exception", "stacktrace", "stack", "traceback", "trace"})
_MAX_MESSAGE = 1000
# Subgraphs should mask their internals; this is the second line of defence. A message that
# looks like a traceback, SQL, a driver error or a URL is replaced, and logged instead.
_INTERNAL = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+"
    r"|\b(SELECT|INSERT|UPDATE|DELETE)\b[\s\S]*\b(FROM|INTO|SET|WHERE)\b|\[SQL:"
    r"|psycopg|sqlalchemy|asyncpg|sqlstate|[a-z][a-z0-9+.-]*://"
    # Addresses: IPv4, IPv6 loopback, localhost, host:port, Unix sockets and source files.
    r"|\b\d{1,3}(\.\d{1,3}){3}\b|\[::1?\]|\blocalhost\b|\bport \d{2,5}\b"
    r"|\.s\.PGSQL|\.py\b",
    re.IGNORECASE,
)
MASKED_MESSAGE = "Internal subgraph error."


def client_path(path: Sequence[Any], prefix: str) -> list[Any]:
    """`path` up to the first internal alias: an error on a key field belongs to its object."""
    out: list[Any] = []
    for key in path:
        if isinstance(key, str) and key.startswith(prefix):
            break
        out.append(key)
    return out


def clean_error(error: Any, path: list[Any] | None) -> dict[str, Any]:
    """A subgraph error as the client gets it, placed at `path` (None: no path)."""
    if not isinstance(error, dict):
        error = {"message": str(error)}
    message = error.get("message")
    message = message if isinstance(message, str) and message else "Subgraph error."
    if _INTERNAL.search(message):
        log.warning("masked a subgraph error message: %s", message)
        message = MASKED_MESSAGE
    cleaned: dict[str, Any] = {"message": message[:_MAX_MESSAGE]}
    if path is not None:
        cleaned["path"] = path
    extensions = _safe_extensions(error.get("extensions"))
    if extensions:
        cleaned["extensions"] = extensions
    return cleaned


def _safe_extensions(value: Any) -> Any:
    """`value` without unsafe keys at any depth (servers nest traces, e.g. `exception`)."""
    if isinstance(value, dict):
        return {
            k: _safe_extensions(v)
            for k, v in value.items()
            if not (isinstance(k, str) and k.lower() in _UNSAFE_EXTENSIONS)
        }
    if isinstance(value, list):
        return [_safe_extensions(v) for v in value]
    if isinstance(value, str) and _INTERNAL.search(value):
        return MASKED_MESSAGE
    return value


def subgraph_path(error: Any) -> list[Any] | None:
    """The error's `path` if it is a well-formed one."""
    path = error.get("path") if isinstance(error, dict) else None
    if isinstance(path, list) and all(isinstance(k, str | int) for k in path):
        return path
    return None


def internal_error(path: list[Any] | None) -> dict[str, Any]:
    """What the client sees when the gateway itself failed on part of a request."""
    error: dict[str, Any] = {"message": "Internal gateway error."}
    if path is not None:
        error["path"] = path
    error["extensions"] = {"code": "INTERNAL_SERVER_ERROR"}
    return error
