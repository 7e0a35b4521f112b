"""A generated federation-2 supergraph of a given size, for the start-up bench.

`subgraphs(entities)` writes `GRAPHS` subgraphs (the federation corpus's `FixtureSubgraph`:
SDL plus plain data) whose entities each live in three of them: the owner resolves `name`,
`kind` (an enum) and `detail` (a value type); the next subgraph adds `score`, `tags` and
`next` (a reference to another entity); the one after adds `rank` with `@requires(fields:
"score")`. Each subgraph also has an interface and a union over the entities it owns, an
input type for its search field, and root fields to reach all of them. With the default 32
entities the API schema has 53 types of its own (`count_types`).

`create_app` (for `uvicorn startup_supergraph:create_app --factory --app-dir bench`, with the
corpus folders on PYTHONPATH) serves them as the corpus's `fed_server` does, at
`/<subgraph>/graphql`; `STARTUP_ENTITIES` in the environment sets the size.
"""

from __future__ import annotations

import os
from typing import Any

from fed_model import FixtureSubgraph
from graphql import GraphQLSchema, build_schema

GRAPHS = ("gen_a", "gen_b", "gen_c", "gen_d")
KINDS = ("ALPHA", "BETA", "GAMMA", "DELTA")
PER_TYPE = 3  # objects of each entity type


def _entity(i: int) -> str:
    return f"GenEntity{i}"


def _owner(i: int) -> int:
    return i % len(GRAPHS)


def _id(i: int, n: int) -> str:
    return f"E{i}-{n}"


def _owned(i: int, n: int) -> dict[str, Any]:
    return {
        "__typename": _entity(i),
        "id": _id(i, n),
        "name": f"entity {i} #{n}",
        "kind": KINDS[(i + n) % len(KINDS)],
        "detail": {"code": f"D{i}.{n}", "weight": i * 10 + n},
    }


def _extension(i: int, n: int, entities: int) -> dict[str, Any]:
    target = (i + 1) % entities
    return {
        "__typename": _entity(i),
        "id": _id(i, n),
        "score": i * 100 + n,
        "tags": [f"t{i}", f"n{n}"],
        # The whole object: where this subgraph owns the target it resolves its fields too.
        "next": _owned(target, n),
    }


def _ranked(i: int, n: int) -> dict[str, Any]:
    return {
        "__typename": _entity(i),
        "id": _id(i, n),
        "rank": lambda parent: parent["score"] * 2 + 1,
    }


def _lookup(make: Any) -> Any:
    """An `entities` function: the object for a representation's id, or None."""

    def find(representation: dict[str, Any]) -> dict[str, Any] | None:
        ident = str(representation.get("id", ""))
        head, _, tail = ident[1:].partition("-")
        if not (ident.startswith("E") and head.isdigit() and tail.isdigit()):
            return None
        found = make(int(head), int(tail))
        return {**representation, **found}

    return find


def subgraphs(entities: int = 32) -> list[FixtureSubgraph]:
    """The generated subgraphs (see the module's docstring)."""
    built = []
    for g, graph in enumerate(GRAPHS):
        tag = graph[-1].upper()
        owned = [i for i in range(entities) if _owner(i) == g]
        extended = [i for i in range(entities) if (_owner(i) + 1) % len(GRAPHS) == g]
        ranked = [i for i in range(entities) if (_owner(i) + 2) % len(GRAPHS) == g]
        sdl: list[str] = [f"enum GenKind{tag} {{ {' '.join(KINDS)} }}"]
        sdl.append(f"interface GenNode{tag} {{ id: ID! name: String! }}")
        sdl.append(f"type GenDetail{tag} {{ code: String! weight: Int! }}")
        sdl.append(f"input GenFilter{tag} {{ kind: GenKind{tag} prefix: String }}")
        for i in owned:
            sdl.append(
                f'type {_entity(i)} implements GenNode{tag} @key(fields: "id") {{ id: ID! '
                f"name: String! kind: GenKind{tag}! detail: GenDetail{tag}! }}"
            )
        for i in extended:
            target = _entity((i + 1) % entities)
            sdl.append(
                f'type {_entity(i)} @key(fields: "id") {{ id: ID! score: Int! '
                f"tags: [String!]! next: {target} }}"
            )
        for i in ranked:
            sdl.append(
                f'type {_entity(i)} @key(fields: "id") {{ id: ID! score: Int! @external '
                f'rank: Int! @requires(fields: "score") }}'
            )
        stubs = {(i + 1) % entities for i in extended} - set(owned) - set(extended)
        stubs -= set(ranked)
        for i in sorted(stubs):
            sdl.append(f'type {_entity(i)} @key(fields: "id", resolvable: false) {{ id: ID! }}')
        sdl.append(f"union GenAny{tag} = {' | '.join(_entity(i) for i in owned)}")
        fields = [f"gen{tag}Nodes: [GenNode{tag}!]!", f"gen{tag}Any: [GenAny{tag}!]!"]
        fields.append(f"gen{tag}Search(filter: GenFilter{tag}): [GenNode{tag}!]!")
        fields += [f"gen{i}List: [{_entity(i)}!]!" for i in owned]
        sdl.append("type Query { " + " ".join(fields) + " }")
        everything = [_owned(i, n) for i in owned for n in range(PER_TYPE)]
        roots: dict[str, Any] = {
            f"gen{tag}Nodes": everything,
            f"gen{tag}Any": everything,
            f"gen{tag}Search": lambda _p, filter=None, _all=everything: [
                o
                for o in _all
                if not filter
                or (
                    filter.get("kind") in (None, o["kind"])
                    and o["name"].startswith(filter.get("prefix") or "")
                )
            ],
        }
        for i in owned:
            roots[f"gen{i}List"] = [_owned(i, n) for n in range(PER_TYPE)]
        lookups: dict[str, Any] = {}
        for i in owned:
            lookups[_entity(i)] = _lookup(_owned)
        for i in extended:
            lookups[_entity(i)] = _lookup(lambda a, b: _extension(a, b, entities))
        for i in ranked:
            lookups[_entity(i)] = _lookup(_ranked)
        built.append(FixtureSubgraph(graph, "\n".join(sdl) + "\n", roots=roots, entities=lookups))
    return built


def first_query(entities: int = 32) -> str:
    """A query across three subgraphs (owner, extension, `@requires`) and a reference hop."""
    del entities
    return "{ gen0List { id name kind detail { code } score tags rank next { id name } } }"


def count_types(schema: GraphQLSchema) -> int:
    """Named types of the schema's own: built-in scalars and introspection types left out."""
    builtin = {"String", "Int", "Float", "Boolean", "ID"}
    return sum(1 for n in schema.type_map if not n.startswith("__") and n not in builtin)


def api_types(public_sdl: str) -> int:
    return count_types(build_schema(public_sdl))


def create_app() -> Any:
    """The generated subgraphs under `/<name>/graphql` (and `/ready`)."""
    from fed_server import serve

    return serve(subgraphs(int(os.environ.get("STARTUP_ENTITIES", 32))))
