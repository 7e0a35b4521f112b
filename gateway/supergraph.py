"""The supergraph as the planner needs it: which subgraph resolves which type and field.

A supergraph SDL (Apollo Federation v2, `join` v0.x) carries the routing facts in directives:
`@join__graph` on the `join__Graph` enum names each subgraph and its URL, `@join__type` says
which subgraphs know a type and under which keys, `@join__field` which of them resolve a field,
`@join__implements` / `@join__unionMember` which subgraph knows which possible type. This
module reads them once into plain, immutable objects.

Feature names come from the schema's `@link` directives, so a supergraph that imports `join`
or `inaccessible` under another name (`as:`) still reads correctly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    NamedTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    parse,
    value_from_ast_untyped,
)
from graphql.language import ListTypeNode, NonNullTypeNode

from gateway.override import always_enabled, overridden_away

_KINDS: dict[type, str] = {
    ObjectTypeDefinitionNode: "object",
    ObjectTypeExtensionNode: "object",
    InterfaceTypeDefinitionNode: "interface",
    InterfaceTypeExtensionNode: "interface",
    UnionTypeDefinitionNode: "union",
    UnionTypeExtensionNode: "union",
    EnumTypeDefinitionNode: "enum",
    EnumTypeExtensionNode: "enum",
    InputObjectTypeDefinitionNode: "input",
    InputObjectTypeExtensionNode: "input",
    ScalarTypeDefinitionNode: "scalar",
    ScalarTypeExtensionNode: "scalar",
}


_VERSION = re.compile(r"^v\d+\.\d+$")


class SupergraphError(ValueError):
    """The SDL is not a federation v2 supergraph this gateway can route."""


@dataclass(frozen=True)
class LinkNames:
    """Names the supergraph gives to the features the gateway reads (after `@link(as:)`)."""

    join: str = "join"
    link: str = "link"
    inaccessible: str = "inaccessible"
    # Local names of the federation features (specs.apollo.dev) linked by the schema: the API
    # schema drops their directives and `name__*` types. Other links (composed directives) stay.
    features: frozenset[str] = frozenset({"join", "link", "inaccessible"})

    def join_directive(self, name: str) -> str:
        """`join__type` and friends, under the name this supergraph uses."""
        return f"{self.join}__{name}"


@dataclass(frozen=True)
class SubgraphInfo:
    """One subgraph: its `join__Graph` enum value, its name and where to reach it."""

    enum_value: str
    name: str
    url: str


@dataclass(frozen=True)
class TypeJoin:
    """One `@join__type`: `graph` knows the type, resolvable by `key` if it has one."""

    graph: str
    key: str | None = None
    extension: bool = False
    resolvable: bool = True
    is_interface_object: bool = False


@dataclass(frozen=True)
class FieldJoin:
    """One `@join__field`; `graph` is None for the rare bare directive."""

    graph: str | None
    requires: str | None = None
    provides: str | None = None
    type: str | None = None
    external: bool = False
    override: str | None = None
    used_overridden: bool = False
    override_label: str | None = None


@dataclass(frozen=True)
class FieldInfo:
    """A field of a supergraph type and the subgraphs that can resolve it."""

    name: str
    type_name: str
    joins: tuple[FieldJoin, ...]
    graphs: frozenset[str]
    inaccessible: bool = False

    def join_for(self, graph: str) -> FieldJoin | None:
        """The `@join__field` of `graph`, if the field has one there."""
        return next((j for j in self.joins if j.graph == graph), None)


@dataclass(frozen=True)
class TypeInfo:
    """A supergraph type: its kind, the subgraphs that know it, its fields and members."""

    name: str
    kind: str
    joins: tuple[TypeJoin, ...]
    fields: Mapping[str, FieldInfo]
    implements: tuple[tuple[str, str], ...] = ()
    union_members: tuple[tuple[str, str], ...] = ()
    inaccessible: bool = False
    graphs: frozenset[str] = field(default_factory=frozenset)

    def is_interface_object_in(self, graph: str) -> bool:
        """Whether `graph` declares this interface as an object (`@interfaceObject`)."""
        return any(j.graph == graph and j.is_interface_object for j in self.joins)

    def keys(self, graph: str) -> tuple[str, ...]:
        """Keys by which `graph` can resolve this type as an entity (`_entities`)."""
        return tuple(j.key for j in self.joins if j.graph == graph and j.key and j.resolvable)

    def all_keys(self, graph: str) -> tuple[str, ...]:
        """Every key `graph` declares, resolvable or not (it can still return them)."""
        return tuple(j.key for j in self.joins if j.graph == graph and j.key)


@dataclass(frozen=True)
class Supergraph:
    """The routing facts of one supergraph; build with `parse_supergraph`."""

    sdl: str
    document: DocumentNode
    names: LinkNames
    subgraphs: Mapping[str, SubgraphInfo]
    types: Mapping[str, TypeInfo]
    query_type: str = "Query"
    mutation_type: str | None = None
    subscription_type: str | None = None
    # Every progressive-override label, and the ones this routing treats as enabled.
    override_labels: frozenset[str] = frozenset()
    enabled_labels: frozenset[str] = frozenset()

    def field(self, type_name: str, field_name: str) -> FieldInfo:
        """The field `type_name.field_name`; KeyError if the supergraph has none."""
        return self.types[type_name].fields[field_name]

    def resolving_graphs(self, type_name: str, field_name: str) -> frozenset[str]:
        """Subgraphs that can resolve `type_name.field_name` (empty if none)."""
        info = self.types.get(type_name)
        found = info.fields.get(field_name) if info else None
        return found.graphs if found else frozenset()

    def possible_types(self, abstract: str, graph: str) -> tuple[str, ...]:
        """Object types of `abstract` (union or interface) that `graph` knows as such."""
        info = self.types[abstract]
        if info.kind == "union":
            return tuple(m for g, m in info.union_members if g == graph)
        return tuple(
            t.name
            for t in self.types.values()
            if t.kind == "object" and (graph, abstract) in t.implements
        )

    def is_entity(self, type_name: str) -> bool:
        """Whether some subgraph declares a key for `type_name` (so it can be jumped to)."""
        info = self.types.get(type_name)
        return info is not None and any(j.key for j in info.joins)

    def with_labels(self, enabled: frozenset[str]) -> Supergraph:
        """The same supergraph routed with `enabled` progressive-override labels."""
        if enabled == self.enabled_labels:
            return self
        types = dict(self.types)
        for name, info in self.types.items():
            moved = {
                f.name: replace(f, graphs=_resolving(f.joins, enabled))
                for f in info.fields.values()
                if any(j.override_label for j in f.joins)
            }
            if moved:  # only labelled fields change: no second parse on the request path
                types[name] = replace(info, fields=MappingProxyType({**info.fields, **moved}))
        return replace(self, types=MappingProxyType(types), enabled_labels=enabled)

    def with_urls(self, overrides: Mapping[str, str]) -> Supergraph:
        """A copy whose subgraph URLs are replaced by `overrides` (by subgraph name)."""
        unknown = set(overrides) - set(self.subgraphs)
        if unknown:
            raise SupergraphError(f"URL override for unknown subgraph(s): {sorted(unknown)}")
        subgraphs = {
            name: replace(info, url=overrides.get(name, info.url))
            for name, info in self.subgraphs.items()
        }
        return replace(self, subgraphs=MappingProxyType(subgraphs))


def named_type(node: TypeNode) -> str:
    """The name under list and non-null wrappers: `[Zone!]!` -> `Zone`."""
    while isinstance(node, ListTypeNode | NonNullTypeNode):
        node = node.type
    assert isinstance(node, NamedTypeNode)  # the only other TypeNode
    return node.name.value


def _args(directive: DirectiveNode) -> dict[str, Any]:
    return {a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments or ()}


def _directives(node: Any, name: str) -> list[dict[str, Any]]:
    return [_args(d) for d in node.directives or () if d.name.value == name]


def _has(node: Any, name: str) -> bool:
    return any(d.name.value == name for d in node.directives or ())


def _link_names(document: DocumentNode) -> LinkNames:
    """Read `@link(url:, as:)` on the schema to learn the local names of the features."""
    schema_nodes = [
        d for d in document.definitions if isinstance(d, SchemaDefinitionNode | SchemaExtensionNode)
    ]
    local: dict[str, str] = {}
    machinery: set[str] = set()
    for node in schema_nodes:
        for directive in node.directives or ():
            args = _args(directive)
            url = args.get("url")
            if not isinstance(url, str) or "/" not in url:
                continue
            # https://specs.apollo.dev/join/v0.5 -> "join"
            parts = [p for p in url.rstrip("/").split("/") if p]
            versioned = len(parts) > 1 and _VERSION.match(parts[-1])
            feature = parts[-2] if versioned else parts[-1]
            local[feature] = args.get("as") or feature
            if "://specs.apollo.dev/" in url:
                machinery.add(local[feature])
    if "join" not in local:
        raise SupergraphError("not a supergraph: the schema does not @link the join spec")
    return LinkNames(
        join=local["join"],
        link=local.get("link", "link"),
        inaccessible=local.get("inaccessible", "inaccessible"),
        features=frozenset(machinery),
    )


def _subgraphs(document: DocumentNode, names: LinkNames) -> dict[str, SubgraphInfo]:
    enum_name = f"{names.join}__Graph"
    graph_directive = names.join_directive("graph")
    found: dict[str, SubgraphInfo] = {}
    for node in document.definitions:
        if isinstance(node, EnumTypeDefinitionNode) and node.name.value == enum_name:
            for value in node.values or ():
                for args in _directives(value, graph_directive):
                    found[value.name.value] = SubgraphInfo(
                        enum_value=value.name.value, name=args["name"], url=args["url"]
                    )
    if not found:
        raise SupergraphError(f"the supergraph declares no subgraphs ({enum_name} is empty)")
    return found


def _resolving(joins: tuple[FieldJoin, ...], enabled: frozenset[str] | None) -> frozenset[str]:
    """The subgraphs that resolve a field by its `@join__field`s, `enabled` the override labels.
    External and overridden-away copies exist only to feed keys and @requires."""
    with_graph = [j for j in joins if j.graph is not None]
    away = overridden_away(with_graph, enabled)
    return frozenset(
        j.graph
        for j in with_graph
        if j.graph is not None and not j.external and not j.used_overridden and j.graph not in away
    )


def _field_infos(
    node: Any,
    graphs_of_type: frozenset[str],
    names: LinkNames,
    by_enum: Mapping[str, str],
    enabled: frozenset[str] | None,
) -> dict[str, FieldInfo]:
    fields: dict[str, FieldInfo] = {}
    for definition in getattr(node, "fields", None) or ():
        joins = tuple(
            FieldJoin(
                graph=by_enum.get(args["graph"]) if args.get("graph") else None,
                requires=args.get("requires"),
                provides=args.get("provides"),
                type=args.get("type"),
                external=bool(args.get("external")),
                override=args.get("override"),
                used_overridden=bool(args.get("usedOverridden")),
                override_label=args.get("overrideLabel"),
            )
            for args in _directives(definition, names.join_directive("field"))
        )
        if joins and not any(j.graph is not None for j in joins):
            # A bare `@join__field` (an implementation's copy of a field an interface object
            # adds): no subgraph resolves it on this type; see gateway.interface_objects.
            graphs: frozenset[str] = frozenset()
        elif joins:
            graphs = _resolving(joins, enabled)
        else:
            graphs = graphs_of_type
        fields[definition.name.value] = FieldInfo(
            name=definition.name.value,
            type_name=named_type(definition.type) if hasattr(definition, "type") else "",
            joins=joins,
            graphs=graphs,
            inaccessible=_has(definition, names.inaccessible),
        )
    return fields


def _type_info(
    node: Any,
    names: LinkNames,
    by_enum: Mapping[str, str],
    previous: TypeInfo | None,
    enabled: frozenset[str] | None,
) -> TypeInfo:
    joins = tuple(
        TypeJoin(
            graph=by_enum[args["graph"]],
            key=args.get("key"),
            extension=bool(args.get("extension", False)),
            resolvable=bool(args.get("resolvable", True)),
            is_interface_object=bool(args.get("isInterfaceObject", False)),
        )
        for args in _directives(node, names.join_directive("type"))
    )
    implements = tuple(
        (by_enum[a["graph"]], a["interface"])
        for a in _directives(node, names.join_directive("implements"))
    )
    members = tuple(
        (by_enum[a["graph"]], a["member"])
        for a in _directives(node, names.join_directive("unionMember"))
    )
    if previous is not None:  # a type extension adds to what the definition said
        joins, implements = previous.joins + joins, previous.implements + implements
        members = previous.union_members + members
    graphs = frozenset(j.graph for j in joins)
    fields = dict(previous.fields) if previous else {}
    fields.update(_field_infos(node, graphs, names, by_enum, enabled))
    return TypeInfo(
        name=node.name.value,
        kind=_KINDS[type(node)],
        joins=joins,
        fields=MappingProxyType(fields),
        implements=implements,
        union_members=members,
        inaccessible=(previous.inaccessible if previous else False)
        or _has(node, names.inaccessible),
        graphs=graphs,
    )


def _root_types(document: DocumentNode) -> dict[str, str]:
    roots = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}
    explicit: dict[str, str] = {}
    for node in document.definitions:
        if isinstance(node, SchemaDefinitionNode | SchemaExtensionNode):
            for op in node.operation_types or ():
                explicit[op.operation.value] = op.type.name.value
    return explicit or roots


def parse_supergraph(sdl: str, enabled_labels: frozenset[str] | None = None) -> Supergraph:
    """Read a supergraph SDL into a `Supergraph`; raise SupergraphError if it is not one.

    `enabled_labels`: the progressive-override labels to route by (None: those enabled on
    every request, `gateway.override.label_enabled`)."""
    document = parse(sdl, no_location=True)
    names = _link_names(document)
    subgraphs = _subgraphs(document, names)
    by_enum = {enum: info.name for enum, info in subgraphs.items()}
    types: dict[str, TypeInfo] = {}
    for node in document.definitions:
        if type(node) in _KINDS:
            assert isinstance(node, TypeDefinitionNode | TypeExtensionNode)  # as _KINDS all are
            name = node.name.value
            types[name] = _type_info(node, names, by_enum, types.get(name), enabled_labels)
    labels = frozenset(
        join.override_label
        for info in types.values()
        for found in info.fields.values()
        for join in found.joins
        if join.override_label
    )
    roots = _root_types(document)
    present = {op: name for op, name in roots.items() if name in types}
    if "query" not in present:
        raise SupergraphError("the supergraph has no query type")
    return Supergraph(
        sdl=sdl,
        document=document,
        names=names,
        subgraphs=MappingProxyType({info.name: info for info in subgraphs.values()}),
        types=MappingProxyType(types),
        query_type=present["query"],
        mutation_type=present.get("mutation"),
        subscription_type=present.get("subscription"),
        override_labels=labels,
        enabled_labels=always_enabled(labels) if enabled_labels is None else enabled_labels,
    )


def graphs_in_order(supergraph: Supergraph, graphs: Iterable[str]) -> list[str]:
    """`graphs` in the supergraph's declaration order, so plans are deterministic."""
    wanted = set(graphs)
    return [name for name in supergraph.subgraphs if name in wanted]
