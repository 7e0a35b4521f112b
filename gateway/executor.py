"""Running a query plan: fetch, merge JSON, re-path errors, shape the response.

Stages run in order; inside a stage every fetch starts as soon as the fetches it depends on are
done, so independent fetches overlap. Results are merged as plain JSON into one tree; entity
results go to the objects whose representations asked for them (one representation per
distinct typename and key, its result fanned back to every object that had it). A final pass
(`gateway.shape`) cuts the tree to the client's selection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
from graphql import DocumentNode, GraphQLSchema, execute_sync

from gateway.errors import clean_error, client_path, internal_error, subgraph_path
from gateway.plan import EntityBatch, Fetch, QueryPlan, Selection, SubField
from gateway.shape import Shaper
from gateway.transport import SubgraphError, SubgraphTransport

log = logging.getLogger("gateway.executor")

Located = tuple[dict[str, Any], tuple[Any, ...]]
"""An object of the merged tree and its response path."""


def deep_merge(target: dict[str, Any], source: dict[str, Any]) -> None:
    """Merge `source` into `target`; objects (and lists of them) are merged key by key."""
    for key, value in source.items():
        present = target.get(key)
        if isinstance(present, dict) and isinstance(value, dict):
            deep_merge(present, value)
        elif isinstance(present, list) and isinstance(value, list) and len(present) == len(value):
            for index, (old, new) in enumerate(zip(present, value, strict=True)):
                if isinstance(old, dict) and isinstance(new, dict):
                    deep_merge(old, new)
                else:
                    present[index] = new
        else:
            target[key] = value


def _flatten(value: Any, path: tuple[Any, ...], out: list[Located]) -> None:
    if isinstance(value, dict):
        out.append((value, path))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _flatten(item, (*path, index), out)


def objects_at(root: dict[str, Any], path: tuple[str, ...]) -> list[Located]:
    """Objects found at a response path, through lists at any depth, with their paths."""
    current: list[Located] = [(root, ())]
    for key in path:
        following: list[Located] = []
        for obj, at in current:
            _flatten(obj.get(key), (*at, key), following)
        current = following
    return current


def _without_internal(value: Any, prefix: str) -> Any:
    """A key or `@requires` value without the fields the gateway added under its prefix
    (typenames and keys of the entity fetches that completed it)."""
    if isinstance(value, dict):
        return {
            k: _without_internal(v, prefix) for k, v in value.items() if not k.startswith(prefix)
        }
    if isinstance(value, list):
        return [_without_internal(item, prefix) for item in value]
    return value


SelectionAt = Callable[[Sequence[Any]], tuple[Selection, int] | None]
"""For an error path: the fetch's selection it runs through, and how many leading keys lie
outside it (`_entities` and the index); None when unknown."""


def _no_selection(_: Sequence[Any]) -> None:
    return None


def _members_at(fields: Mapping[str, tuple[Fetch, Any]]) -> SelectionAt:
    """A batch's errors run through the selection of the member their first key names."""

    def where(path: Sequence[Any]) -> tuple[Selection, int] | None:
        member = fields.get(path[0]) if path and isinstance(path[0], str) else None
        return (member[0].selection, 2) if member else None

    return where


def _sub_field(selection: Selection | None, keys: Sequence[Any]) -> SubField | None:
    """The field a path of response keys (list indices skipped) ends at in `selection`."""
    found: SubField | None = None
    for key in keys:
        if isinstance(key, int):
            continue
        found = _field_in(selection, key) if selection is not None else None
        if found is None:
            return None
        selection = found.children
    return found


def _field_in(selection: Selection, key: str) -> SubField | None:
    if key in selection.fields:
        return selection.fields[key]
    for part in selection.fragments.values():
        found = _field_in(part, key)
        if found is not None:
            return found
    return None


def _copies(
    path: Sequence[Any], at: Sequence[Any], cut: int, prefix: str, where: SelectionAt
) -> bool:
    """Whether the internal field ending `path[: cut + 1]` copies the client's field ending
    `at[: cut + 1]`: the same field with the same arguments, as the fetch selects them (else,
    without the selection, a client key that is the copied field's name)."""
    located = where(path)
    if located is not None:
        selection, skip = located
        copy = _sub_field(selection, path[skip : cut + 1])
        client = _sub_field(selection, at[skip : cut + 1])
        if copy is not None and client is not None:
            return (copy.name, copy.arguments) == (client.name, client.arguments)
    return at[cut] == path[cut][len(prefix) :]


def _unshadowed(errors: Any, prefix: str, where: SelectionAt = _no_selection) -> list[Any]:
    """A subgraph's errors without those on an internal field (a key or `@requires` copy)
    that the same failure reports on the client's field it copies (same field, same
    arguments) at the same place: one error for one failure; a failure of another field
    with the same message hides nothing."""
    found = list(errors or ())
    paths = [subgraph_path(e) or [] for e in found]
    kept: list[Any] = []
    for error, path in zip(found, paths, strict=True):
        # From 1 on: a batch's own `_entities` keys (path[0]) carry the prefix too.
        cut = next(
            (
                i
                for i, k in enumerate(path)
                if i > 0 and isinstance(k, str) and k.startswith(prefix)
            ),
            None,
        )
        shadowed = cut is not None and any(
            other is not error
            and other.get("message") == error.get("message")
            and len(at) > cut
            and at[:cut] == path[:cut]
            and isinstance(at[cut], str)
            and not at[cut].startswith(prefix)
            and _copies(path, at, cut, prefix, where)
            for other, at in zip(found, paths, strict=True)
            if isinstance(other, dict) and isinstance(error, dict)
        )
        if not shadowed:
            kept.append(error)
    return kept


class _Run:
    """The state of one request's execution."""

    def __init__(self, plan: QueryPlan, variables: Mapping[str, Any]) -> None:
        self.plan = plan
        self.variables = variables
        self.data: dict[str, Any] = {}
        # (fetch id, error): fetches finish in any order, responses list errors in plan order.
        self.errors: list[tuple[int, dict[str, Any]]] = []
        self.covered: set[tuple[Any, ...]] = set()
        # Reads may share identical subgraph requests in flight; a mutation's fetches never.
        self.shared = plan.kind == "query"

    def fail(self, fetch_id: int, error: dict[str, Any], paths: list[tuple[Any, ...]]) -> None:
        """Record an error that explains the nulls at `paths`."""
        self.errors.append((fetch_id, error))
        self.covered.update(paths)

    def report(self, fetch_id: int, error: dict[str, Any]) -> None:
        """Record an error; a null at (or under) its path needs no second one."""
        self.errors.append((fetch_id, error))
        if "path" in error:
            self.covered.add(tuple(error["path"]))

    def ordered_errors(self) -> list[dict[str, Any]]:
        return [error for _, error in sorted(self.errors, key=lambda item: item[0])]

    def picked_variables(self, fetch: Fetch) -> dict[str, Any]:
        return {k: v for k, v in self.variables.items() if k in fetch.variables}


class Executor:
    """Executes plans against subgraphs through `transport`."""

    def __init__(self, schema: GraphQLSchema, transport: SubgraphTransport) -> None:
        self.schema = schema
        self.transport = transport

    async def execute(self, plan: QueryPlan, variables: Mapping[str, Any]) -> dict[str, Any]:
        """The GraphQL response (`errors` first when present, then `data`)."""
        run = _Run(plan, variables)
        if plan.introspection is not None:
            self._introspect(run)
        for stage in plan.stages:
            await self._run_stage(run, stage)
        errors = run.ordered_errors()
        shaper = Shaper(typename_key=plan.prefix + "__typename", errors=errors, covered=run.covered)
        data = shaper.root(run.data, plan.shape, plan.root_type)
        response: dict[str, Any] = {}
        if errors:
            response["errors"] = errors
        response["data"] = data
        return response

    def _introspect(self, run: _Run) -> None:
        spec = run.plan.introspection
        assert spec is not None
        document = DocumentNode(definitions=(spec.operation, *spec.fragments))
        # Introspection resolvers are synchronous.
        result = execute_sync(self.schema, document, variable_values=dict(run.variables))
        if isinstance(result.data, dict):
            run.data.update(result.data)
        for error in result.errors or ():
            run.report(-1, dict(error.formatted))

    async def _run_stage(self, run: _Run, stage: tuple[Fetch, ...]) -> None:
        tasks: dict[int, asyncio.Task[None]] = {}

        async def after_dependencies(fetch: Fetch) -> None:
            await asyncio.gather(*(tasks[d] for d in fetch.depends_on if d in tasks))
            try:
                await self._run_fetch(run, fetch)
            except Exception:
                # A gateway bug must cost this fetch only, never the whole response.
                log.exception("fetch %s to %s failed in the gateway", fetch.id, fetch.graph)
                run.fail(fetch.id, internal_error(list(fetch.path) or None), [fetch.path])

        async def batch_after_dependencies(batch: EntityBatch) -> None:
            await asyncio.gather(*(tasks[d] for d in batch.depends_on() if d in tasks))
            try:
                await self._run_batch(run, batch)
            except Exception:
                log.exception("batch to %s failed in the gateway", batch.graph)
                for fetch in batch.fetches:
                    run.fail(fetch.id, internal_error(list(fetch.path) or None), [fetch.path])

        for fetch in stage:
            if fetch.id in tasks:
                continue
            batch = run.plan.batch_of.get(fetch.id)
            if batch is None:
                tasks[fetch.id] = asyncio.ensure_future(after_dependencies(fetch))
            else:
                task = asyncio.ensure_future(batch_after_dependencies(batch))
                tasks.update((member.id, task) for member in batch.fetches)
        await asyncio.gather(*set(tasks.values()))

    async def _run_fetch(self, run: _Run, fetch: Fetch) -> None:
        if fetch.is_entity_fetch:
            representations, groups = self._representations(run, fetch)
            if representations:
                await self._run_entity_fetch(run, fetch, representations, groups)
            return
        body = {"query": fetch.document, "variables": run.picked_variables(fetch)}
        root_keys = list(fetch.selection.fields)
        try:
            result = await self.transport.fetch(fetch.graph, body, shared=run.shared)
        except SubgraphError as failure:
            for key in root_keys:
                run.fail(fetch.id, failure.error([key]), [(key,)])
            return
        data = result.get("data")
        if isinstance(data, dict):
            deep_merge(run.data, data)
        else:
            run.covered.update((key,) for key in root_keys)
        for error in _unshadowed(
            result.get("errors"), run.plan.prefix, lambda _: (fetch.selection, 0)
        ):
            path = subgraph_path(error)
            run.report(
                fetch.id, clean_error(error, client_path(path, run.plan.prefix) if path else None)
            )

    async def _run_entity_fetch(
        self, run: _Run, fetch: Fetch, representations: list[dict], groups: list[list[Located]]
    ) -> None:
        variables = run.picked_variables(fetch)
        variables[run.plan.representations_variable] = representations
        try:
            result = await self.transport.fetch(
                fetch.graph, {"query": fetch.document, "variables": variables}, shared=run.shared
            )
        except SubgraphError as failure:
            self._entity_failure(run, fetch, failure, groups)
            return
        data = result.get("data")
        self._merge_entities(run, fetch, data, "_entities", groups)
        for error in _unshadowed(
            result.get("errors"), run.plan.prefix, lambda _: (fetch.selection, 2)
        ):
            self._entity_error(run, fetch, error, "_entities", groups)

    async def _run_batch(self, run: _Run, batch: EntityBatch) -> None:
        """The batch's members that have representations, in one request."""
        members: list[tuple[int, Fetch, list[dict], list[list[Located]]]] = []
        for index, fetch in enumerate(batch.fetches):
            representations, groups = self._representations(run, fetch)
            if representations:
                members.append((index, fetch, representations, groups))
        if len(members) == 1:
            _, fetch, representations, groups = members[0]
            await self._run_entity_fetch(run, fetch, representations, groups)
        if len(members) <= 1:
            return
        variables: dict[str, Any] = {}
        for index, fetch, representations, _ in members:
            variables.update(run.picked_variables(fetch))
            variables[batch.variable(index)] = representations
        document = batch.document(tuple(index for index, *_ in members))
        try:
            result = await self.transport.fetch(
                batch.graph, {"query": document, "variables": variables}, shared=run.shared
            )
        except SubgraphError as failure:
            for _, fetch, _, groups in members:
                self._entity_failure(run, fetch, failure, groups)
            return
        data = result.get("data")
        for index, fetch, _, groups in members:
            self._merge_entities(run, fetch, data, batch.field(index), groups)
        fields = {batch.field(index): (fetch, groups) for index, fetch, _, groups in members}
        for error in _unshadowed(result.get("errors"), run.plan.prefix, _members_at(fields)):
            path = subgraph_path(error)
            key = path[0] if path else ""
            fetch, groups = fields.get(key) or (members[0][1], members[0][3])
            self._entity_error(run, fetch, error, key, groups)

    def _entity_failure(
        self, run: _Run, fetch: Fetch, failure: SubgraphError, groups: list[list[Located]]
    ) -> None:
        """One error for the fetch (not one per object), at the first field it left null."""
        affected = [at for group in groups for _, at in group]
        prefix = run.plan.prefix
        first = next((k for k in fetch.selection.fields if not k.startswith(prefix)), None)
        where = client_path([*affected[0], first] if first else affected[0], prefix)
        run.fail(fetch.id, failure.error(where), affected)

    def _merge_entities(
        self, run: _Run, fetch: Fetch, data: Any, key: str, groups: list[list[Located]]
    ) -> None:
        """Merge each entity of `data[key]` into every object that shared its representation."""
        entities = data.get(key) if isinstance(data, dict) else None
        # An interface object's subgraph answers its own name as `__typename`: the objects
        # keep their real one.
        typename_key = run.plan.prefix + "__typename" if fetch.accepts else None
        if isinstance(entities, list):
            for entity, group in zip(entities, groups, strict=False):
                if isinstance(entity, dict):
                    if typename_key is not None:
                        entity.pop(typename_key, None)
                    for obj, _ in group:
                        deep_merge(obj, entity)
        else:
            run.covered.update(at for group in groups for _, at in group)

    def _representations(self, run: _Run, fetch: Fetch) -> tuple[list[dict], list[list[Located]]]:
        """Distinct representations of the objects at the fetch's path, and who shares each."""
        typename_key = run.plan.prefix + "__typename"
        representations: list[dict[str, Any]] = []
        groups: list[list[Located]] = []
        index: dict[bytes, int] = {}
        wanted = fetch.accepts or {fetch.entity_type or ""}
        for obj, at in objects_at(run.data, fetch.path):
            if obj.get(typename_key) not in wanted:
                continue
            representation: dict[str, Any] = {"__typename": fetch.entity_type}
            for key in fetch.key_fields:
                value = obj.get(key.alias)
                if value is None and not (key.optional and key.alias in obj):
                    break  # no key (its fetch failed or it is null): nothing to ask for
                if key.composite and value is not None:
                    value = _without_internal(value, run.plan.prefix)
                representation[key.name] = value
            else:
                ident = orjson.dumps(representation, option=orjson.OPT_SORT_KEYS)
                position = index.get(ident)
                if position is None:
                    position = index[ident] = len(representations)
                    representations.append(representation)
                    groups.append([])
                groups[position].append((obj, at))
        return representations, groups

    def _entity_error(
        self, run: _Run, fetch: Fetch, error: Any, key: str, groups: list[list[Located]]
    ) -> None:
        """Re-path a subgraph error under `key` (the fetch's `_entities`) to the client's
        objects: every object that shared the representation gets it at its own path."""
        path = subgraph_path(error) or []
        index = path[1] if len(path) >= 2 and path[0] == key else None
        if isinstance(index, int) and 0 <= index < len(groups):
            # The objects may lie below an internal alias themselves (an entity fetch that
            # completes a required object): the client's path stops before it.
            for _, at in groups[index]:
                run.report(
                    fetch.id, clean_error(error, client_path([*at, *path[2:]], run.plan.prefix))
                )
            return
        run.report(fetch.id, clean_error(error, client_path(groups[0][0][1], run.plan.prefix)))
