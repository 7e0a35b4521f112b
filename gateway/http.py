"""GraphQL over HTTP: reading requests, choosing the media type, writing responses.

Follows the GraphQL-over-HTTP spec: POST with a JSON body, GET with query parameters (queries
only), `application/graphql-response+json` when the client accepts it, else
`application/json`. Requests that are not well-formed GraphQL-over-HTTP requests get 400 (or
405/406/413/415 where HTTP has a better word); GraphQL request errors (parse, validation) get
400 under `application/graphql-response+json` and 200 under `application/json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
_OFFERED = (GRAPHQL_RESPONSE_JSON, JSON)


class HTTPRequestError(Exception):
    """The request is not a well-formed GraphQL-over-HTTP request."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True)
class GraphQLParams:
    """The parameters of a GraphQL request."""

    query: str
    operation_name: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    extensions: dict[str, Any] = field(default_factory=dict)


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        pieces = [p.strip() for p in part.split(";")]
        if not pieces[0]:
            continue
        quality = 1.0
        for parameter in pieces[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((pieces[0].lower(), quality))
    return ranges


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header; None if we offer nothing acceptable."""
    if not accept or not accept.strip():
        return JSON  # clients from before the spec send no Accept and expect JSON
    ranges = _media_ranges(accept)
    best: tuple[float, int, int, str] | None = None
    for offered in _OFFERED:
        patterns = {offered: 2, offered.split("/")[0] + "/*": 1, "*/*": 0}
        matches = [(patterns[m], q) for m, q in ranges if m in patterns]
        if not matches:
            continue
        specificity, quality = max(matches)  # the most specific range decides
        if quality <= 0:
            continue
        # Named explicitly, graphql-response+json wins; a wildcard gets the form all clients read.
        preferred = offered == (GRAPHQL_RESPONSE_JSON if specificity == 2 else JSON)
        candidate = (quality, specificity, int(preferred), offered)
        if best is None or candidate > best:
            best = candidate
    return best[3] if best else None


def wants_html(request: Request) -> bool:
    """A browser asking for a page (GraphiQL) rather than a GraphQL response."""
    return request.method == "GET" and "text/html" in request.headers.get("accept", "")


def _json_object(raw: str | bytes, what: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise HTTPRequestError(400, f"{what} is not valid JSON.") from exc


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPRequestError(413, "Request body too large.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPRequestError(413, "Request body too large.")
        chunks.append(chunk)
    return b"".join(chunks)


def _params(raw: Any) -> GraphQLParams:
    if not isinstance(raw, dict):
        raise HTTPRequestError(400, "The request body must be a JSON object.")
    query = raw.get("query")
    if query is None:
        raise HTTPRequestError(400, "Missing query.")
    if not isinstance(query, str):
        raise HTTPRequestError(400, "The query must be a string.")
    operation_name = raw.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise HTTPRequestError(400, "The operationName must be a string or null.")
    variables = raw.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise HTTPRequestError(400, "The variables must be a JSON object or null.")
    extensions = raw.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise HTTPRequestError(400, "The extensions must be a JSON object or null.")
    return GraphQLParams(query, operation_name or None, variables or {}, extensions or {})


async def read_params(request: Request, *, max_body_bytes: int) -> GraphQLParams:
    """The GraphQL parameters of a GET or POST request; raise HTTPRequestError when malformed."""
    if request.method == "GET":
        raw: dict[str, Any] = dict(request.query_params)
        for name in ("variables", "extensions"):
            if raw.get(name):
                raw[name] = _json_object(raw[name], name)
            else:
                raw.pop(name, None)
        return _params(raw)
    content_type = request.headers.get("content-type", "")
    media, _, parameters = content_type.partition(";")
    if media.strip().lower() != JSON:
        raise HTTPRequestError(415, "Send GraphQL requests as application/json.")
    charset = parameters.strip().lower()
    if charset.startswith("charset=") and charset[8:].strip('"') not in ("utf-8", "utf8"):
        raise HTTPRequestError(415, "Only UTF-8 request bodies are accepted.")
    body = await _read_body(request, max_body_bytes)
    if not body:
        raise HTTPRequestError(400, "The request body is empty.")
    return _params(_json_object(body, "The request body"))


def render(body: dict[str, Any], *, status: int, media_type: str, headers: Any = None) -> Response:
    """A GraphQL response body as JSON of `media_type` (always UTF-8)."""
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type=f"{media_type}; charset=utf-8",
        headers=headers,
    )


def problem_response(problem: HTTPRequestError, media_type: str | None) -> Response:
    """The response to a malformed request: a GraphQL-shaped error body without `data`."""
    return render(
        {"errors": [{"message": problem.message}]},
        status=problem.status,
        media_type=media_type or JSON,
        headers=problem.headers,
    )
