"""The gateway's request pipeline: parse, validate, plan, execute.

`Gateway` is built once per app lifespan from the supergraph file; it holds the API schema,
the document and plan caches, and the executor with its pooled HTTP client.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    get_operation_ast,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values

from gateway.access_log import AccessLog, RequestLog
from gateway.api_schema import build_api_schema
from gateway.auth.gate import GatewayAuth
from gateway.executor import Executor
from gateway.http import GraphQLParams
from gateway.limits import TOKEN_LIMIT_CODE, Limits, Measure, breaches, is_token_limit, measure
from gateway.planner import MAX_CACHED_CHARS, Planner, PlanningError
from gateway.settings import GatewaySettings
from gateway.supergraph import Supergraph, SupergraphError, parse_supergraph
from gateway.transport import SubgraphTransport

log = logging.getLogger("gateway")


@dataclass(frozen=True)
class Outcome:
    """The GraphQL response and how HTTP should carry it.

    `request_error` marks a response without `data` (the request never executed): 400 under
    graphql-response+json, 200 under json. `get_mutation` marks a mutation sent by GET (405).
    """

    body: dict[str, Any]
    request_error: bool = False
    get_mutation: bool = False


def _request_error(errors: list[GraphQLError] | list[dict[str, Any]]) -> Outcome:
    formatted = [e.formatted if isinstance(e, GraphQLError) else e for e in errors]
    return Outcome({"errors": formatted}, request_error=True)


@dataclass
class _Document:
    """A parsed document, its measures per operation and (once asked) its validation."""

    document: DocumentNode | None
    syntax_errors: list[GraphQLError]
    validation: list[GraphQLError] | None = None
    # Measures that do not depend on variables, by operation.
    measures: dict[int, Measure] = field(default_factory=dict)


class _DocumentCache:
    """Parsed documents by text (LRU); validation runs once, and only for documents within
    the limits (validating a huge document is the costly part)."""

    def __init__(self, schema: GraphQLSchema, size: int, *, max_tokens: int) -> None:
        self.schema = schema
        self.size = size
        self.max_tokens = max_tokens
        self._entries: OrderedDict[str, _Document] = OrderedDict()

    def get(self, text: str) -> _Document:
        found = self._entries.get(text)
        if found is not None:
            self._entries.move_to_end(text)
            return found
        try:
            found = _Document(parse(text, max_tokens=self.max_tokens), [])
        except GraphQLError as error:
            if is_token_limit(error.message):
                error.extensions = {**(error.extensions or {}), "code": TOKEN_LIMIT_CODE}
            found = _Document(None, [error])
        if len(text) <= MAX_CACHED_CHARS:
            self._entries[text] = found
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return found

    def validate(self, entry: _Document) -> list[GraphQLError]:
        if entry.validation is None:
            assert entry.document is not None
            entry.validation = validate(self.schema, entry.document)
        return entry.validation


class Gateway:
    """Answers GraphQL requests over one supergraph."""

    def __init__(
        self,
        supergraph: Supergraph,
        transport: SubgraphTransport,
        *,
        cache_size: int = 512,
        limits: Limits | None = None,
        max_tokens: int = 5000,
        access_log: AccessLog | None = None,
    ) -> None:
        self.supergraph = supergraph
        self.schema = build_api_schema(supergraph)
        self.transport = transport
        self.limits = limits or Limits()
        self.documents = _DocumentCache(self.schema, cache_size, max_tokens=max_tokens)
        self.planner = Planner(supergraph, self.schema, cache_size=cache_size)
        self.executor = Executor(self.schema, transport)
        self.access_log = access_log or AccessLog(None)

    @classmethod
    def from_settings(
        cls, settings: GatewaySettings, client: httpx.AsyncClient, auth: GatewayAuth | None = None
    ) -> Gateway:
        """Load the supergraph file named by `settings`, with its URL overrides applied."""
        if not settings.supergraph_path.is_file():
            raise SupergraphError(
                f"no supergraph at {settings.supergraph_path}: compose it first "
                "or set PARTYGRID_GATEWAY_SUPERGRAPH_PATH"
            )
        sdl = settings.supergraph_path.read_text(encoding="utf-8")
        supergraph = parse_supergraph(sdl).with_urls(settings.subgraph_urls)
        urls = {name: info.url for name, info in supergraph.subgraphs.items()}
        transport = SubgraphTransport(
            client,
            urls,
            fetch_timeout=settings.fetch_timeout,
            probe_timeout=settings.health_timeout,
            timeouts=settings.subgraph_timeouts,
            headers=auth.subgraph_headers if auth else None,
            probe_headers=auth.probe_headers if auth else None,
        )
        return cls(
            supergraph,
            transport,
            cache_size=settings.plan_cache_size,
            limits=settings.limits(),
            max_tokens=settings.max_tokens,
            access_log=AccessLog.open(settings.access_log),
        )

    async def run(
        self, params: GraphQLParams, *, method: str = "POST", authenticated: bool | None = None
    ) -> Outcome:
        """Check, validate, plan and execute one GraphQL request, and log it.

        `authenticated` is the caller's state as the auth layer sees it (None: no auth is
        configured); it decides whether introspection is allowed.
        """
        request = self.access_log.start()
        outcome = Outcome({"errors": [{"message": "Internal gateway error."}]}, request_error=True)
        try:
            outcome = await self._run(params, method, authenticated, request)
        finally:
            self.access_log.finish(request, outcome.body, executed=not outcome.request_error)
        return outcome

    async def _run(
        self, params: GraphQLParams, method: str, authenticated: bool | None, request: RequestLog
    ) -> Outcome:
        entry = self.documents.get(params.query)
        if entry.document is None:
            return _request_error(entry.syntax_errors)
        document = entry.document
        operation = get_operation_ast(document, params.operation_name)
        if operation is not None:
            request.operation_name = operation.name.value if operation.name else None
            request.operation_type = operation.operation.value
        # Limits before validation, for every operation of the document: validating an
        # oversized operation is itself the attack. Only the one that runs may introspect.
        refused: list[dict[str, Any]] = []
        for candidate in document.definitions:
            if isinstance(candidate, OperationDefinitionNode):
                found = self._measure(entry, candidate, params.variables)
                if candidate is not operation:
                    found = replace(found, introspection=False)
                refused += breaches(found, self.limits, authenticated=authenticated)
        if refused:
            return _request_error(refused)
        # GraphQL over HTTP: a mutation sent by GET is 405 even when it would not validate.
        if method == "GET" and operation is not None and operation.operation != OperationType.QUERY:
            return Outcome(
                {"errors": [{"message": "Only queries can be sent with GET; use POST."}]},
                request_error=True,
                get_mutation=True,
            )
        errors = self.documents.validate(entry)
        if errors:
            return _request_error(errors)
        if operation is None:
            message = (
                f'Unknown operation named "{params.operation_name}".'
                if params.operation_name
                else "Must provide operation name if query contains multiple operations."
            )
            return _request_error([{"message": message}])
        coerced = get_variable_values(
            self.schema, operation.variable_definitions or (), params.variables, max_errors=50
        )
        if isinstance(coerced, list):
            return _request_error(coerced)
        return await self._execute(params, document, operation, coerced.coerced)

    def _measure(
        self, entry: _Document, operation: OperationDefinitionNode, variables: dict[str, Any]
    ) -> Measure:
        found = entry.measures.get(id(operation))
        if found is None:
            assert entry.document is not None
            found = measure(
                self.schema,
                entry.document,
                operation,
                variables,
                default_list_size=self.limits.default_list_size,
            )
            if not found.sized_by_variables:
                entry.measures[id(operation)] = found
        return found

    async def _execute(
        self,
        params: GraphQLParams,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        coerced: dict[str, Any],
    ) -> Outcome:
        try:
            plan = self.planner.plan(params.query, document, operation, coerced)
        except PlanningError as error:
            log.warning("cannot plan operation: %s", error)
            return Outcome({"errors": [{"message": str(error)}], "data": None})
        # Subgraphs coerce variables themselves: they get what the client sent.
        return Outcome(await self.executor.execute(plan, params.variables))

    async def readiness(self) -> dict[str, str]:
        """Reachability of every subgraph: "ok" or "unreachable"."""
        names = list(self.supergraph.subgraphs)
        results = await asyncio.gather(*(self.transport.probe(name) for name in names))
        return {
            name: "ok" if up else "unreachable" for name, up in zip(names, results, strict=True)
        }
