"""The committed supergraph is what the running subgraphs compose to, and composes cleanly."""

from __future__ import annotations

import pytest

from infra.supergraph import (
    SUPERGRAPH_PATH,
    CompositionError,
    Subgraph,
    compose,
    running_subgraphs,
)
from stack import Running


@pytest.fixture(scope="module")
def subgraphs(running: Running) -> list[Subgraph]:
    return running_subgraphs(running.subgraphs)


def test_committed_supergraph_is_current(subgraphs: list[Subgraph]) -> None:
    composed = compose(subgraphs).supergraph_sdl
    assert SUPERGRAPH_PATH.read_text() == composed, (
        "supergraph.graphql is stale: run `./partygrid compose` and commit the result"
    )


def test_every_subgraph_declares_federation_2_9(subgraphs: list[Subgraph]) -> None:
    for subgraph in subgraphs:
        assert "https://specs.apollo.dev/federation/v2.9" in subgraph.sdl, subgraph.name


def test_composition_errors_are_reported(subgraphs: list[Subgraph]) -> None:
    # Two subgraphs giving one non-shareable field different types cannot compose.
    broken = Subgraph(
        "broken",
        "http://127.0.0.1:1/graphql",
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])\n'
        'type Zone @key(fields: "id") { id: ID! name: Int }\n'
        "type Query { brokenZone: Zone }\n",
    )
    with pytest.raises(CompositionError) as failure:
        compose([*subgraphs, broken])
    assert any("name" in message for message in failure.value.errors)
