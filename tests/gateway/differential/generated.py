"""The generated part of the differential corpus, derived from the API schema.

For every field of every object type the client can reach, one operation reaches the type by
the shortest route from `Query` (through inline fragments where the route crosses a union or
an interface) and selects the field. For every root field, one wide operation selects all leaf
fields two levels deep. Arguments come from `ARGUMENTS`; fields that sleep, wait for a peer or
fail on purpose are left to the hand-written cases.
"""

from __future__ import annotations

from collections import deque

from graphql import (
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_abstract_type,
    is_composite_type,
    is_leaf_type,
    is_non_null_type,
)
from harness import Case

ARGUMENTS = {
    ("Query", "community"): '(code: "C1")',
    ("Query", "organization"): '(id: "O2")',
    ("Query", "search"): '(text: "2")',
    ("Query", "places"): '(ids: ["Z3", "B2", "B6"])',
    ("Query", "apartment"): '(building: "B6", number: 301)',
    ("Query", "resident"): '(id: "R2")',
}
# Fields kept out of generated operations: slow, rendezvous, or failing on purpose (the
# hand-written cases cover their errors).
SKIPPED = frozenset(
    {
        ("Query", "gridRendezvous"),
        ("Query", "orgRendezvous"),
        ("Query", "broken"),
        ("Query", "mustFail"),
        ("Building", "slowGrade"),
        ("Building", "certificate"),
        ("Apartment", "rent"),
        ("Resident", "phone"),
    }
)


def _usable(schema: GraphQLSchema, parent: GraphQLObjectType, name: str) -> bool:
    if (parent.name, name) in SKIPPED or name.startswith("_"):
        return False
    required = [a for a in parent.fields[name].args.values() if is_non_null_type(a.type)]
    return not required or (parent.name, name) in ARGUMENTS


def _call(parent: GraphQLObjectType, name: str) -> str:
    return name + ARGUMENTS.get((parent.name, name), "")


def _routes(schema: GraphQLSchema) -> dict[str, list[str]]:
    """Per object type, the shortest route from Query as (opening) text pieces."""
    query = schema.query_type
    assert query is not None
    routes: dict[str, list[str]] = {query.name: []}
    queue: deque[GraphQLObjectType] = deque([query])
    while queue:
        parent = queue.popleft()
        for name in parent.fields:
            if not _usable(schema, parent, name):
                continue
            named = get_named_type(parent.fields[name].type)
            if not is_composite_type(named):
                continue
            opening = _call(parent, name)
            runtimes = (
                [named]
                if isinstance(named, GraphQLObjectType)
                else schema.get_possible_types(named)
            )
            for runtime in runtimes:
                if runtime.name in routes:
                    continue
                pieces = [opening]
                if is_abstract_type(named):
                    pieces.append(f"... on {runtime.name}")
                routes[runtime.name] = [*routes[parent.name], *pieces]
                queue.append(runtime)
    return routes


def _leaves(schema: GraphQLSchema, type_: GraphQLObjectType) -> list[str]:
    return [
        n
        for n, f in type_.fields.items()
        if is_leaf_type(get_named_type(f.type)) and _usable(schema, type_, n)
    ]


def _selection(schema: GraphQLSchema, named, depth: int) -> str:
    """Leaves of `named` (per possible type if abstract), and composite fields to `depth`."""
    if is_abstract_type(named):
        parts = ["__typename"]
        for runtime in schema.get_possible_types(named):
            parts.append(f"... on {runtime.name} {{ {_selection(schema, runtime, depth)} }}")
        return " ".join(parts)
    parts = list(_leaves(schema, named))
    if depth > 0:
        for name, field in named.fields.items():
            inner = get_named_type(field.type)
            if is_composite_type(inner) and _usable(schema, named, name):
                parts.append(f"{_call(named, name)} {{ {_selection(schema, inner, depth - 1)} }}")
    return " ".join(parts or ["__typename"])


def _wrap(route: list[str], inner: str) -> str:
    text = inner
    for piece in reversed(route):
        text = f"{piece} {{ {text} }}"
    return "{ " + text + " }"


def generated_cases(schema: GraphQLSchema) -> list[Case]:
    """One case per reachable (type, field), and one wide case per root field."""
    cases: list[Case] = []
    for type_name, route in sorted(_routes(schema).items()):
        parent = schema.get_type(type_name)
        assert isinstance(parent, GraphQLObjectType)
        for name, field in parent.fields.items():
            if not _usable(schema, parent, name):
                continue
            named = get_named_type(field.type)
            selected = _call(parent, name)
            if is_composite_type(named):
                selected += " { " + _selection(schema, named, 0) + " }"
            cases.append(
                Case(f"field {type_name}.{name}", _wrap(route, selected), features=frozenset())
            )
    query = schema.query_type
    assert query is not None
    for name, field in query.fields.items():
        named = get_named_type(field.type)
        if _usable(schema, query, name) and is_composite_type(named):
            text = _wrap([], f"{_call(query, name)} {{ {_selection(schema, named, 2)} }}")
            cases.append(Case(f"wide {name}", text, features=frozenset()))
    return cases
