"""Queries through the running gateway: cross-subgraph JSON, request features, batching."""

from __future__ import annotations

import uuid
from typing import Any

import fx_assess
import fx_grid
import fx_homes
import fx_org
import pytest

pytestmark = pytest.mark.slow  # starts subgraph and gateway processes


def no_internal_keys(value: Any) -> bool:
    """True when no response key of the gateway's internal aliases leaked out."""
    if isinstance(value, dict):
        return all(not k.startswith("_pgk") and no_internal_keys(v) for k, v in value.items())
    if isinstance(value, list):
        return all(no_internal_keys(v) for v in value)
    return True


def data_of(response: Any) -> Any:
    """The `data` of a successful response, checked for leaks."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    assert no_internal_keys(body)
    return body["data"]


def org_of(code: str) -> dict[str, str]:
    return fx_org.ORGANIZATIONS[fx_org.COMMUNITY_ORG[code]]


def test_cross_service_community_query(gql):
    """The issue's query: grid root, org entity jump, nested lists of grid objects."""
    query = """{ community(code: "C1") {
        name organization { name } zones { name buildings { name } } } }"""
    expected = {
        "community": {
            "name": fx_grid.COMMUNITIES["C1"]["name"],
            "organization": {"name": org_of("C1")["name"]},
            "zones": [
                {
                    "name": fx_grid.ZONES[z]["name"],
                    "buildings": [
                        {"name": fx_grid.BUILDINGS[b]["name"]}
                        for b in fx_grid.ZONES[z]["buildings"]
                    ],
                }
                for z in fx_grid.COMMUNITIES["C1"]["zones"]
            ],
        }
    }
    assert data_of(gql(query)) == expected


def test_three_subgraphs_and_back(gql):
    """grid -> org -> assess, and org -> grid -> org, in one operation."""
    query = """{ community(code: "C2") { code organization { id score
        communities { code name organization { secretary } } } } }"""
    org_id = fx_org.COMMUNITY_ORG["C2"]
    expected = {
        "community": {
            "code": "C2",
            "organization": {
                "id": org_id,
                "score": fx_assess.SCORES[org_id],
                "communities": [
                    {
                        "code": code,
                        "name": fx_grid.COMMUNITIES[code]["name"],
                        "organization": {"secretary": org_of(code)["secretary"]},
                    }
                    for code in fx_grid.ORG_COMMUNITIES[org_id]
                ],
            },
        }
    }
    assert data_of(gql(query)) == expected


def test_lists_under_lists_reach_one_batch(gql, recorded):
    """Every building of every zone of every community goes to assess in one request."""
    query = "{ communities { zones { buildings { id grade } } } }"
    expected = {
        "communities": [
            {
                "zones": [
                    {
                        "buildings": [
                            {"id": b, "grade": fx_assess.GRADES[b]}
                            for b in fx_grid.ZONES[z]["buildings"]
                        ]
                    }
                    for z in row["zones"]
                ]
            }
            for row in fx_grid.COMMUNITIES.values()
        ]
    }
    assert data_of(gql(query)) == expected
    (request,) = recorded("assess")
    representations = request["variables"]["representations"]
    assert sorted(r["id"] for r in representations) == sorted(fx_grid.BUILDINGS)
    assert all(r["__typename"] == "Building" for r in representations)


def test_duplicate_entities_are_sent_once(gql, recorded):
    """C1 and C2 share organization O1: assess gets O1 once, and both get its score."""
    query = "{ communities { code organization { name score } } }"
    expected = {
        "communities": [
            {
                "code": code,
                "organization": {
                    "name": org_of(code)["name"],
                    "score": fx_assess.SCORES[fx_org.COMMUNITY_ORG[code]],
                },
            }
            for code in fx_grid.COMMUNITIES
        ]
    }
    assert data_of(gql(query)) == expected
    (org_request,) = recorded("org")
    assert len(org_request["variables"]["representations"]) == len(fx_grid.COMMUNITIES)
    (assess_request,) = recorded("assess")
    assert assess_request["variables"]["representations"] == [
        {"__typename": "Organization", "id": "O1"},
        {"__typename": "Organization", "id": "O2"},
    ]


def test_duplicates_from_a_root_list(gql, recorded):
    """assess lists B1 twice; grid is asked for B1 once and both items get its name."""
    data = data_of(gql("{ topBuildings { id name zone { name } } }"))
    assert data == {
        "topBuildings": [
            {"id": b, "name": fx_grid.BUILDINGS[b]["name"], "zone": {"name": zone}}
            for b, zone in [("B1", "Zone 1"), ("B4", "Zone 3"), ("B1", "Zone 1")]
        ]
    }
    (request,) = recorded("grid")
    assert [r["id"] for r in request["variables"]["representations"]] == ["B1", "B4"]


def test_aliases_fragments_variables_and_typename(gql, recorded):
    query = """
    query Q($code: ID!, $withOrg: Boolean!, $skipZones: Boolean!) {
      c: community(code: $code) {
        __typename
        label: name
        ...Org @include(if: $withOrg)
        zones @skip(if: $skipZones) { id ... on Zone { n: name } }
      }
      kind: __typename
    }
    fragment Org on Community { organization { __typename title: name } }
    """
    both = data_of(gql(query, {"code": "C1", "withOrg": True, "skipZones": False}))
    assert both == {
        "c": {
            "__typename": "Community",
            "label": fx_grid.COMMUNITIES["C1"]["name"],
            "organization": {"__typename": "Organization", "title": org_of("C1")["name"]},
            "zones": [{"id": "Z1", "n": "Zone 1"}, {"id": "Z2", "n": "Zone 2"}],
        },
        "kind": "Query",
    }
    # The org subgraph got only what it needs: no $code, no @include, no client typename.
    (org_request,) = recorded("org")
    assert set(org_request["variables"]) == {"representations"}
    assert "include" not in org_request["query"] and "$code" not in org_request["query"]
    neither = data_of(gql(query, {"code": "C1", "withOrg": False, "skipZones": True}))
    assert neither == {
        "c": {"__typename": "Community", "label": fx_grid.COMMUNITIES["C1"]["name"]},
        "kind": "Query",
    }


def test_client_aliases_that_look_internal(gql):
    """A client alias with the gateway's prefix does not collide with its key fields."""
    query = '{ _pgk_id: community(code: "C3") { _pgk_code: name organization { name } } }'
    response = gql(query)
    assert response.status_code == 200
    assert response.json() == {
        "data": {
            "_pgk_id": {
                "_pgk_code": fx_grid.COMMUNITIES["C3"]["name"],
                "organization": {"name": org_of("C3")["name"]},
            }
        }
    }


def test_union_members_jump_per_type(gql):
    query = """{ search(text: "1") { __typename
        ... on Zone { name } ... on Building { name grade } } }"""
    assert data_of(gql(query)) == {
        "search": [
            {"__typename": "Zone", "name": "Zone 1"},
            {"__typename": "Building", "name": "Building 1", "grade": fx_assess.GRADES["B1"]},
        ]
    }


def test_entity_error_is_repathed_and_null_propagates(gql):
    """B6's non-null certificate fails in assess: the null climbs to the nullable community."""
    query = '{ community(code: "C3") { name zones { buildings { name certificate } } } }'
    response = gql(query)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"community": None}
    assert body["errors"] == [
        {
            "message": "building B6 has no certificate",
            "path": ["community", "zones", 0, "buildings", 0, "certificate"],
        }
    ]


def test_root_fields_of_two_subgraphs_run_concurrently(gql):
    """Each rendezvous field waits for the other subgraph: only concurrent fetches meet."""
    key = uuid.uuid4().hex
    query = "query($k: String!) { a: orgRendezvous(key: $k) b: gridRendezvous(key: $k) }"
    assert data_of(gql(query, {"k": key})) == {"a": True, "b": True}


def test_mutations_run_in_order(gql, recorded):
    """org, grid, org: each sees the entries of the ones before it, none of the later."""
    tag = uuid.uuid4().hex[:8]
    query = f"""mutation {{
      first: appendLog(entry: "{tag}-1")
      second: appendGridLog(entry: "{tag}-2")
      third: appendLog(entry: "{tag}-3")
      fourth: appendLog(entry: "{tag}-4")
    }}"""
    data = data_of(gql(query))
    mine = {k: [e for e in v if e.startswith(tag)] for k, v in data.items()}
    assert mine == {
        "first": [f"{tag}-1"],
        "second": [f"{tag}-1", f"{tag}-2"],
        "third": [f"{tag}-1", f"{tag}-2", f"{tag}-3"],
        "fourth": [f"{tag}-1", f"{tag}-2", f"{tag}-3", f"{tag}-4"],
    }
    # Consecutive fields of one subgraph share a request; the subgraph runs them in order.
    assert len(recorded("org")) == 2
    assert len(recorded("grid")) == 1


def test_introspection_shows_the_api_schema(gql):
    query = """{ __schema { types { name } }
        __type(name: "Organization") { fields { name } } }"""
    data = data_of(gql(query))
    names = {t["name"] for t in data["__schema"]["types"]}
    assert {"Community", "Zone", "Building", "Organization", "SearchResult"} <= names
    machinery = {n for n in names if n.startswith(("join__", "link__")) or n in ("_Any", "_Entity")}
    assert not machinery
    fields = {f["name"] for f in data["__type"]["fields"]}
    assert fields == {"id", "name", "secretary", "score", "communities"}


def test_inaccessible_field_is_rejected(gql):
    response = gql('{ organization(id: "O1") { internalCode } }')
    assert response.status_code == 400
    assert "internalCode" in response.json()["errors"][0]["message"]


def test_internal_error_text_is_masked(gql):
    response = gql("{ broken organizations { id } }")
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"broken": None, "organizations": [{"id": "O1"}, {"id": "O2"}]}
    assert body["errors"] == [{"message": "Internal subgraph error.", "path": ["broken"]}]


def test_interface_selections_per_runtime_type(gql):
    query = """{ places(ids: ["Z2", "B3"]) { __typename id name
        ... on Building { grade zone { id } } ... on Zone { buildings { id } } } }"""
    assert data_of(gql(query)) == {
        "places": [
            {"__typename": "Zone", "id": "Z2", "name": "Zone 2", "buildings": [{"id": "B3"}]},
            {
                "__typename": "Building",
                "id": "B3",
                "name": "Building 3",
                "grade": fx_assess.GRADES["B3"],
                "zone": {"id": "Z2"},
            },
        ]
    }


def test_mutation_result_reaches_other_subgraphs(gql):
    query = 'mutation { touchCommunity(code: "C1") { name organization { name score } } }'
    assert data_of(gql(query)) == {
        "touchCommunity": {
            "name": fx_grid.COMMUNITIES["C1"]["name"],
            "organization": {"name": org_of("C1")["name"], "score": fx_assess.SCORES["O1"]},
        }
    }


def test_fields_come_back_in_requested_order(gql):
    query = '{ community(code: "C1") { zones { id } organization { name } name code } }'
    response = gql(query)
    assert response.status_code == 200
    assert list(response.json()["data"]["community"]) == ["zones", "organization", "name", "code"]


def test_missing_parent_makes_no_entity_fetch(gql, recorded):
    query = '{ community(code: "NOPE") { name organization { name } } }'
    assert data_of(gql(query)) == {"community": None}
    assert recorded("org") == []


def test_requires_sends_the_required_fields(gql, recorded):
    """assess's `label` @requires grid's `name`: grid selects it, assess gets it per entity."""
    data = data_of(gql('{ community(code: "C2") { zones { buildings { id label } } } }'))
    assert data == {
        "community": {
            "zones": [
                {
                    "buildings": [
                        {"id": b, "label": f"Building {b[1]} [{fx_assess.GRADES[b]}]"}
                        for b in ("B4", "B5")
                    ]
                }
            ]
        }
    }
    (request,) = recorded("assess")
    assert request["variables"]["representations"] == [
        {"__typename": "Building", "id": "B4", "name": "Building 4"},
        {"__typename": "Building", "id": "B5", "name": "Building 5"},
    ]


def test_requires_from_a_third_subgraph_reach_the_representations(gql, recorded):
    """grid holds cards; org adds ids, ages and secret levels; assess computes from them."""
    key = ("B1", 101)
    query = '{ apartment(building: "B1", number: 101) { residents { card discount bracket } } }'
    residents = [fx_homes.BY_CARD[c] for c in fx_homes.APARTMENTS[key]["cards"]]
    assert data_of(gql(query)) == {
        "apartment": {
            "residents": [
                {
                    "card": fx_homes.RESIDENTS[r]["card"],
                    "discount": fx_homes.discount(fx_homes.RESIDENTS[r]["age"]),
                    "bracket": fx_homes.bracket(fx_homes.RESIDENTS[r]["level"]),
                }
                for r in residents
            ]
        }
    }
    (request,) = recorded("assess")
    assert request["variables"]["representations"] == [
        {
            "__typename": "Resident",
            "id": r,
            "age": fx_homes.RESIDENTS[r]["age"],
            "secretLevel": fx_homes.RESIDENTS[r]["level"],
        }
        for r in residents
    ]


def test_unknown_entity_nulls_its_list_item(gql):
    """org does not know card-9: its non-null name fails and the nullable item becomes null."""
    response = gql('{ apartment(building: "B6", number: 301) { residents { card name } } }')
    body = response.json()
    cards = fx_homes.APARTMENTS["B6", 301]["cards"]
    known = fx_homes.RESIDENTS[fx_homes.BY_CARD[cards[0]]]
    assert body["data"] == {
        "apartment": {"residents": [{"card": cards[0], "name": known["name"]}, None]}
    }
    assert [e["path"] for e in body["errors"]] == [["apartment", "residents", 1, "name"]]


def test_list_of_lists_of_entities(gql):
    expected = [
        None if row is None else [{"id": b, "grade": fx_assess.GRADES[b]} for b in row]
        for row in fx_homes.BLOCKS
    ]
    assert data_of(gql("{ blocks { id grade } }")) == {"blocks": expected}


def test_entity_fetches_at_two_paths_share_one_request(gql, recorded):
    """Organizations' scores and buildings' grades reach assess in one batched request."""
    query = "{ communities { organization { score } zones { buildings { id grade } } } }"
    expected = {
        "communities": [
            {
                "organization": {"score": fx_assess.SCORES[fx_org.COMMUNITY_ORG[code]]},
                "zones": [
                    {
                        "buildings": [
                            {"id": b, "grade": fx_assess.GRADES[b]}
                            for b in fx_grid.ZONES[z]["buildings"]
                        ]
                    }
                    for z in row["zones"]
                ],
            }
            for code, row in fx_grid.COMMUNITIES.items()
        ]
    }
    assert data_of(gql(query)) == expected
    (request,) = recorded("assess")
    assert request["query"].count("_entities(") == 2
    assert sorted(request["variables"]) == ["_pgk_r0", "_pgk_r1"]


def test_errors_of_a_batched_request_keep_their_paths(gql, recorded):
    """Certificates (blocks' buildings) and scores (communities' organizations) share one
    assess request; B6's error comes back under its own `_entities` and lands on B6 alone."""
    body = gql("{ blocks { id certificate } communities { organization { score } } }").json()
    assert body["data"] == {
        "blocks": [
            [{"id": b, "certificate": f"cert-{b}"} for b in ("B1", "B2")],
            None,
            None,  # B6 has no certificate: the non-null item nulls its row
            [],
        ],
        "communities": [
            {"organization": {"score": fx_assess.SCORES[fx_org.COMMUNITY_ORG[code]]}}
            for code in fx_grid.COMMUNITIES
        ],
    }
    assert [(e["message"], e["path"]) for e in body["errors"]] == [
        ("building B6 has no certificate", ["blocks", 2, 1, "certificate"])
    ]
    (request,) = recorded("assess")
    assert request["query"].count("_entities(") == 2
