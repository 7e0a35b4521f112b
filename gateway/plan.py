"""What a query plan is made of: fetches to subgraphs and the selections they send.

A plan is a list of stages run one after the other (a query has one stage; a mutation has one
per group of root fields, so they run in order). Within a stage the fetches form a DAG: a root
fetch depends on nothing, an entity fetch on the fetch(es) that put its keys in the response.
Each fetch knows the response path (response keys from the root, lists flattened) of the
objects it reads representations from and merges its results into.

Entity fetches of one subgraph at different paths travel together as an `EntityBatch` (one
request, one aliased `_entities` field each) when waiting for each other does not lengthen
the stage's longest chain of fetches: fewer subgraph requests for the same latency.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Literal

from graphql import FragmentDefinitionNode, OperationDefinitionNode, print_ast

from gateway.shape import ShapeField


class PlanningError(Exception):
    """The operation cannot be routed over this supergraph; the message is safe to show."""


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

    Key fields must have a value; `@requires` fields (`optional`) may be null. A `composite`
    value (an object, or a list) may hold the gateway's internal fields, which the
    representation leaves out. `arguments` are those the field set gives the field.
    """

    name: str
    alias: str
    optional: bool = False
    composite: bool = False
    arguments: str = ""


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
    # Object types whose objects this fetch sends as representations of `entity_type` (an
    # interface object's); empty: objects of `entity_type` itself.
    accepts: set[str] = field(default_factory=set)
    document: str = ""
    # The parts of `document` a batch reuses: the client's variable definitions it declares,
    # and (entity fetches) the `... on Type { ... }` inside `_entities`.
    variable_definitions: tuple[str, ...] = ()
    entity_selection: str = ""

    @property
    def is_entity_fetch(self) -> bool:
        """True for an `_entities` fetch."""
        return self.entity_type is not None


@dataclass(frozen=True)
class Introspection:
    """Root introspection fields (`__schema`, `__type`), answered by the gateway itself."""

    operation: OperationDefinitionNode
    fragments: tuple[FragmentDefinitionNode, ...]


@dataclass
class EntityBatch:
    """Entity fetches of one subgraph sent as one request once all their dependencies are
    done. Members with no representations at run time are left out of the request."""

    graph: str
    fetches: tuple[Fetch, ...]
    prefix: str
    _documents: dict[tuple[int, ...], str] = field(default_factory=dict, repr=False)

    def depends_on(self) -> list[int]:
        """The fetches outside the batch that its members wait for."""
        own = {f.id for f in self.fetches}
        return list(dict.fromkeys(d for f in self.fetches for d in f.depends_on if d not in own))

    def field(self, index: int) -> str:
        """The response key of member `index`'s `_entities`."""
        return f"{self.prefix}e{index}"

    def variable(self, index: int) -> str:
        """The variable that carries member `index`'s representations."""
        return f"{self.prefix}r{index}"

    def document(self, members: tuple[int, ...]) -> str:
        """The request text for the members at these indexes (memoized: plans are cached)."""
        found = self._documents.get(members)
        if found is None:
            fetches = [self.fetches[i] for i in members]
            declared = [f"${self.variable(i)}: [_Any!]!" for i in members]
            declared += dict.fromkeys(d for f in fetches for d in f.variable_definitions)
            body = " ".join(
                f"{self.field(i)}: _entities(representations: ${self.variable(i)}) "
                f"{{ {f.entity_selection} }}"
                for i, f in zip(members, fetches, strict=True)
            )
            found = self._documents[members] = f"query({', '.join(declared)}) {{ {body} }}"
        return found


def entity_batches(stage: Iterable[Fetch], prefix: str) -> tuple[EntityBatch, ...]:
    """Entity fetches of one subgraph that can wait for each other, merged greedily while the
    stage's longest chain of fetches stays as long as it was."""
    fetches = {f.id: f for f in stage}
    group = {fid: fid for fid in fetches}
    longest = _longest_chain(fetches, group)
    assert longest is not None  # one group per fetch: the plan's dependencies form no cycle
    entities = [f for f in fetches.values() if f.is_entity_fetch]
    for first, second in combinations(entities, 2):
        if first.graph != second.graph or group[first.id] == group[second.id]:
            continue
        joined, into = group[second.id], group[first.id]
        trial = {fid: into if g == joined else g for fid, g in group.items()}
        length = _longest_chain(fetches, trial)
        if length is not None and length <= longest:
            group = trial
    members: dict[int, list[Fetch]] = {}
    for fid, g in group.items():
        members.setdefault(g, []).append(fetches[fid])
    return tuple(
        EntityBatch(found[0].graph, tuple(sorted(found, key=lambda f: f.id)), prefix)
        for found in members.values()
        if len(found) > 1
    )


def _longest_chain(fetches: Mapping[int, Fetch], group: Mapping[int, int]) -> int | None:
    """Fetches on the longest dependency chain when each group runs as one; None: a cycle."""
    after: dict[int, set[int]] = {g: set() for g in group.values()}
    for fetch in fetches.values():
        for dependency in fetch.depends_on:
            if dependency in group:
                after[group[fetch.id]].add(group[dependency])
    return _longest_path(after)


def _longest_path(after: Mapping[int, set[int]]) -> int | None:
    """Nodes on the longest path of a graph given as each node's successors; None: a cycle."""
    depth: dict[int, int] = {}
    visiting: set[int] = set()

    def visit(node: int) -> int | None:
        if node in depth:
            return depth[node]
        if node in visiting:
            return None
        visiting.add(node)
        below = 0
        for dependency in after[node]:
            found = visit(dependency)
            if found is None:
                return None
            below = max(below, found)
        visiting.discard(node)
        depth[node] = below + 1
        return depth[node]

    longest = 0
    for node in after:
        found = visit(node)
        if found is None:
            return None
        longest = max(longest, found)
    return longest


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
    batches: tuple[EntityBatch, ...] = ()
    batch_of: Mapping[int, EntityBatch] = field(default_factory=dict)

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
        for batch in self.batches:
            ids = ", ".join(f"#{f.id}" for f in batch.fetches)
            lines.append(f"batch to {batch.graph}: {ids}")
        return "\n".join(lines)


def fetch_document(
    fetch: Fetch,
    operation: OperationDefinitionNode,
    mutation: bool,
    representations: str,
    prefix: str,
) -> str:
    """The GraphQL text `fetch` sends, declaring only the variables it uses; records on
    `fetch` the parts an `EntityBatch` reuses."""
    filler = f"{prefix}__typename: __typename"
    fetch.variable_definitions = tuple(
        print_ast(d)
        for d in operation.variable_definitions or ()
        if d.variable.name.value in fetch.variables
    )
    definitions = list(fetch.variable_definitions)
    if fetch.entity_type is None:
        body = fetch.selection.render(filler)
        kind = "mutation" if mutation else "query"
    else:
        definitions.insert(0, f"${representations}: [_Any!]!")
        inner = fetch.selection.render(filler)
        fetch.entity_selection = f"... on {fetch.entity_type} {{ {inner} }}"
        body = f"_entities(representations: ${representations}) {{ {fetch.entity_selection} }}"
        kind = "query"
    declared = f"({', '.join(definitions)})" if definitions else ""
    return f"{kind}{declared} {{ {body} }}"
