"""Entity keys: which key links two subgraphs for a type, and how a fetch selects it.

To move from subgraph A to subgraph B for an object, the object needs a key that B resolves
entities by (`@join__type(graph: B, key: ...)`, resolvable). Best, A returns it itself; else a
third subgraph C that A can reach fills in the key fields A lacks (a type with several keys:
A knows `card`, B only `id`, C both). Key fields are selected under internal aliases
(`<prefix><field>`), so they can never collide with the client's fields.
"""

from __future__ import annotations

import zlib
from functools import lru_cache

from graphql import (
    FieldNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
    print_ast,
)

from gateway.plan import KeyField, PlanningError, Selection
from gateway.supergraph import Supergraph, graphs_in_order

# How many subgraphs may stand between the one holding an object and the one it needs.
MAX_HOPS = 2


@lru_cache(maxsize=256)
def field_set(text: str) -> SelectionSetNode:
    """A `join__FieldSet` (`"id org { id }"`) as a selection set."""
    operation = parse("{" + text + "}", no_location=True).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)  # `{…}` parses as one
    return operation.selection_set


def _arguments(node: FieldNode) -> str:
    """A field set field's arguments as GraphQL text (`(unit: KG)`), or ""."""
    if not node.arguments:
        return ""
    return "(" + ", ".join(print_ast(a) for a in node.arguments) + ")"


def _key(name: str, arguments: str) -> str:
    """A response key for `name` with these arguments: the same field with other arguments
    (`weight(unit: G)` beside `weight(unit: KG)`) must not share one."""
    if not arguments:
        return name
    return f"{name}_{zlib.crc32(arguments.encode()):08x}"


def _copy(selection_set: SelectionSetNode, into: Selection, where: str) -> None:
    for node in selection_set.selections:
        if isinstance(node, FieldNode):
            # Inside an object the representation carries the subgraph's answer as it is,
            # so a nested field keeps its own name as its response key: one value, so one
            # set of arguments (`maker { label(lang: "en") }` beside `label(lang: "fr")`).
            name = node.name.value
            arguments = _arguments(node)
            known = into.fields.get(name)
            if known is not None and known.arguments != arguments:
                raise PlanningError(
                    f"Cannot plan {where}.{name}: field sets ask it with different arguments "
                    f"({known.arguments or 'none'} and {arguments or 'none'}) inside one "
                    "object, and a representation carries one value."
                )
            sub = into.add(name, name, arguments, composite=bool(node.selection_set))
            if node.selection_set is not None and sub.children is not None:
                _copy(node.selection_set, sub.children, f"{where}.{name}")
        elif isinstance(node, InlineFragmentNode) and node.type_condition is not None:
            _copy(node.selection_set, into.on(node.type_condition.name.value), where)


class EntityKeys:
    """Key choice between subgraphs, memoized (the supergraph never changes)."""

    def __init__(self, supergraph: Supergraph) -> None:
        self.supergraph = supergraph
        self._between: dict[tuple[str, str, str], str | None] = {}
        self._routes: dict[tuple[str, str, str, int], tuple[str, int] | None] = {}

    def between(self, type_name: str, source: str, target: str) -> str | None:
        """A key of `type_name` that `target` resolves entities by and `source` can provide."""
        ident = (type_name, source, target)
        if ident not in self._between:
            self._between[ident] = self._find(type_name, source, target)
        return self._between[ident]

    def _find(self, type_name: str, source: str, target: str) -> str | None:
        info = self.supergraph.types[type_name]
        declared = {print_ast(field_set(k)) for k in info.all_keys(source)}
        for key in info.keys(target):
            fields = field_set(key)
            # A key `source` declares itself it can return; otherwise all its fields must be
            # resolvable there.
            if print_ast(fields) in declared or all(
                source in self.supergraph.resolving_graphs(type_name, f.name.value)
                for f in fields.selections
                if isinstance(f, FieldNode)
            ):
                return key
        return None

    def route(
        self, type_name: str, source: str, target: str, hops: int = MAX_HOPS
    ) -> tuple[str, int] | None:
        """(key, hops): the key of `type_name` to reach `target` from `source` by, and how many
        subgraphs must first fill in key fields `source` lacks; None when out of reach."""
        ident = (type_name, source, target, hops)
        if ident not in self._routes:
            self._routes[ident] = self._route(type_name, source, target, hops)
        return self._routes[ident]

    def _route(self, type_name: str, source: str, target: str, hops: int) -> tuple[str, int] | None:
        direct = self.between(type_name, source, target)
        if direct is not None:
            return direct, 0
        if hops <= 0:
            return None
        best: tuple[str, int] | None = None
        for key in self.supergraph.types[type_name].keys(target):
            cost = 0
            for node in field_set(key).selections:
                if not isinstance(node, FieldNode):
                    continue
                name = node.name.value
                if source in self.supergraph.resolving_graphs(type_name, name):
                    continue
                helpers = [
                    self.route(type_name, source, g, hops - 1)
                    for g in self.helpers(type_name, name, exclude=target)
                ]
                reachable = [h[1] for h in helpers if h is not None]
                if not reachable:
                    break
                cost += 1 + min(reachable)
            else:
                if best is None or cost < best[1]:
                    best = (key, cost)
        return best

    def returns_key_field(self, graph: str, type_name: str, field: str) -> bool:
        """Whether `graph` returns `field` of a key it declares although the field is
        `@external` there: composition accepts that only where the subgraph gives the key
        fields (`@provides`), so they can be read from it."""
        info = self.supergraph.types.get(type_name)
        found = info.fields.get(field) if info else None
        join = found.join_for(graph) if found else None
        if info is None or join is None or not join.external:
            return False
        return any(
            isinstance(node, FieldNode) and node.name.value == field
            for key in info.all_keys(graph)
            for node in field_set(key).selections
        )

    def helpers(self, type_name: str, field: str, *, exclude: str = "") -> list[str]:
        """Subgraphs that resolve `type_name.field`, in declaration order."""
        graphs = self.supergraph.resolving_graphs(type_name, field) - {exclude}
        return graphs_in_order(self.supergraph, graphs)

    @staticmethod
    def select(
        selection: Selection, fields: SelectionSetNode | str, prefix: str, *, optional: bool = False
    ) -> tuple[KeyField, ...]:
        """Add a field set's fields to `selection` under internal aliases; return how to read
        them."""
        nodes = field_set(fields).selections if isinstance(fields, str) else fields.selections
        found: list[KeyField] = []
        for node in nodes:
            if isinstance(node, FieldNode):
                found.append(EntityKeys.select_field(selection, node, prefix, optional=optional))
        return tuple(found)

    @staticmethod
    def select_field(
        selection: Selection,
        node: FieldNode,
        prefix: str,
        *,
        optional: bool = False,
        nested: bool = True,
        owner: str = "",
    ) -> KeyField:
        """Add one field of a field set to `selection` under its internal alias (arguments, as
        `@requires(fields: "weight(unit: KG)")` has them, are sent too). `nested` False leaves
        an object field's sub-selection for the caller to plan."""
        arguments = _arguments(node)
        composite = node.selection_set is not None
        if optional and not composite:
            # A required leaf the client selects here already is read from the client's
            # field: one value, and one error should it fail.
            for key, sub in selection.fields.items():
                if (
                    not key.startswith(prefix)
                    and sub.children is None
                    and (sub.name, sub.arguments) == (node.name.value, arguments)
                ):
                    return KeyField(node.name.value, key, optional, arguments=arguments)
        alias = prefix + _key(node.name.value, arguments)
        sub = selection.add(alias, node.name.value, arguments, composite=composite)
        if nested and node.selection_set is not None and sub.children is not None:
            _copy(node.selection_set, sub.children, f"{owner or 'the object'}.{node.name.value}")
        return KeyField(node.name.value, alias, optional, composite=composite, arguments=arguments)
