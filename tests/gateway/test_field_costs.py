"""Work of an operation over the committed supergraph: weighted fields by region level."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import get_operation_ast, parse

from gateway.api_schema import build_api_schema
from gateway.field_costs import FIELD_COSTS, Weight, level_of, weights
from gateway.limits import Limits, breaches, measure
from gateway.settings import DEFAULT_SUPERGRAPH, GatewaySettings
from gateway.supergraph import parse_supergraph

FINDINGS = FIELD_COSTS["Query.findings"]


@pytest.fixture(scope="module")
def api_schema():
    return build_api_schema(parse_supergraph(Path(DEFAULT_SUPERGRAPH).read_text("utf-8")))


def work(schema, query: str, variables: dict | None = None) -> int:
    document = parse(query)
    found = measure(
        schema, document, get_operation_ast(document), variables or {}, default_list_size=10
    )
    return found.work


def test_levels_are_read_from_the_code() -> None:
    assert [level_of(c) for c in ("410104001001", "410104001", "410104")] == [
        "community",
        "street",
        "district",
    ]
    # Anything else counts as the most work.
    assert {level_of(c) for c in (None, "", "4101040010", "41010400100１", " 410104001")} == {
        "district"
    }


def test_a_field_costs_its_weight_for_the_region_it_is_asked_for(api_schema) -> None:
    one = 'query { findings(regionCode: "%s") { totalCount } }'
    assert work(api_schema, one % "410104") == FINDINGS.district
    assert work(api_schema, one % "410104001") == FINDINGS.street
    assert work(api_schema, one % "410104001001") == FINDINGS.community
    by_variable = "query ($r: String) { findings(regionCode: $r) { totalCount } }"
    assert work(api_schema, by_variable, {"r": "410104001001"}) == FINDINGS.community
    assert work(api_schema, by_variable) == FINDINGS.district  # not given: the worst
    by_organization = 'query { findings(organizationId: "x") { totalCount } }'
    assert work(api_schema, by_organization) == FINDINGS.district
    aliases = (
        "query { "
        + " ".join(f'{a}: findings(regionCode: "410104") {{ totalCount }}' for a in "abcde")
        + " }"
    )
    assert work(api_schema, aliases) == 5 * FINDINGS.district
    assert work(api_schema, 'query { region(code: "410104") { name } }') == 0


def test_lists_of_codes_nesting_and_fragments(api_schema) -> None:
    counts = "query ($c: [String!]!) { communityCounts(communityCodes: $c) { code } }"
    codes = [f"410104001{i:03}" for i in range(1, 6)]
    per_code = FIELD_COSTS["Query.communityCounts"].community
    assert work(api_schema, counts, {"c": codes}) == 5 * per_code
    # A weighted field without a region argument takes the level of the field above it.
    gaps = 'query { coverage(regionCode: "%s") { gapsGeoJSON } }'
    coverage, geojson = FIELD_COSTS["Query.coverage"], FIELD_COSTS["Coverage.gapsGeoJSON"]
    assert work(api_schema, gaps % "410104001") == coverage.street + geojson.street
    # Lists multiply what they hold: communities is sized by default_list_size (10).
    each = 'query { communities(regionCode: "410104") { coverage { buildings } } }'
    assert work(api_schema, each) == 10 * FIELD_COSTS["Community.coverage"].community
    through_fragment = (
        'query { ...F } fragment F on Query { findings(regionCode: "410104") { totalCount } }'
    )
    assert work(api_schema, through_fragment) == FINDINGS.district


def test_work_over_the_limit_is_a_typed_error_unless_a_service_asks(api_schema) -> None:
    document = parse(
        "query { "
        + " ".join(f'{a}: findings(regionCode: "410104") {{ totalCount }}' for a in "abcde")
        + " }"
    )
    found = measure(api_schema, document, get_operation_ast(document), {}, default_list_size=10)
    limits = Limits()
    (error,) = breaches(found, limits, authenticated=True)
    assert error["extensions"]["code"] == "COST_LIMIT_EXCEEDED"
    assert error["extensions"]["messageEn"].startswith("The operation's estimated work is")
    assert breaches(found, limits, authenticated=True, trusted=True) == []


def test_any_one_call_fits_however_heavy(api_schema) -> None:
    """The limit is on heavy calls together: one call alone is one subgraph request under the
    fetch deadline (and counts against the caller's expensive operations in flight)."""
    small = Limits(max_work=FINDINGS.district - 1)

    def refused(query: str) -> bool:
        document = parse(query)
        found = measure(api_schema, document, get_operation_ast(document), {}, default_list_size=10)
        return bool(breaches(found, small, authenticated=True))

    one = 'findings(regionCode: "410104") { totalCount }'
    assert not refused("query { " + one + " }")
    assert refused("query { a: " + one + " b: " + one + " }")


def test_settings_override_weights() -> None:
    settings = GatewaySettings(field_costs={"Query.findings": {"district": 7, "community": 1}})
    table = settings.limits().field_costs
    assert table["Query.findings"] == Weight(district=7, street=7, community=1)
    assert table["Query.exportGeoJSON"] == FIELD_COSTS["Query.exportGeoJSON"]
    with pytest.raises(ValueError, match=r"Query\.findings"):
        weights({"Query.findings": {"street": 3}})
    with pytest.raises(ValueError, match=r"Query\.findings"):
        GatewaySettings(field_costs={"Query.findings": {"district": 1, "city": 2}})
