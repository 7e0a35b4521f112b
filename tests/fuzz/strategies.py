"""Hypothesis strategies for the GraphQL inputs PartyGrid takes: text, codes, dates, ids,
numbers and GeoJSON (valid, invalid, self-intersecting, huge coordinates, deep nesting)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
)
from hypothesis import strategies as st

# Where valid shapes are drawn: the middle of the demo community the planner tests use.
CENTER = (113.6866, 34.7530)

NASTY_TEXT = [
    "",
    " ",
    "\x00",
    "名称\x00",
    "\x1b[31m红\x1b[0m",
    "\r\n\t",
    "\ud800",  # a lone surrogate: no UTF-8 holds it
    "<script>alert(1)</script>",
    "'; DROP TABLE grid.zone; --",
    "%_\\",
    "名" * 201,
    "x" * 5000,
    "名" * 300_000,  # about 1 MB of UTF-8: at the gateway's body cap
]

text = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), max_size=20),
    st.text(st.characters(categories=["Cc", "Zl", "Zp", "Cf"]), min_size=1, max_size=10),
    st.sampled_from(NASTY_TEXT),
)

# Region and community codes: malformed ones, and well-formed ones that name nothing.
codes = st.one_of(
    st.sampled_from(
        [
            "",
            "4",
            "41010",
            "4101040020",
            "4101040020021",
            " 410104",
            "410104 ",
            "41010%",
            "410104999999",
            "990000",
            "４１０１０４",
            "410104\x00",
            "999999999",
        ]
    ),
    st.from_regex(r"\A[0-9]{0,13}\Z"),
)

dates = st.one_of(
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(str),
    st.sampled_from(
        [
            "0001-01-01",
            "9999-12-31",
            "2024-02-30",
            "2024-13-01",
            "",
            "today",
            "2024-1-1",
            "+12024-01-01",
            "2024-01-01T00:00:00",
        ]
    ),
)

ids = st.one_of(st.uuids().map(str), st.sampled_from(["", "1", "null", "x" * 100]))

ints = st.one_of(
    st.integers(-5, 3000),
    st.sampled_from([-(2**31), 2**31 - 1, 2**31, 2**63, -(2**63) - 1]),
)


def _ring_around(x: float, y: float, r: float) -> list[list[float]]:
    return [[x - r, y - r], [x + r, y - r], [x + r, y + r], [x - r, y + r], [x - r, y - r]]


coordinate = st.floats(-1e-3, 1e-3, allow_nan=False)
valid_polygons = st.builds(
    lambda dx, dy, r: {
        "type": "Polygon",
        "coordinates": [_ring_around(CENTER[0] + dx, CENTER[1] + dy, r)],
    },
    coordinate,
    coordinate,
    st.floats(1e-6, 2e-3),
)
self_intersecting = st.lists(st.tuples(coordinate, coordinate), min_size=3, max_size=8).map(
    lambda pts: {
        "type": "Polygon",
        "coordinates": [
            [[CENTER[0] + a, CENTER[1] + b] for a, b in pts]
            + [[CENTER[0] + pts[0][0], CENTER[1] + pts[0][1]]]
        ],
    }
)
huge_number = st.one_of(
    st.integers(min_value=10**15, max_value=10**400),
    st.floats(allow_nan=False, allow_infinity=False, min_value=181),
    st.sampled_from([1e308, -1e308, 10**400, -(10**400), 2**1024]),
)
huge_coordinates = st.builds(
    lambda h, i: {
        "type": "Polygon",
        "coordinates": [[[h, 34.0], [113.0, 34.0], [113.0, 34.001], [h, 34.0]][i:] or [[h, h]]],
    },
    huge_number,
    st.integers(0, 1),
)


def nested(depth: int) -> Any:
    value: Any = [113.0, 34.0]
    for _ in range(depth):
        value = [value]
    return value


deep = st.one_of(
    # As JSON values, up to the depth the gateway forwards (orjson stops at 254 levels:
    # deeper is test_fuzz_mutations.test_deep_json_values_through_the_gateway)...
    st.integers(3, 240).map(lambda d: {"type": "Polygon", "coordinates": nested(d)}),
    # ... and as GeoJSON text, thousands deep.
    st.integers(1000, 20_000).map(
        lambda d: '{"type": "Polygon", "coordinates": ' + "[" * d + "1" + "]" * d + "}"
    ),
)
confused = st.one_of(
    st.sampled_from(
        [
            {"type": "Point", "coordinates": [113.0, 34.0]},
            {"type": "LineString", "coordinates": [[113.0, 34.0]]},
            {"type": "Polygon"},
            {"type": "Polygon", "coordinates": []},
            {"type": "Polygon", "coordinates": [[]]},
            {"type": "Polygon", "coordinates": [[[113.0, 34.0]] * 4]},
            {"type": "Feature", "geometry": None},
            {"type": "GeometryCollection", "geometries": []},
            "{nope",
            "null",
            [],
            None,
            True,
            {"type": "Polygon", "coordinates": [[["113", "34"]] * 4]},
            {"type": "Polygon", "coordinates": [[[True, False]] * 4]},
        ]
    ),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=20,
    ),
)
lines = st.lists(st.tuples(coordinate, coordinate), min_size=0, max_size=5).map(
    lambda pts: {
        "type": "LineString",
        "coordinates": [[CENTER[0] + a, CENTER[1] + b] for a, b in pts],
    }
)
geojson = st.one_of(valid_polygons, self_intersecting, huge_coordinates, deep, confused, lines)


def for_type(kind: GraphQLInputType, name: str) -> st.SearchStrategy[Any]:
    """Values of a GraphQL input type; `name` (the argument or field) picks codes and such."""
    if isinstance(kind, GraphQLNonNull):
        return _for_nullable(kind.of_type, name)
    return st.none() | _for_nullable(kind, name)


def _for_nullable(kind: GraphQLInputType, name: str) -> st.SearchStrategy[Any]:  # noqa: C901 -- one flat table of GraphQL input kinds
    lowered = name.lower()
    if isinstance(kind, GraphQLList):
        return st.lists(for_type(kind.of_type, name), max_size=3)
    if isinstance(kind, GraphQLEnumType):
        return st.sampled_from(sorted(kind.values))
    if isinstance(kind, GraphQLInputObjectType):
        required = {
            f: for_type(field.type, f)
            for f, field in kind.fields.items()
            if isinstance(field.type, GraphQLNonNull)
        }
        optional = {
            f: for_type(field.type, f)
            for f, field in kind.fields.items()
            if not isinstance(field.type, GraphQLNonNull)
        }
        return st.fixed_dictionaries(required, optional=optional)
    assert isinstance(kind, GraphQLScalarType), kind
    if kind.name == "String":
        if lowered.endswith("code"):
            return codes
        if lowered in ("month",):
            return st.one_of(st.sampled_from(["2024-01", "0000-00", "2024-13"]), text)
        return text
    if kind.name == "GeoJSON":
        return geojson
    if kind.name == "Date":
        return dates
    if kind.name == "ID":
        return ids
    if kind.name == "Int":
        return ints
    if kind.name == "Float":
        return st.floats()
    if kind.name == "Boolean":
        return st.booleans()
    return st.text(max_size=10)


def dumps(value: Any) -> str:
    """JSON of a request body (NaN and huge integers as Python writes them)."""
    return json.dumps(value)
