"""Personal data that can be derived (issue 12, class 3): every field of Member, found by
walking the served schema, for each role, in and out of scope, through the gateway. A field
derived from withheld personal data (an age gives the birth date; a helper's free-text
contact is a phone number) is withheld with it."""

from __future__ import annotations

import pytest
from graphql import GraphQLNonNull, GraphQLSchema, is_composite_type
from schema_walk import gateway_schema

from services.common.auth import Identity
from stack import Running

ROLES = ("district", "street", "secretary", "planner", "viewer")
PERSONAL_ROLES = {"district", "street", "secretary"}
# Every Member field is listed here, as personal (shown only when personalDataAccess is
# GRANTED) or not; a new field fails the test until someone decides which it is.
PERSONAL = {"birthDate", "phone", "age"}
NOT_PERSONAL = {
    "id",
    "name",
    "gender",
    "education",
    "joinedOn",
    "isProbationary",
    "management",
    "employerUnit",
    "isAble",
    "isSentDownCadre",
    "personalDataAccess",
    "leftOn",
    "version",
    "community",
    "organization",
    "homeBuilding",
    "reporting",
    "partyStandingYears",
    "posts",
    "categories",
    "committeeSeats",
    "offices",
}
# Fields of objects under a member that are personal too.
PERSONAL_INSIDE = {"categories": {"helperContact"}}


@pytest.fixture(scope="module")
def schema(running: Running, roles: dict[str, Identity]) -> GraphQLSchema:
    return gateway_schema(running, roles["district"])


def _field_selection(schema: GraphQLSchema, name: str, field) -> str:
    args = ""
    if "asOf" in field.args:
        args = '(asOf: "2026-06-30")'
    bare = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    while hasattr(bare, "of_type"):
        bare = bare.of_type
    if not is_composite_type(bare):
        return f"{name}{args}"
    inside = " ".join([*sorted(PERSONAL_INSIDE.get(name, set())), "__typename"])
    return f"{name}{args} {{ {inside} }}"


@pytest.fixture(scope="module")
def member_query(schema: GraphQLSchema) -> str:
    fields = schema.type_map["Member"].fields
    assert set(fields) == PERSONAL | NOT_PERSONAL, "classify every Member field"
    picked = " ".join(_field_selection(schema, n, f) for n, f in sorted(fields.items()))
    return f"query ($id: ID!) {{ member(id: $id) {{ {picked} }} }}"


@pytest.fixture(scope="module")
def subjects(running: Running, roles: dict[str, Identity], places) -> dict[str, str]:
    """A member of `home` and of `away` with a phone, a birth date and a helper's contact."""
    found = {}
    for where in ("home", "away"):
        body = running.post(
            running.gateway,
            """query ($c: String!) { members(filter: {regionCode: $c}, first: 500) {
                nodes { id phone birthDate categories { helperContact } } } }""",
            {"c": places[where][:9]},
            identity=roles["district"],
        )
        found[where] = next(
            m["id"]
            for m in body["data"]["members"]["nodes"]
            if m["phone"] and m["birthDate"] and any(c["helperContact"] for c in m["categories"])
        )
    return found


@pytest.mark.parametrize("where", ["home", "away"])
@pytest.mark.parametrize("role", ROLES)
def test_every_member_field_is_withheld_or_shown_as_the_rule_says(
    running: Running, roles: dict[str, Identity], places, subjects, member_query, role, where
):
    body = running.post(
        running.gateway, member_query, {"id": subjects[where]}, identity=roles[role]
    )
    assert not body.get("errors"), body
    member = body["data"]["member"]
    in_scope = where == "home" or role == "district"
    if not in_scope:
        assert member is None  # out of scope: no member at all, like an unknown id
        return
    granted = role in PERSONAL_ROLES
    assert member["personalDataAccess"] == ("GRANTED" if granted else "WITHHELD_ROLE")
    for name in PERSONAL:
        assert (member[name] is not None) == granted, (name, member[name])
    for name in NOT_PERSONAL - {
        "employerUnit",
        "leftOn",
        "organization",
        "homeBuilding",
        "reporting",
    }:
        assert member[name] is not None, name
    for name, inside in PERSONAL_INSIDE.items():
        values = [item[f] for item in member[name] for f in inside]
        assert values and any(v is not None for v in values) == granted, (name, values)
