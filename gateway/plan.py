"""What a query plan is made of: fetches to subgraphs and the selections they send.

A plan is a list of stages run one after the other (a query has one stage; a mutation has one
per group of root fields, so they run in order). Within a stage the fetches form a DAG: a root
fetch depends on nothing, an entity fetch on the fetch(es) that put its keys in the response.
Each fetch knows the response path (response keys from the root, lists flattened) of the
objects it reads representations from and merges its results into.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from graphql import FragmentDefinitionNode, OperationDefinitionNode, print_ast

from gateway.shape import ShapeField


@dataclass
class SubField:
    """One field of a subgraph selection; `children` is None for a leaf."""

    name: str
    arguments: str = ""
    children: Selection | None = None


@dataclass
class Selection:
    """A selection set sent to a subgraph, merged by response key as the planner adds to it."""

    fields: dict[str, SubField] = field(default_factory=dict)
    fragments: dict[str, Selection] = field(default_factory=dict)

    def add(self, key: str, name: str, arguments: str = "", *, composite: bool = False) -> SubField:
        """The field under response `key`, created if new (same key means same field)."""
        found = self.fields.get(key)
        if found is None:
            found = self.fields[key] = SubField(name, arguments)
        if composite and found.children is None:
            found.children = Selection()
        return found

    def on(self, type_name: str) -> Selection:
        """The `... on type_name` part of this selection, created if new."""
        return self.fragments.setdefault(type_name, Selection())

    def is_empty(self) -> bool:
        """True when nothing is selected (the printer then selects a typename)."""
        return not self.fields and not self.fragments

    def render(self, filler: str) -> str:
        """GraphQL text of the selection; `filler` stands in for an empty one."""
        parts: list[str] = []
        for key, sub in self.fields.items():
            alias = f"{key}: " if key != sub.name else ""
            text = f"{alias}{sub.name}{sub.arguments}"
            if sub.children is not None:
                text += " { " + sub.children.render(filler) + " }"
            parts.append(text)
        for type_name, selection in self.fragments.items():
            parts.append(f"... on {type_name} {{ {selection.render(filler)} }}")
        return " ".join(parts) if parts else filler


@dataclass(frozen=True)
class KeyField:
    """A field of a representation: `name` in `_entities`, `alias` in the parent result.

    Key fields must have a value; `@requires` fields (`optional`) may be null.
    """

    name: str
    alias: str
    optional: bool = False


@dataclass
class Fetch:
    """One request to one subgraph.

    A root fetch (`entity_type` None) selects root fields; an entity fetch sends the
    representations of the objects of `entity_type` found at `path` to `_entities`.
    """

    id: int
    graph: str
    path: tuple[str, ...] = ()
    entity_type: str | None = None
    key_fields: tuple[KeyField, ...] = ()
    selection: Selection = field(default_factory=Selection)
    variables: set[str] = field(default_factory=set)
    depends_on: list[int] = field(default_factory=list)
    document: str = ""

    @property
    def is_entity_fetch(self) -> bool:
        """True for an `_entities` fetch."""
        return self.entity_type is not None


@dataclass(frozen=True)
class Introspection:
    """Root introspection fields (`__schema`, `__type`), answered by the gateway itself."""

    operation: OperationDefinitionNode
    fragments: tuple[FragmentDefinitionNode, ...]


@dataclass(frozen=True)
class QueryPlan:
    """A validated operation turned into fetches and the shape of its response."""

    kind: Literal["query", "mutation"]
    stages: tuple[tuple[Fetch, ...], ...]
    shape: tuple[ShapeField, ...]
    root_type: str
    prefix: str
    representations_variable: str
    introspection: Introspection | None = None

    @property
    def fetches(self) -> list[Fetch]:
        """Every fetch of every stage, in order."""
        return [f for stage in self.stages for f in stage]

    def describe(self) -> str:
        """A readable listing of the plan, for debugging and the planner tests."""
        lines = [f"{self.kind} plan"]
        for number, stage in enumerate(self.stages):
            lines.append(f"stage {number}:")
            for fetch in stage:
                after = f" after {fetch.depends_on}" if fetch.depends_on else ""
                at = "/".join(fetch.path) or "<root>"
                lines.append(f"  #{fetch.id} {fetch.graph} at {at}{after}: {fetch.document}")
        return "\n".join(lines)


def fetch_document(
    fetch: Fetch,
    operation: OperationDefinitionNode,
    mutation: bool,
    representations: str,
    prefix: str,
) -> str:
    """The GraphQL text `fetch` sends, declaring only the variables it uses."""
    filler = f"{prefix}__typename: __typename"
    definitions = [
        print_ast(d)
        for d in operation.variable_definitions or ()
        if d.variable.name.value in fetch.variables
    ]
    if fetch.entity_type is None:
        body = fetch.selection.render(filler)
        kind = "mutation" if mutation else "query"
    else:
        definitions.insert(0, f"${representations}: [_Any!]!")
        inner = fetch.selection.render(filler)
        body = (
            f"_entities(representations: ${representations}) "
            f"{{ ... on {fetch.entity_type} {{ {inner} }} }}"
        )
        kind = "query"
    declared = f"({', '.join(definitions)})" if definitions else ""
    return f"{kind}{declared} {{ {body} }}"
