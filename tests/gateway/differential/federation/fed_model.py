"""The corpus families: small subgraphs (SDL and plain data) and the operations asked of them.

A family exercises one federation directive (or one combination): its subgraphs are composed,
together with every other family's, by the pinned composer into one supergraph, and both
gateways answer its operations. Families must not share type or root field names (a test
checks), so composing them together changes none of them.

Subgraph data is plain Python: `roots` holds the root fields' values, `entities` the objects
`_entities` finds by key. A value may be a callable, called with the parent object (for an
entity, its stored fields plus what the representation carried: `@requires` fields) and the
field's arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness import Case

# Every directive a family may use, imported by each subgraph's `@link` header.
FEDERATION_IMPORTS = (
    "@key", "@shareable", "@external", "@requires", "@provides", "@override",
    "@inaccessible", "@interfaceObject", "@tag", "@composeDirective",
)  # fmt: skip
FEDERATION_URL = "https://specs.apollo.dev/federation/v2.9"

Resolver = Callable[..., Any]
EntityLookup = Callable[[dict[str, Any]], "dict[str, Any] | None"]


@dataclass(frozen=True)
class FixtureSubgraph:
    """One subgraph of a family: `name` must start with the family's name."""

    name: str
    sdl: str
    roots: Mapping[str, Any] = field(default_factory=dict)
    # Type name (or an entity interface's, or an interface object's) -> stored objects, or a
    # function from a representation to the object (None: not found).
    entities: Mapping[str, list[dict[str, Any]] | EntityLookup] = field(default_factory=dict)

    @property
    def header(self) -> str:
        imports = ", ".join(f'"{d}"' for d in FEDERATION_IMPORTS)
        return f'extend schema @link(url: "{FEDERATION_URL}", import: [{imports}])\n'

    @property
    def full_sdl(self) -> str:
        """The SDL `_service { sdl }` answers: the `@link` header, then the family's text."""
        return self.header + self.sdl


@dataclass(frozen=True)
class Family:
    """Subgraphs and operations for one directive family."""

    name: str
    subgraphs: tuple[FixtureSubgraph, ...]
    cases: tuple[Case, ...]

    def __post_init__(self) -> None:
        for subgraph in self.subgraphs:
            assert subgraph.name.startswith(self.name), (self.name, subgraph.name)


def case(family: str, name: str, query: str, **kwargs: Any) -> Case:
    """An operation of `family` (its name prefixes the case's, for test ids)."""
    return Case(f"{family}: {name}", query, features=frozenset({family}), **kwargs)
