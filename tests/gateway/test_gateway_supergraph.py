"""Reading the composed supergraph and deriving the API schema from it."""

from __future__ import annotations

import pytest
from graphql import build_schema, lexicographic_sort_schema, print_schema

from gateway.api_schema import build_api_schema
from gateway.supergraph import SupergraphError, parse_supergraph

pytestmark = pytest.mark.slow  # starts subgraph and gateway processes


@pytest.fixture(scope="module")
def supergraph(stack):
    return parse_supergraph(stack.composition.supergraph_sdl)


def test_subgraphs_and_urls(supergraph):
    assert {n: s.url for n, s in supergraph.subgraphs.items()} == {
        "assess": "http://127.0.0.1:9/assess",
        "grid": "http://127.0.0.1:9/grid",
        "org": "http://127.0.0.1:9/org",
    }
    moved = supergraph.with_urls({"org": "http://127.0.0.1:1234/graphql"})
    assert moved.subgraphs["org"].url == "http://127.0.0.1:1234/graphql"
    assert moved.subgraphs["grid"].url == supergraph.subgraphs["grid"].url
    with pytest.raises(SupergraphError):
        supergraph.with_urls({"nowhere": "http://127.0.0.1:1/graphql"})


def test_types_keys_and_field_routing(supergraph):
    organization = supergraph.types["Organization"]
    assert organization.graphs == {"org", "grid", "assess"}
    assert organization.keys("grid") == ("id",)
    assert supergraph.resolving_graphs("Organization", "id") == {"org", "grid", "assess"}
    assert supergraph.resolving_graphs("Organization", "score") == {"assess"}
    assert supergraph.resolving_graphs("Community", "organization") == {"org"}
    assert supergraph.resolving_graphs("Query", "topBuildings") == {"assess"}
    assert organization.fields["internalCode"].inaccessible
    assert supergraph.mutation_type == "Mutation"
    assert supergraph.possible_types("SearchResult", "grid") == ("Zone", "Building")
    assert supergraph.possible_types("SearchResult", "org") == ()


def test_api_schema_matches_the_composer(stack, supergraph):
    """Our API schema and the composer's public SDL print the same, sorted."""
    ours = print_schema(lexicographic_sort_schema(build_api_schema(supergraph)))
    theirs = print_schema(lexicographic_sort_schema(build_schema(stack.composition.public_sdl)))
    assert ours == theirs
    assert "join__" not in ours and "@link" not in ours and "internalCode" not in ours


def test_not_a_supergraph_is_refused():
    with pytest.raises(SupergraphError):
        parse_supergraph("type Query { a: Int }")
