"""The gateway's request pipeline: parse, validate, plan, execute.

`Gateway` is built once per app lifespan from the supergraph file; it holds the API schema,
the document and plan caches, and the executor with its pooled HTTP client.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass
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

from gateway.api_schema import build_api_schema
from gateway.executor import Executor
from gateway.http import GraphQLParams
from gateway.planner import MAX_CACHED_CHARS, Planner, PlanningError
from gateway.settings import GatewaySettings
from gateway.supergraph import Supergraph, SupergraphError, parse_supergraph
from gateway.transport import SubgraphTransport

log = logging.getLogger("gateway")

# A generous bound on document size in tokens, so a huge query cannot pin the parser.
_MAX_TOKENS = 20_000


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


class _DocumentCache:
    """Parsed and validated documents by text (LRU): validation is the costly part."""

    def __init__(self, schema: GraphQLSchema, size: int) -> None:
        self.schema = schema
        self.size = size
        self._entries: OrderedDict[str, tuple[DocumentNode | None, list[GraphQLError]]] = (
            OrderedDict()
        )

    def get(self, text: str) -> tuple[DocumentNode | None, list[GraphQLError]]:
        found = self._entries.get(text)
        if found is not None:
            self._entries.move_to_end(text)
            return found
        try:
            document: DocumentNode | None = parse(text, max_tokens=_MAX_TOKENS)
        except GraphQLError as error:
            found = (None, [error])
        else:
            found = (document, validate(self.schema, document))  # type: ignore[arg-type]
        if len(text) > MAX_CACHED_CHARS:
            return found
        self._entries[text] = found
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return found


class Gateway:
    """Answers GraphQL requests over one supergraph."""

    def __init__(
        self, supergraph: Supergraph, transport: SubgraphTransport, *, cache_size: int = 512
    ) -> None:
        self.supergraph = supergraph
        self.schema = build_api_schema(supergraph)
        self.transport = transport
        self.documents = _DocumentCache(self.schema, cache_size)
        self.planner = Planner(supergraph, self.schema, cache_size=cache_size)
        self.executor = Executor(self.schema, transport)

    @classmethod
    def from_settings(cls, settings: GatewaySettings, client: httpx.AsyncClient) -> Gateway:
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
        )
        return cls(supergraph, transport, cache_size=settings.plan_cache_size)

    async def run(self, params: GraphQLParams, *, method: str = "POST") -> Outcome:
        """Validate, plan and execute one GraphQL request."""
        document, errors = self.documents.get(params.query)
        if document is None or errors:
            return _request_error(errors)
        operation = get_operation_ast(document, params.operation_name)
        if operation is None:
            message = (
                f'Unknown operation named "{params.operation_name}".'
                if params.operation_name
                else "Must provide operation name if query contains multiple operations."
            )
            return _request_error([{"message": message}])
        if method == "GET" and operation.operation != OperationType.QUERY:
            return Outcome(
                {"errors": [{"message": "Only queries can be sent with GET; use POST."}]},
                request_error=True,
                get_mutation=True,
            )
        coerced = get_variable_values(
            self.schema, operation.variable_definitions or (), params.variables, max_errors=50
        )
        if isinstance(coerced, list):
            return _request_error(coerced)
        return await self._execute(params, document, operation, coerced.coerced)

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

    async def health(self) -> dict[str, str]:
        """Reachability of every subgraph: "ok" or "unreachable"."""
        names = list(self.supergraph.subgraphs)
        results = await asyncio.gather(*(self.transport.probe(name) for name in names))
        return {
            name: "ok" if up else "unreachable" for name, up in zip(names, results, strict=True)
        }
