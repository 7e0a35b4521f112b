"""Region scope (issue 12, class 2): a code that is not exactly a 6-, 9- or 12-digit ASCII
区划代码 is refused before any scope check, through the gateway, for every root field and
mutation that takes one (found by walking the served schema), for every role, and nothing
is written."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from graphql import GraphQLField, GraphQLSchema
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


def _written(service_urls: dict[str, str]) -> dict[str, tuple[int, int]]:
    """Each service table's rows and the newest transaction that wrote one of them
    (`xmin`). Not the cluster's next transaction id: autovacuum's ANALYZE takes ids too, and
    it runs just after the demo load, when this module does."""
    state: dict[str, tuple[int, int]] = {}
    for service, url in service_urls.items():
        engine = create_engine(url, poolclass=pool.NullPool)
        try:
            with engine.connect() as conn:
                tables = conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = :s"),
                    {"s": service},
                ).scalars()
                for table in list(tables):
                    name = f'{service}."{table}"'
                    state[name] = conn.execute(
                        text(f"SELECT count(*), coalesce(max(xmin::text::bigint), 0) FROM {name}")
                    ).one()
        finally:
            engine.dispose()
    return state


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


def _document(slot: CodeSlot, field: GraphQLField) -> str:
    declared = ", ".join(f"${name}: {arg.type}" for name, arg in field.args.items())
    passed = ", ".join(f"{name}: ${name}" for name in field.args)
    return f"{slot.operation} ({declared}) {{ {slot.field}({passed}){selection(field)} }}"


@pytest.mark.parametrize("role", ROLES)
def test_malformed_codes_are_refused_everywhere(
    running: Running, roles: dict[str, Identity], places, service_urls, schema, slots, role
):
    codes = _codes(places)
    requests = []
    for slot in slots:
        root = schema.query_type if slot.operation == "query" else schema.mutation_type
        field = root.fields[slot.field]
        arguments = {n: stand_in(a.type, n, places["home"]) for n, a in field.args.items()}
        document = _document(slot, field)
        for code in codes:
            value = with_value(arguments[slot.path[0]], slot.path[1:], code)
            requests.append((slot, code, document, {**arguments, slot.path[0]: value}))
    headers = running.headers(running.gateway, roles[role])
    before = _written(service_urls)
    # One request per code (a refused non-null root field ends its whole request), on one
    # kept-alive connection, two at a time: the gateway's limit of expensive operations in
    # flight per caller (2) would refuse a third before any code is parsed.
    with httpx.Client(headers=headers, timeout=30) as client, ThreadPoolExecutor(2) as pool:

        def ask(request: tuple) -> tuple:
            slot, code, document, variables = request
            response = client.post(
                running.gateway, json={"query": document, "variables": variables}
            )
            return slot, code, response.status_code, response.json()

        answers = list(pool.map(ask, requests))
    failures = []
    for slot, code, status, body in answers:
        kinds = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
        got = (body.get("data") or {}).get(slot.field)
        if status != 200 or got is not None or not kinds or set(kinds) - {"INVALID", "FORBIDDEN"}:
            failures.append((slot, code, body))
    assert not failures, "\n".join(map(repr, failures[:20])) + f"\n... {len(failures)} in all"
    assert _written(service_urls) == before, "a refused request wrote something"


MEMBERS = """query ($c: String) { members(filter: {regionCode: $c}, first: 1) {
  totalCount nodes { name categories { category helper { name } } } } }"""


def test_a_secretary_cannot_widen_members_to_the_district(
    running: Running, roles: dict[str, Identity], places
):
    """The report's case: a secretary asking for members under "" (or "4", "%", a padded
    code) got every member of the district, with categories and helpers."""
    secretary = roles["secretary"]
    own = running.post(running.gateway, MEMBERS, {"c": places["home"]}, identity=secretary)
    assert own["data"]["members"]["totalCount"] > 0
    for code in ("", "4", "%", f" {places['home'][:6]}", f"{places['home'][:6]}%"):
        body = running.post(running.gateway, MEMBERS, {"c": code}, identity=secretary)
        assert body["data"] is None or body["data"]["members"] is None, (code, body)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID"], body
        assert body["errors"][0]["extensions"]["field"] == ["filter", "regionCode"]
