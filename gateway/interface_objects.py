"""Routing through interface objects (`@interfaceObject`).

A subgraph may declare an entity interface `I` of another subgraph as an object type and add
fields to it without knowing I's implementations. The supergraph then marks that subgraph's
`@join__type` of I `isInterfaceObject: true`, and writes a bare `@join__field` on each
implementation's copy of the added fields. Two moves follow:

- a field an interface object adds, asked on an implementation `T`, is fetched from the
  interface object's subgraph by `_entities` with representations `{__typename: "I", key}`;
  the objects keep their real `__typename` (that subgraph answers "I");
- an `I` value returned by the interface object's subgraph has no real `__typename`: a
  subgraph that knows I as an interface (with a resolvable key) is asked for it, and for the
  implementations' own fields, before anything that depends on the runtime type.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, Protocol, cast

from graphql import (
    FieldNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    SelectionSetNode,
    print_ast,
)

from gateway.collect import FieldGroups
from gateway.keys import field_set
from gateway.plan import Fetch, KeyField, PlanningError, Selection
from gateway.supergraph import Supergraph, graphs_in_order

Provided = Mapping[str, Any]


class Walker(Protocol):
    """The planner's walk, as the routing here uses it (`gateway.planner._Builder`)."""

    supergraph: Supergraph
    schema: GraphQLSchema
    iobj: InterfaceObjects
    typename_alias: str

    def plan_object(  # noqa: PLR0913 -- as the planner's
        self,
        fetch: Fetch,
        selection: Selection,
        type_name: str,
        groups: FieldGroups,
        path: tuple[str, ...],
        provided: Provided | None = None,
        *,
        required_ready: bool = False,
    ) -> None: ...

    def plan_field(  # noqa: PLR0913 -- as the planner's
        self,
        fetch: Fetch,
        selection: Selection,
        parent: str,
        key: str,
        nodes: list[FieldNode],
        path: tuple[str, ...],
        provided: Provided | None = None,
    ) -> None: ...

    def require(  # noqa: PLR0913 -- as the planner's
        self,
        fetch: Fetch,
        selection: Selection,
        type_name: str,
        fields: SelectionSetNode,
        path: tuple[str, ...],
        *,
        optional: bool = False,
        depth: int = 0,
        avoid: str = "",
    ) -> tuple[tuple[KeyField, ...], list[int]]: ...

    def add_requires(
        self,
        fetch: Fetch,
        selection: Selection,
        type_name: str,
        child: Fetch,
        fields: FieldGroups,
        path: tuple[str, ...],
    ) -> None: ...

    def entity_fetch(
        self,
        graph: str,
        type_name: str,
        path: tuple[str, ...],
        key_fields: tuple[KeyField, ...],
        after: list[int],
        *,
        variant: str = "",
    ) -> Fetch: ...

    def collect(
        self, runtime: GraphQLObjectType, subsets: list[SelectionSetNode]
    ) -> FieldGroups: ...

    def local(self, graph: str, type_name: str, name: str, provided: Provided | None) -> bool: ...

    def requires(self, graph: str, type_name: str, name: str) -> str | None: ...


class InterfaceObjects:
    """Which interface object resolves a field, and who tells an object's real type."""

    def __init__(self, supergraph: Supergraph) -> None:
        self.supergraph = supergraph
        self.route = cache(self._route)
        self.typename_source = cache(self._typename_source)

    def is_interface_object(self, type_name: str, graph: str) -> bool:
        """Whether `graph` knows the interface `type_name` as an object."""
        info = self.supergraph.types.get(type_name)
        return info is not None and info.is_interface_object_in(graph)

    def _route(self, type_name: str, field: str) -> tuple[str, str, str] | None:
        """(interface, graph, key): an interface object that resolves `type_name.field` for an
        implementation whose own copy of the field no subgraph resolves."""
        info = self.supergraph.types.get(type_name)
        if info is None or info.kind != "object":
            return None
        interfaces = dict.fromkeys(name for _, name in info.implements)
        for interface in interfaces:
            found = self.supergraph.types.get(interface)
            if found is None or field not in found.fields:
                continue
            graphs = graphs_in_order(self.supergraph, found.fields[field].graphs)
            for graph in graphs:
                keys = found.keys(graph)
                if found.is_interface_object_in(graph) and keys:
                    return interface, graph, keys[0]
        return None

    def _typename_source(self, interface: str, source: str) -> tuple[str, str] | None:
        """(graph, key): a subgraph that knows `interface` as an interface and resolves it by
        a key whose fields `source` (an interface object's subgraph) resolves."""
        info = self.supergraph.types[interface]
        for join in info.joins:
            if join.is_interface_object or not join.key or not join.resolvable:
                continue
            fields = field_set(join.key).selections
            if all(
                isinstance(f, FieldNode)
                and source in self.supergraph.resolving_graphs(interface, f.name.value)
                for f in fields
            ):
                return join.graph, join.key
        return None


def plan_added_fields(
    builder: Walker,
    fetch: Fetch,
    selection: Selection,
    type_name: str,
    path: tuple[str, ...],
    routed: dict[tuple[str, str, str], FieldGroups],
) -> None:
    """Fetch fields interface objects add (grouped by (interface, graph, key)) for the
    `type_name` objects `fetch` puts at `path`."""
    for (interface, graph, key), fields in routed.items():
        selection.add(builder.typename_alias, "__typename")
        key_fields, after = builder.require(fetch, selection, type_name, field_set(key), path)
        # Implementations asked other fields under one response key (`... on Book { x: rating
        # } ... on Movie { x: score }`) need fetches of their own; alike ones share one.
        child = builder.entity_fetch(
            graph, interface, path, key_fields, after, variant=selection_text(fields)
        )
        child.accepts.add(type_name)
        # The interface object's `@requires` name the interface's fields: `fetch` has them.
        builder.add_requires(fetch, selection, interface, child, fields, path)
        builder.plan_object(child, child.selection, interface, fields, path, required_ready=True)


def selection_text(fields: FieldGroups) -> str:
    """`fields` as GraphQL text: implementations whose texts are equal ask the same."""
    return " ".join(print_ast(node) for nodes in fields.values() for node in nodes)


def plan_interface_value(  # noqa: PLR0913 -- plan_field's abstract branch, passed on as it is
    builder: Walker,
    fetch: Fetch,
    children: Selection,
    interface: GraphQLInterfaceType,
    subsets: list[SelectionSetNode],
    path: tuple[str, ...],
    provided: Provided | None,
) -> None:
    """Plan an `interface` value that `fetch`'s subgraph returns as an interface object.

    Fields asked alike of every implementation and resolved there stay in `fetch`; a subgraph
    that knows the interface tells each object's real `__typename` and resolves the rest per
    implementation (from there, fields of other subgraphs follow as usual).
    """
    name = interface.name
    source = builder.iobj.typename_source(name, fetch.graph)
    if source is None:
        raise PlanningError(
            f"Cannot plan {name}: {fetch.graph} returns it as an interface object and no "
            f"subgraph that knows {name} as an interface can be reached by its key."
        )
    graph, key = source
    children.add(builder.typename_alias, "__typename")
    key_fields, after = builder.require(fetch, children, name, field_set(key), path)
    typer = builder.entity_fetch(graph, name, path, key_fields, after)
    typer.selection.add(builder.typename_alias, "__typename")
    # Collecting on the interface keeps the fields every implementation is asked alike.
    common = builder.collect(cast(GraphQLObjectType, interface), subsets)
    runtimes = {
        t.name: builder.collect(t, subsets) for t in builder.schema.get_possible_types(interface)
    }
    here: FieldGroups = {}
    for key_name, nodes in common.items():
        field = nodes[0].name.value
        if field == "__typename":
            continue
        alike = all(groups.get(key_name) == nodes for groups in runtimes.values())
        if (
            alike
            and builder.local(fetch.graph, name, field, provided)
            and not builder.requires(fetch.graph, name, field)
        ):
            here[key_name] = nodes
    for key_name, nodes in here.items():
        builder.plan_field(fetch, children, name, key_name, nodes, path, provided)
    known = set(builder.supergraph.possible_types(name, graph))
    for runtime, groups in runtimes.items():
        rest = {
            k: n for k, n in groups.items() if k not in here and n[0].name.value != "__typename"
        }
        if not rest:
            continue
        if runtime not in known:
            continue  # `graph` never answers this type
        builder.plan_object(typer, typer.selection.on(runtime), runtime, rest, path)
