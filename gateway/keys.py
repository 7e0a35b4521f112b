"""Entity keys: which key links two subgraphs for a type, and how a fetch selects it.

To move from subgraph A to subgraph B for an object, A must return a key that B resolves
entities by (`@join__type(graph: B, key: ...)`, resolvable). The key is selected in A's fetch
under internal aliases (`<prefix><field>`), so it can never collide with the client's fields.
"""

from __future__ import annotations

from functools import lru_cache

from graphql import FieldNode, SelectionSetNode, parse, print_ast

from gateway.plan import KeyField, Selection
from gateway.supergraph import Supergraph


@lru_cache(maxsize=256)
def field_set(text: str) -> SelectionSetNode:
    """A `join__FieldSet` (`"id org { id }"`) as a selection set."""
    operation = parse("{" + text + "}", no_location=True).definitions[0]
    return operation.selection_set  # type: ignore[attr-defined]


def _copy(selection_set: SelectionSetNode, into: Selection) -> None:
    for node in selection_set.selections:
        if isinstance(node, FieldNode):
            sub = into.add(node.name.value, node.name.value, composite=bool(node.selection_set))
            if node.selection_set is not None:
                _copy(node.selection_set, sub.children)  # type: ignore[arg-type]
        elif getattr(node, "type_condition", None) is not None:
            _copy(node.selection_set, into.on(node.type_condition.name.value))  # type: ignore[attr-defined]


class EntityKeys:
    """Key choice between subgraphs, memoized (the supergraph never changes)."""

    def __init__(self, supergraph: Supergraph) -> None:
        self.supergraph = supergraph
        self._between: dict[tuple[str, str, str], str | None] = {}

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

    @staticmethod
    def select(
        selection: Selection, key: str, prefix: str, *, optional: bool = False
    ) -> tuple[KeyField, ...]:
        """Add `key`'s fields to `selection` under internal aliases; return how to read them."""
        fields: list[KeyField] = []
        for node in field_set(key).selections:
            if not isinstance(node, FieldNode):
                continue
            alias = prefix + node.name.value
            sub = selection.add(alias, node.name.value, composite=node.selection_set is not None)
            if node.selection_set is not None:
                _copy(node.selection_set, sub.children)  # type: ignore[arg-type]
            fields.append(KeyField(node.name.value, alias, optional))
        return tuple(fields)
