"""Region scope (issue 12, class 2): a code that is not exactly a 6-, 9- or 12-digit ASCII
区划代码 is refused before any scope check, through the gateway, for every root field and
mutation that takes one (found by walking the served schema), for every role, and nothing
is written."""

from __future__ import annotations

import pytest
from graphql import GraphQLSchema
from schema_walk import CodeSlot, code_slots, gateway_schema, selection, stand_in, with_value
from sqlalchemy import create_engine, pool, text

from services.common.auth import Identity
from stack import Running

ROLES = ("district", "street", "secretary", "planner", "viewer")
MALFORMED = (
    "",
    "4",
    "41",
    "4101040",  # seven digits
    "4101040010",  # ten digits
    "4101040010011",  # thirteen
    " {home}",
    "{home} ",
    "{home}\n",
    "{district}%",
    "%",
    "{district}_",
    "__________01",
    "４１０１０４",  # full-width digits
    "４１０１０４００１００１",
    "41010400100١",  # an Arabic-Indic digit
    "{district}OR1",
)


def _codes(places: dict[str, str]) -> list[str]:
    home = places["home"]
    return [c.format(home=home, district=home[:6]) for c in MALFORMED]


def _written(service_urls: dict[str, str]) -> int:
    """The next transaction id: it moves only when some transaction wrote."""
    engine = create_engine(service_urls["org"], poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")
            ).scalar_one()
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def schema(running: Running, roles: dict[str, Identity]) -> GraphQLSchema:
    return gateway_schema(running, roles["district"])


@pytest.fixture(scope="module")
def slots(schema: GraphQLSchema) -> list[CodeSlot]:
    from services.common.auth_codes import is_code_name

    found = code_slots(schema)
    # The sweep and the edge agree on which names carry a code.
    assert all(is_code_name(slot.path[-1]) for slot in found)
    fields = {slot.field for slot in found}
    assert {"members", "communities", "exportCSV", "createZone", "recordFunds"} <= fields
    return found


@pytest.mark.parametrize("role", ROLES)
def test_malformed_codes_are_refused_everywhere(
    running: Running, roles: dict[str, Identity], places, service_urls, schema, slots, role
):
    identity = roles[role]
    codes = _codes(places)
    before = _written(service_urls)
    failures = []
    for slot in slots:
        root = schema.query_type if slot.operation == "query" else schema.mutation_type
        field = root.fields[slot.field]
        arguments = {n: stand_in(a.type, n, places["home"]) for n, a in field.args.items()}
        declared, passed, aliases = [], {}, []
        for i, code in enumerate(codes):
            args = []
            for name, arg in field.args.items():
                value = arguments[name]
                if name == slot.path[0]:
                    value = with_value(value, slot.path[1:], code)
                var = f"{name}{i}"
                declared.append(f"${var}: {arg.type}")
                passed[var] = value
                args.append(f"{name}: ${var}")
            aliases.append(f"a{i}: {slot.field}({', '.join(args)}){selection(field)}")
        document = f"{slot.operation} ({', '.join(declared)}) {{ {' '.join(aliases)} }}"
        body = running.post(running.gateway, document, passed, identity=identity)
        data = body.get("data") or {}
        by_alias = {e.get("path", [None])[0]: e for e in body.get("errors", []) if e.get("path")}
        for i, code in enumerate(codes):
            error = by_alias.get(f"a{i}")
            kind = (error or {}).get("extensions", {}).get("code")
            if data.get(f"a{i}") is not None or kind not in ("INVALID", "FORBIDDEN"):
                failures.append((slot, code, data.get(f"a{i}"), error or body.get("errors")))
    assert not failures, "\n".join(map(repr, failures[:20])) + f"\n... {len(failures)} in all"
    assert _written(service_urls) == before, "a refused request wrote something"
