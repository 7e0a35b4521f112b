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
from gateway.in_flight import RETRY_AFTER, AdvisoryLocks, ExpensiveOperations, caller_key
from gateway.limits import (
    TOKEN_LIMIT_CODE,
    Limits,
    Measure,
    breaches,
    introspection_allowed,
    is_token_limit,
    measure,
)
from gateway.override import LabelRoll
from gateway.planner import MAX_CACHED_CHARS, Planner, PlanningError
from gateway.settings import GatewaySettings
from gateway.supergraph import Supergraph, SupergraphError, parse_supergraph
from gateway.transport import SubgraphTransport
from services.common.auth import Role, current_identity

log = logging.getLogger("gateway")


@dataclass(frozen=True)
class Outcome:
    """The GraphQL response and how HTTP should carry it.

    `request_error` marks a response without `data` (the request never executed): 400 under
    graphql-response+json, 200 under json. `get_mutation` marks a mutation sent by GET (405).
    `status` and `headers`, when set, are the HTTP status and headers whatever the media type
    (429 and Retry-After for a caller with too many expensive operations running).
    """

    body: dict[str, Any]
    request_error: bool = False
    get_mutation: bool = False
    status: int | None = None
    headers: dict[str, str] | None = None


def _request_error(errors: list[GraphQLError] | list[dict[str, Any]]) -> Outcome:
    formatted = [e.formatted if isinstance(e, GraphQLError) else e for e in errors]
    return Outcome({"errors": formatted}, request_error=True)


@dataclass
class _Document:
    """A parsed document, its measures per operation and (once asked) its validation."""

    document: DocumentNode | None
    syntax_errors: list[GraphQLError]
    # Validation errors, with suggestions ("Did you mean …") and without (key: hidden).
    validation: dict[bool, list[GraphQLError]] = field(default_factory=dict)
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

    def validate(self, entry: _Document, *, hide_suggestions: bool) -> list[GraphQLError]:
        found = entry.validation.get(hide_suggestions)
        if found is None:
            assert entry.document is not None
            found = validate(self.schema, entry.document, hide_suggestions=hide_suggestions)
            entry.validation[hide_suggestions] = found
        return found


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
        # Progressive-override labels drawn per request; from_settings adds the enabled ones.
        self.labels = LabelRoll(supergraph.override_labels)
        self.executor = Executor(self.schema, transport)
        self.access_log = access_log or AccessLog(None)
        self.expensive = ExpensiveOperations(self.limits.max_expensive_in_flight)

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
        gateway = cls(
            supergraph,
            transport,
            cache_size=settings.plan_cache_size,
            limits=settings.limits(),
            max_tokens=settings.max_tokens,
            access_log=AccessLog.open(settings.access_log),
        )
        gateway.labels = LabelRoll(supergraph.override_labels, settings.override_labels)
        # Several worker processes count callers' expensive operations together (in_flight.py).
        gateway.expensive.locks = AdvisoryLocks.from_env()
        return gateway

    async def run(
        self, params: GraphQLParams, *, method: str = "POST", authenticated: bool | None = None
    ) -> Outcome:
        """Check, validate, plan and execute one GraphQL request, and log it.

        `authenticated` is the caller's state as the auth layer sees it (None: no auth is
        configured); it decides whether introspection is allowed, and with it whether errors
        may suggest names of the schema ("Did you mean …"). The caller is the identity being
        served (`GatewayAuth.serving`).
        """
        request = self.access_log.start(current_identity(), params.client)
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
        identity = current_identity()
        trusted = identity.role is Role.SERVICE
        # Limits before validation, for every operation of the document: validating an
        # oversized operation is itself the attack.
        refused, work = self._limits(
            entry, operation, params.variables, authenticated=authenticated, trusted=trusted
        )
        if refused:
            return _request_error(refused)
        # GraphQL over HTTP: a mutation sent by GET is 405 even when it would not validate.
        if method == "GET" and operation is not None and operation.operation != OperationType.QUERY:
            return Outcome(
                {"errors": [{"message": "Only queries can be sent with GET; use POST."}]},
                request_error=True,
                get_mutation=True,
            )
        # Suggestions name parts of the schema: only for callers who may introspect it.
        hide = not introspection_allowed(self.limits, authenticated=authenticated)
        errors = self.documents.validate(entry, hide_suggestions=hide)
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
            self.schema,
            operation.variable_definitions or (),
            params.variables,
            max_errors=50,
            hide_suggestions=hide,
        )
        if isinstance(coerced, list):
            return _request_error(coerced)
        if trusted or work < self.limits.expensive_work:
            return await self._execute(params, document, operation, coerced.coerced)
        async with self.expensive.slot(caller_key(identity, params.client)) as admitted:
            if not admitted:  # refused before any subgraph is asked
                return replace(
                    _request_error([self.expensive.refusal()]),
                    status=429,
                    headers={"retry-after": str(RETRY_AFTER)},
                )
            return await self._execute(params, document, operation, coerced.coerced)

    def _limits(
        self,
        entry: _Document,
        operation: OperationDefinitionNode | None,
        variables: dict[str, Any],
        *,
        authenticated: bool | None,
        trusted: bool,
    ) -> tuple[list[dict[str, Any]], int]:
        """The limits' refusals of every operation of the document, and the work of the one
        that runs (`operation`): only it may introspect, and only its work is done."""
        assert entry.document is not None
        refused: list[dict[str, Any]] = []
        work = 0
        for candidate in entry.document.definitions:
            if isinstance(candidate, OperationDefinitionNode):
                found = self._measure(entry, candidate, variables)
                if candidate is not operation:
                    found = replace(found, introspection=False, work=0, heaviest=0)
                else:
                    work = found.work
                refused += breaches(
                    found, self.limits, authenticated=authenticated, trusted=trusted
                )
        return refused, work

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
                field_costs=self.limits.field_costs,
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
            plan = self.planner.plan(params.query, document, operation, coerced, self.labels.roll())
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
