"""@override(from:) and progressive override (@override(from:, label:)).

Each subgraph answers with its own values ("a:" / "b:"), so a case shows which subgraph the
gateway asked. Our choice (gateway/override.py): `percent(0)` and a custom label resolve from
the subgraph overridden (`from`, as the Apollo router does for labels not enabled), `percent(100)`
from the overriding one; a percent between is only asked where both give the same data.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from fed_model import Family, FixtureSubgraph
from fed_model import case as _case

case = partial(_case, "override")

IDS = ("o1", "o2", "o3")


def _objects(side: str, **fields: Any) -> list[dict[str, Any]]:
    """One object per id; a field's value is its name with the side and id, or None for o3."""
    rows = []
    for index, ident in enumerate(IDS):
        row: dict[str, Any] = {"__typename": "OverrideItem", "id": ident, "sku": f"sku-{ident}"}
        for name, value in fields.items():
            row[name] = (
                value if value is not None else (None if index == 2 else f"{side}:{name}:{ident}")
            )
        rows.append(row)
    return rows


A_ITEMS = _objects("a", name=None, price=None, stock=None, tag=None, half="same", weight=None)
B_ITEMS = _objects("b", name=None, price=None, stock=None, tag=None, half="same")

# A's copies of the moved card fields are wrong on purpose: only B's may be answered.
CARDS_A: list[dict[str, Any] | None] = [
    {"__typename": "OverrideCard", "code": "k1", "serial": "s1", "label": "a:one", "weight": 100},
    None,
    {"__typename": "OverrideCard", "code": "k2", "serial": "s2", "label": "a:two", "weight": 100},
    {"__typename": "OverrideCard", "code": "k3", "serial": "s3", "label": None, "weight": None},
]
CARDS_B = [
    {"code": "k1", "serial": "s1", "label": "b:one", "weight": 3},
    {"code": "k2", "serial": "s2", "label": "b:two", "weight": 9},
    {"code": "k3", "serial": "s3", "label": None, "weight": None},
]

HIVE_HALF = (
    'Hive, for a field with @override(label: "percent(50)") that both subgraphs answer alike, '
    "now and then answers null without an error for some or all objects (about one request "
    "in fifteen, as if the label were rolled twice, once to plan and once to run): it "
    "must answer from one subgraph or the other, never drop the value"
)

FAMILY = Family(
    "override",
    (
        FixtureSubgraph(
            "override_a",
            """
            type Query {
              overrideItems: [OverrideItem!]!
              overrideItem(id: ID!): OverrideItem
              overrideHello: String
              overrideRamp: String
              overrideCards: [OverrideCard]
            }
            type OverrideCard @key(fields: "code") @key(fields: "serial") {
              code: String!
              serial: String!
              label: String
              weight: Int
            }
            type OverrideItem @key(fields: "id") {
              id: ID!
              sku: String!
              name: String
              price: String
              stock: String
              tag: String
              half: String
              weight: String
            }
            """,
            roots={
                "overrideItems": A_ITEMS,
                "overrideItem": lambda _p, id: next((i for i in A_ITEMS if i["id"] == id), None),
                "overrideHello": "a:hello",
                "overrideRamp": "a:ramp",
                "overrideCards": CARDS_A,
            },
            entities={"OverrideItem": A_ITEMS, "OverrideCard": CARDS_A},
        ),
        FixtureSubgraph(
            "override_b",
            """
            type Query {
              overrideHello: String @override(from: "override_a")
              overrideRamp: String @override(from: "override_a", label: "percent(100)")
            }
            type OverrideCard @key(fields: "code") {
              code: String!
              "Moved here; override_a keeps its copy for its own key (usedOverridden)"
              serial: String! @override(from: "override_a")
              label: String @override(from: "override_a")
              weight: Int @override(from: "override_a")
            }
            type OverrideItem @key(fields: "id") {
              id: ID!
              name: String @override(from: "override_a")
              price: String @override(from: "override_a", label: "percent(0)")
              stock: String @override(from: "override_a", label: "percent(100)")
              tag: String @override(from: "override_a", label: "beta")
              half: String @override(from: "override_a", label: "percent(50)")
            }
            """,
            roots={"overrideHello": "b:hello", "overrideRamp": "b:ramp"},
            entities={"OverrideItem": B_ITEMS, "OverrideCard": CARDS_B},
        ),
        FixtureSubgraph(
            "override_c",
            """
            type OverrideItem @key(fields: "id") {
              id: ID!
              weight: String @override(from: "override_a", label: "percent(100)")
              code: String @shareable
            }
            type OverrideCard @key(fields: "code") {
              code: String!
              weight: Int @external
              heavy: Boolean @requires(fields: "weight")
            }
            """,
            entities={
                "OverrideCard": [
                    {"code": c, "heavy": lambda p: None if p["weight"] is None else p["weight"] > 5}
                    for c in ("k1", "k2", "k3")
                ],
                "OverrideItem": [
                    {"id": i, "weight": None if i == "o3" else f"c:weight:{i}", "code": f"c-{i}"}
                    for i in IDS
                ],
            },
        ),
    ),
    (
        case("plain override", "{ overrideItems { id name } }"),
        case("percent(0): the original", "{ overrideItems { id price } }"),
        case("percent(100): the overriding", "{ overrideItems { id stock } }"),
        case("custom label: the original", "{ overrideItems { id tag } }"),
        case(
            "percent(50): same data",
            "{ overrideItems { id half } }",
            hive_wrong=HIVE_HALF,
            errors=(),
            data={"overrideItems": [{"id": i, "half": "same"} for i in IDS]},
        ),
        case(
            "percent(50): one object",
            '{ overrideItem(id: "o2") { half } }',
            hive_wrong=HIVE_HALF,
            errors=(),
            data={"overrideItem": {"half": "same"}},
        ),
        case("all of them", "{ overrideItems { id name price stock tag sku } }"),
        case("all, typename first", "{ overrideItems { __typename tag stock price name } }"),
        case("one by id", '{ overrideItem(id: "o2") { name price stock tag } }'),
        case("one missing", '{ overrideItem(id: "nope") { name stock } }'),
        case("one with nulls", '{ overrideItem(id: "o3") { id name price stock tag } }'),
        case("aliases", "{ overrideItems { n: name p: price s: stock t: tag } }"),
        case(
            "fragments",
            "{ overrideItems { ...F ... on OverrideItem { tag } } } "
            "fragment F on OverrideItem { stock name }",
        ),
        case(
            "skip and include",
            "query($y: Boolean!, $n: Boolean!) { overrideItems { "
            "name @include(if: $y) price @skip(if: $y) stock @include(if: $n) tag @skip(if: $n) } }",
            variables={"y": True, "n": False},
        ),
        case("root field overridden", "{ overrideHello }"),
        case("root field percent(100)", "{ overrideRamp }"),
        case("root fields beside", "{ overrideHello overrideRamp overrideItems { id stock } }"),
        case("percent(100) into a third subgraph", "{ overrideItems { id weight code } }"),
        case("only the overridden field", "{ overrideItems { stock } }"),
        case("overridden field beside the key", "{ overrideCards { code label } }"),
        case("overridden fields only", "{ overrideCards { label weight } }"),
        case("overridden key field (usedOverridden)", "{ overrideCards { serial } }"),
        case("overridden key field beside", "{ overrideCards { code serial label } }"),
        case("requires an overridden field", "{ overrideCards { code heavy } }"),
        case(
            "requires an overridden field, beside it",
            "{ overrideCards { __typename heavy weight l: label } }",
        ),
        case("typename and label", '{ overrideItem(id: "o1") { __typename tag } }'),
    ),
)
