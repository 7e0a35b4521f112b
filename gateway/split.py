"""Splitting a selection between subgraphs where value types make one subgraph not enough.

A value type (an object type without a key, `@shareable`) may have some fields in one subgraph
and others in another. Its objects cannot be fetched by key, so the federation model fetches
the nearest field that can be fetched again (a root field, or a field of an entity the planner
can jump to by key) from several subgraphs, each selecting the part it resolves, and merges
the answers. This module says which part of a selection a subgraph can serve where it stands
(`split`) and how to cover a whole selection with the fewest subgraphs (`cover`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from graphql import (
    FieldNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
    parse_type,
)

from gateway.collect import FieldGroups, sub_selections
from gateway.supergraph import Supergraph, named_type

Collect = Callable[[GraphQLObjectType, list[SelectionSetNode]], FieldGroups]


@dataclass(frozen=True)
class Part:
    """What one subgraph serves of a selection: the fields (a restricted copy of the client's
    nodes where only part of a value type is served), how many fields that is, and what is
    left for other subgraphs."""

    served: FieldGroups
    count: int
    rest: FieldGroups


def restrict(node: FieldNode, groups: FieldGroups) -> FieldNode:
    """`node` selecting only `groups` (already collected, so its own `@skip`/`@include` held)."""
    selections = tuple(n for nodes in groups.values() for n in nodes)
    return FieldNode(
        alias=node.alias,
        name=node.name,
        arguments=node.arguments,
        directives=(),
        selection_set=SelectionSetNode(selections=selections),
    )


class Splitter:
    """Splits selections of value types between the subgraphs that resolve their fields."""

    def __init__(self, supergraph: Supergraph, schema: GraphQLSchema, collect: Collect) -> None:
        self.supergraph = supergraph
        self.schema = schema
        self.collect = collect

    def value_child(self, type_name: str, name: str) -> GraphQLObjectType | None:
        """The type of `type_name.name` when it is a value type: an object type without key.
        Entities are reached by key jumps and abstract types per runtime type, not here."""
        parent = self.schema.get_type(type_name)
        fields = getattr(parent, "fields", None)
        if not fields or name not in fields:
            return None
        named = get_named_type(fields[name].type)
        if isinstance(named, GraphQLObjectType) and not self.supergraph.is_entity(named.name):
            return named
        return None

    def own_type(self, graph: str, parent: str, name: str) -> GraphQLObjectType | None:
        """The object type `graph` gives `parent.name` where its `@join__field(type:)` names
        one that differs from the supergraph's (an implementation or a union member)."""
        info = self.supergraph.types.get(parent)
        found = info.fields.get(name) if info else None
        join = found.join_for(graph) if found else None
        if join is None or not join.type:
            return None
        own = self.schema.get_type(named_type(parse_type(join.type)))
        return own if isinstance(own, GraphQLObjectType) else None

    def missing(self, graph: str | None, type_name: str, groups: FieldGroups) -> int:
        """How many fields of `groups`, at any depth, `graph` would leave to other subgraphs
        (every field when `graph` is None): ranks the subgraphs a root field could come from.
        Below an abstract field only the types `graph` can return there count (all of them
        for an interface object)."""
        count = 0
        for nodes in groups.values():
            name = nodes[0].name.value
            if name == "__typename":
                continue
            if graph is not None and graph not in self.supergraph.resolving_graphs(type_name, name):
                count += self.missing(None, type_name, {"": nodes})  # all of it
                continue
            count += 1 if graph is None else 0
            for runtime in self.runtime_types(graph, type_name, name):
                inner = self.collect(runtime, sub_selections(nodes))
                count += self.missing(graph, runtime.name, inner)
        return count

    def runtime_types(
        self, graph: str | None, type_name: str, name: str
    ) -> list[GraphQLObjectType]:
        """The object types `type_name.name` can hold in `graph`'s answer (any, for None)."""
        parent = self.schema.get_type(type_name)
        fields = getattr(parent, "fields", None)
        if not fields or name not in fields:
            return []
        named = get_named_type(fields[name].type)
        own = self.own_type(graph, type_name, name) if graph is not None else None
        if own is not None:
            return [own]
        if isinstance(named, GraphQLObjectType):
            return [named]
        if not is_abstract_type(named):
            return []
        assert isinstance(named, GraphQLInterfaceType | GraphQLUnionType)  # abstract
        info = self.supergraph.types.get(named.name)
        if graph is None or (info is not None and info.is_interface_object_in(graph)):
            # An interface object's subgraph knows no implementations, yet its objects are
            # each of one: what it cannot resolve of theirs counts as missing there.
            known = None
        else:
            known = set(self.supergraph.possible_types(named.name, graph))
        return [
            t for t in self.schema.get_possible_types(named) if known is None or t.name in known
        ]

    def split(self, graph: str, type_name: str, groups: FieldGroups) -> Part:
        """The part of `groups` (fields of `type_name`) that `graph` serves from where it
        stands: fields it resolves, and inside value types only the fields it resolves
        there too (anything under an entity or an abstract type it can reach otherwise)."""
        served: FieldGroups = {}
        rest: FieldGroups = {}
        count = 0
        for key, nodes in groups.items():
            name = nodes[0].name.value
            if name == "__typename":
                served[key] = nodes
                continue
            if graph not in self.supergraph.resolving_graphs(type_name, name):
                rest[key] = nodes
                continue
            child = self.value_child(type_name, name)
            if child is None:
                served[key] = nodes
                count += 1
                continue
            inner = self.split(graph, child.name, self.collect(child, sub_selections(nodes)))
            if not inner.rest:
                served[key] = nodes
                count += 1 + inner.count
            elif inner.count == 0:
                rest[key] = nodes  # nothing of it here: no reason to select it here
            else:
                served[key] = [restrict(nodes[0], inner.served)]
                rest[key] = [restrict(nodes[0], inner.rest)]
                count += 1 + inner.count
        return Part(served, count, rest)

    def cover(
        self,
        type_name: str,
        key: str,
        nodes: list[FieldNode],
        graphs: Sequence[str],
        rank: Callable[[str], tuple] = lambda _graph: (),
    ) -> list[tuple[str, list[FieldNode]]]:
        """(graph, nodes) pieces that together serve `key`, chosen greedily: each time a graph
        serving all that is left if one does, else the one serving the most of it; ties go
        by `rank` (higher first), then `graphs`' order. Raises ValueError naming what no
        graph serves."""
        pieces: list[tuple[str, list[FieldNode]]] = []
        left = {key: nodes}
        unused = list(graphs)
        while left:
            parts = {g: self.split(g, type_name, left) for g in unused}
            best = max(
                unused,
                key=lambda g: (not parts[g].rest, parts[g].count, *rank(g)),
                default=None,
            )
            if best is None or parts[best].count == 0:
                raise ValueError(unserved(self, type_name, left))
            pieces.append((best, parts[best].served[key]))
            left = parts[best].rest
            unused.remove(best)
        return pieces


def unserved(splitter: Splitter, type_name: str, groups: FieldGroups) -> str:
    """`type.field` paths of the leaves left in `groups`, for a planning error."""
    found: list[str] = []
    for nodes in groups.values():
        name = nodes[0].name.value
        child = splitter.value_child(type_name, name)
        inner = splitter.collect(child, sub_selections(nodes)) if child is not None else {}
        if child is not None and inner:
            found.append(unserved(splitter, child.name, inner))
        else:
            found.append(f"{type_name}.{name}")
    return ", ".join(found)
