"""GraphQL over HTTP: reading requests, choosing the media type, writing responses.

Follows the GraphQL-over-HTTP spec: POST with a JSON body, GET (and HEAD) with query
parameters (queries only), `application/graphql-response+json` when the client accepts it, else
`application/json`. Requests that are not well-formed GraphQL-over-HTTP requests get 400 (or
405/406/413/415 where HTTP has a better word), malformed JSON included; GraphQL request errors
(parse, validation, unknown operation, variable coercion) get 400 under
`application/graphql-response+json` and 200 under `application/json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from services.common.http_body import read_capped

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
_OFFERED = (GRAPHQL_RESPONSE_JSON, JSON)
# HEAD is GET without the body (HTTP requires it wherever GET is served).
READ_METHODS = frozenset({"GET", "HEAD"})
ALLOWED_METHODS = "GET, HEAD, POST"
_PARAMETER_NAMES = ("query", "operationName", "variables", "extensions")


class HTTPRequestError(Exception):
    """The request is not a well-formed GraphQL-over-HTTP request."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True)
class GraphQLParams:
    """The parameters of a GraphQL request, and the address it came from (`client`: None for
    operations the gateway runs itself, for its pages)."""

    query: str
    operation_name: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    extensions: dict[str, Any] = field(default_factory=dict)
    client: str | None = None


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
    """A browser asking for a page (GraphiQL) rather than a GraphQL response.

    Browsers name text/html and neither GraphQL media type; a client that names one of those
    wants GraphQL even if it also lists text/html.
    """
    if request.method not in READ_METHODS:
        return False
    ranges = dict(_media_ranges(request.headers.get("accept", "")))
    named_graphql = any(ranges.get(m, 0) > 0 for m in _OFFERED)
    return ranges.get("text/html", 0) > 0 and not named_graphql


# Deeper JSON is refused before anything walks it: GeoJSON needs 4 levels, GraphQL inputs a
# few more, and the subgraph fetch (orjson.dumps) stops at 255, which made a 500.
MAX_JSON_DEPTH = 64


def _too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether `value` nests lists and objects deeper than `limit` (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def _json_value(raw: str | bytes, what: str) -> Any:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise HTTPRequestError(400, f"{what} is not valid JSON.") from exc
    if _too_deep(value):
        raise HTTPRequestError(400, f"{what} nests JSON more than {MAX_JSON_DEPTH} levels deep.")
    return value


def _params(raw: Any) -> GraphQLParams:
    if isinstance(raw, list):
        # Batching is not part of the spec; refusing it whole keeps one operation per request.
        raise HTTPRequestError(
            400,
            "Batched requests (a JSON array) are not supported; send one operation per request.",
        )
    if not isinstance(raw, dict):
        raise HTTPRequestError(400, "The request body must be a JSON object.")
    query = raw.get("query")
    if query is None:
        raise HTTPRequestError(400, 'The "query" parameter is missing.')
    if not isinstance(query, str):
        raise HTTPRequestError(400, 'The "query" parameter must be a string.')
    operation_name = raw.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise HTTPRequestError(400, 'The "operationName" parameter must be a string or null.')
    variables = raw.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise HTTPRequestError(400, 'The "variables" parameter must be a JSON object or null.')
    extensions = raw.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise HTTPRequestError(400, 'The "extensions" parameter must be a JSON object or null.')
    return GraphQLParams(query, operation_name or None, variables or {}, extensions or {})


def _query_string_params(request: Request) -> GraphQLParams:
    """GET parameters: `variables` and `extensions` arrive as JSON text."""
    raw: dict[str, Any] = {}
    for name in _PARAMETER_NAMES:
        values = request.query_params.getlist(name)
        if len(values) > 1:
            # Which copy wins is not specified anywhere; guessing could run the wrong operation.
            raise HTTPRequestError(400, f'The "{name}" parameter is given more than once.')
        if values and values[0]:
            raw[name] = values[0]
    for name in ("variables", "extensions"):
        if name in raw:
            raw[name] = _json_value(raw[name], f'The "{name}" parameter')
    return _params(raw)


def _check_body_headers(request: Request) -> None:
    """Refuse bodies we cannot read: not JSON, not UTF-8, or content-coded (gzip...)."""
    media, *parameters = request.headers.get("content-type", "").split(";")
    if media.strip().lower() != JSON:
        raise HTTPRequestError(415, f"Send GraphQL requests as {JSON}.")
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            raise HTTPRequestError(415, "Only UTF-8 request bodies are accepted.")
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        # RFC 9110 15.5.16: say which codings we do accept.
        raise HTTPRequestError(
            415, "Compressed request bodies are not accepted.", {"accept-encoding": "identity"}
        )


async def read_params(request: Request, *, max_body_bytes: int) -> GraphQLParams:
    """The GraphQL parameters of a GET, HEAD or POST request; HTTPRequestError when malformed."""
    client = request.client.host if request.client else None
    if request.method in READ_METHODS:
        return replace(_query_string_params(request), client=client)
    _check_body_headers(request)
    body = await read_capped(request, max_body_bytes)
    if body is None:
        raise HTTPRequestError(413, "Request body too large.")
    if not body:
        raise HTTPRequestError(400, "The request body is empty.")
    return replace(_params(_json_value(body, "The request body")), client=client)


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
