"""The hand-written part of the differential corpus: one or more operations per feature.

Each case names the federation and GraphQL features it exercises (`FEATURES` lists them all;
a test checks each one occurs). Mutations here are free of side effects that change later
answers (the fixture logs are not used), so both gateways can run the same case in turn.
"""

from __future__ import annotations

from harness import Case

FEATURES = frozenset(
    {
        "key", "compound-key", "multiple-keys", "external", "requires", "provides",
        "shareable", "inaccessible", "fragments", "union", "interface", "aliases",
        "variables", "skip-include", "typename", "deep-entities", "list-of-lists", "nulls",
        "non-null", "mutation", "errors", "request-errors",
    }
)  # fmt: skip


def case(name: str, query: str, *features: str, **kwargs) -> Case:
    unknown = set(features) - FEATURES
    assert not unknown, unknown
    return Case(name, query, features=frozenset(features), **kwargs)


HIVE_DROPS_INDICES = (
    "Hive Gateway 2.15.1 reports errors from `_entities` fetches under lists without the "
    "list indices (e.g. `community.zones.0.buildings.certificate`); the spec wants the full "
    "path to the field, which is what we give."
)

HAND_WRITTEN: list[Case] = [
    # Keys and entity boundaries
    case(
        "issue query",
        '{ community(code: "C1") { name organization { name } zones { name buildings { name } } } }',
        "key",
    ),
    case(
        "three subgraphs",
        '{ community(code: "C2") { code organization { id score communities { code name organization { secretary } } } } }',
        "key",
        "deep-entities",
    ),
    case(
        "lists under lists to assess",
        "{ communities { zones { buildings { id grade label } } } }",
        "key",
        "requires",
        "external",
        "deep-entities",
    ),
    case("duplicate entities", "{ communities { code organization { name score } } }", "key"),
    case(
        "duplicates from a root list",
        "{ topBuildings { id name zone { name buildings { grade } } } }",
        "key",
        "deep-entities",
    ),
    case(
        "org to grid to org to assess",
        "{ organizations { name communities { name organization { score communities { code } } } } }",
        "deep-entities",
    ),
    case("missing parent", '{ community(code: "NOPE") { name organization { name } } }', "nulls"),
    case("nullable entity null", '{ organization(id: "O9") { name score } }', "nulls"),
    # Compound and multiple keys
    case(
        "compound nested key grid to assess",
        "{ apartments { number building { id } floor rent { amount currency } } }",
        "compound-key",
        "shareable",
        "errors",
        "non-null",
        hive_wrong=HIVE_DROPS_INDICES,
        errors=(("no rent for B4-101", ("apartments", 2, "rent")),),
    ),
    case(
        "compound key assess to grid",
        "{ cheapApartments { number floor kind layout building { name grade } } }",
        "compound-key",
        "list-of-lists",
    ),
    case(
        "compound key with argument",
        "query($b: Int) { cheapApartments(below: $b) { number kind } }",
        "compound-key",
        "variables",
        variables={"b": 800},
    ),
    case(
        "apartment by key",
        '{ apartment(building: "B1", number: 202) { floor kind rent { amount } building { zone { name } } } }',
        "compound-key",
    ),
    case(
        "missing apartment",
        '{ apartment(building: "B9", number: 1) { floor rent { amount } } }',
        "nulls",
    ),
    case(
        "second key card to id",
        "{ apartments { residents { card name score } } }",
        "multiple-keys",
        "nulls",
        "non-null",
    ),
    case(
        "key hop for score only",
        '{ apartment(building: "B1", number: 101) { residents { score } } }',
        "multiple-keys",
    ),
    case(
        "resident from org to assess",
        '{ resident(id: "R1") { name card score discount bracket } }',
        "multiple-keys",
        "requires",
        "inaccessible",
    ),
    case(
        "residents list",
        "{ residents { id card name age income { amount currency } } }",
        "shareable",
        "nulls",
    ),
    case(
        "residents by ids with unknown",
        "query($ids: [ID!]) { residents(ids: $ids) { id score } }",
        "variables",
        variables={"ids": ["R4", "R9", "R2"]},
    ),
    # @requires across subgraphs, @provides
    case(
        "requires from a third subgraph",
        '{ apartment(building: "B1", number: 101) { residents { discount } } }',
        "requires",
        "external",
        "multiple-keys",
    ),
    case(
        "requires of an inaccessible field",
        "{ apartments { number residents { bracket } } }",
        "requires",
        "inaccessible",
        "nulls",
        "non-null",
    ),
    case(
        "requires beside provides",
        "{ topResidents { name discount bracket } }",
        "requires",
        "provides",
    ),
    case("provides", "{ topResidents { id name } }", "provides", "external"),
    case("provides and owner fields", "{ topResidents { name age phone score } }", "provides"),
    case(
        "shareable floor from either side",
        "{ cheapApartments { floor } apartments { floor } }",
        "shareable",
    ),
    # Fragments, aliases, variables, directives, typename
    case(
        "aliases fragments variables typename",
        """query Q($code: ID!, $withOrg: Boolean!, $skipZones: Boolean!) {
          c: community(code: $code) { __typename label: name ...Org @include(if: $withOrg)
            zones @skip(if: $skipZones) { id ... on Zone { n: name } } }
          kind: __typename }
        fragment Org on Community { organization { __typename title: name } }""",
        "aliases",
        "fragments",
        "variables",
        "skip-include",
        "typename",
        variables={"code": "C1", "withOrg": True, "skipZones": False},
    ),
    case(
        "directives off",
        """query Q($code: ID!, $withOrg: Boolean!, $skipZones: Boolean!) {
          c: community(code: $code) { label: name ...Org @include(if: $withOrg)
            zones @skip(if: $skipZones) { id } } }
        fragment Org on Community { organization { title: name } }""",
        "skip-include",
        "fragments",
        variables={"code": "C1", "withOrg": False, "skipZones": True},
    ),
    case(
        "literal skip and include",
        '{ community(code: "C2") { name @skip(if: true) code @include(if: true) organization @include(if: false) { name } } }',
        "skip-include",
    ),
    case(
        "same field two aliases different args",
        '{ a: community(code: "C1") { name } b: community(code: "C3") { name organization { score } } }',
        "aliases",
    ),
    case(
        "aliases across a boundary",
        '{ community(code: "C1") { o1: organization { n: name s: score } o2: organization { secretary } } }',
        "aliases",
        "key",
    ),
    case(
        "client alias with internal prefix",
        '{ _pgk_id: community(code: "C3") { _pgk_code: name organization { name } } }',
        "aliases",
    ),
    case(
        "nested fragments",
        "query { communities { ...C } } fragment C on Community { code ...Z } fragment Z on Community { zones { ...B } } fragment B on Zone { buildings { id grade } }",
        "fragments",
    ),
    case(
        "fragment merged with field",
        '{ community(code: "C1") { organization { name } ... on Community { organization { score } } } }',
        "fragments",
    ),
    case(
        "typename everywhere",
        "{ __typename communities { __typename organization { __typename score } zones { __typename } } }",
        "typename",
    ),
    case(
        "variables with defaults",
        'query($code: ID! = "C2", $b: String = "Zone") { community(code: $code) { name } search(text: $b) { __typename } }',
        "variables",
    ),
    case(
        "input object variable",
        "query($f: ApartmentFilter) { apartments(filter: $f) { number building { id } rent { amount } } }",
        "variables",
        variables={"f": {"building": "B1", "minFloor": 2}},
    ),
    case(
        "input object with enum list",
        "query($f: ApartmentFilter) { apartments(filter: $f) { number kind } }",
        "variables",
        variables={"f": {"kinds": ["DUPLEX"]}},
    ),
    case(
        "inline input object",
        '{ apartments(filter: {building: "B6", kinds: [DUPLEX, FLAT]}) { number residents { card } } }',
        "variables",
    ),
    case(
        "operation name picks",
        "query A { communities { code } } query B { organizations { id score } }",
        "variables",
        operation_name="B",
    ),
    # Unions and interfaces
    case(
        "union per type",
        '{ search(text: "1") { __typename ... on Zone { name } ... on Building { name grade } } }',
        "union",
        "typename",
    ),
    case(
        "union all members",
        '{ search(text: "Zone") { ... on Zone { id buildings { id certificate } } } }',
        "union",
        "errors",
        hive_wrong=HIVE_DROPS_INDICES,
        errors=(("building B6 has no certificate", ("search", 3, "buildings", 0, "certificate")),),
    ),
    case(
        "union fragment spreads",
        'query { search(text: "3") { ...Z ...B } } fragment Z on Zone { id } fragment B on Building { id label zone { id } }',
        "union",
        "fragments",
    ),
    case(
        "interface fields",
        '{ places(ids: ["Z2", "B3"]) { __typename id name ... on Building { grade zone { id } } ... on Zone { buildings { id } } } }',
        "interface",
    ),
    case(
        "interface fragment on interface",
        '{ places(ids: ["B1", "Z1", "B5"]) { ...P } } fragment P on Place { id ... on Building { apartments { number rent { amount } } } }',
        "interface",
        "fragments",
        "compound-key",
    ),
    case(
        "interface typename only", '{ places(ids: ["Z4"]) { __typename } }', "interface", "typename"
    ),
    # Lists of lists
    case("blocks of buildings", "{ blocks { id name grade } }", "list-of-lists"),
    case("layout list of lists", "{ apartments { layout } }", "list-of-lists"),
    case(
        "blocks to zones to organizations",
        "{ blocks { zone { id } apartments { floor residents { name } } } }",
        "list-of-lists",
        "deep-entities",
    ),
    # Errors and null propagation
    case(
        "entity error repathed and propagated",
        '{ community(code: "C3") { name zones { buildings { name certificate } } } }',
        "errors",
        "non-null",
        hive_wrong=HIVE_DROPS_INDICES,
        errors=(
            (
                "building B6 has no certificate",
                ("community", "zones", 0, "buildings", 0, "certificate"),
            ),
        ),
    ),
    case(
        "one request for entities of one subgraph at two paths",
        "{ communities { organization { name score } zones { buildings { id grade label } } } }",
        "key",
        "requires",
        "deep-entities",
    ),
    case(
        "batched compound key and second-key hop",
        '{ apartments(filter: {building: "B1"}) { number rent { amount } residents { name score } } }',
        "compound-key",
        "multiple-keys",
        "deep-entities",
    ),
    case(
        "error inside a batched request",
        "{ blocks { id certificate } communities { organization { score } } }",
        "errors",
        "list-of-lists",
        "non-null",
        hive_wrong=HIVE_DROPS_INDICES,
        errors=(("building B6 has no certificate", ("blocks", 2, 1, "certificate")),),
    ),
    case(
        "error in list of lists",
        "{ blocks { id certificate } }",
        "errors",
        "list-of-lists",
        "non-null",
        hive_wrong=HIVE_DROPS_INDICES,
        errors=(("building B6 has no certificate", ("blocks", 2, 1, "certificate")),),
    ),
    case(
        "nullable entity field error with extensions",
        '{ apartment(building: "B4", number: 101) { residents { name phone } } }',
        "errors",
        "nulls",
        hive_wrong=HIVE_DROPS_INDICES,
        errors=(("phone of R3 is sealed", ("apartment", "residents", 0, "phone")),),
    ),
    case(
        "non-null entity field error",
        '{ apartments(filter: {building: "B4"}) { number rent { amount } } }',
        "errors",
        "non-null",
        hive_wrong=HIVE_DROPS_INDICES,
        errors=(("no rent for B4-101", ("apartments", 0, "rent")),),
    ),
    case("root error makes data null", "{ mustFail }", "errors", "non-null"),
    case(
        "nullable root error",
        '{ organization(id: "O1") { phone: secretary } resident(id: "R3") { phone } }',
        "errors",
        "nulls",
    ),
    case(
        "root error beside other subgraph",
        "{ mustFail communities { code } }",
        "errors",
        "non-null",
    ),
    case(
        "masked internal error",
        "{ broken organizations { id } }",
        "errors",
        hive_wrong=(
            "Hive Gateway passes a subgraph's error message on as it is, SQL and driver names "
            "included; we replace messages that look like internals (ARCHITECTURE: no SQL in "
            "error messages)."
        ),
        errors=(("Internal subgraph error.", ("broken",)),),
    ),
    case(
        "unknown entity non-null",
        '{ apartment(building: "B6", number: 301) { residents { card name } } }',
        "nulls",
        "non-null",
        "multiple-keys",
    ),
    # Mutations
    case(
        "mutation with entity jumps",
        'mutation { touchCommunity(code: "C1") { name organization { name score } } }',
        "mutation",
        "key",
    ),
    case(
        "mutation compound key",
        "mutation M($b: ID!, $n: Int!) { touchApartment(building: $b, number: $n) { floor kind rent { amount } residents { name score } } }",
        "mutation",
        "variables",
        "compound-key",
        variables={"b": "B1", "n": 101},
    ),
    case(
        "mutations in order with an error",
        'mutation { a: touchCommunity(code: "C2") { code } r: refuse(reason: "no") b: touchApartment(building: "B9", number: 1) { floor } }',
        "mutation",
        "errors",
    ),
    case(
        "mutation alternating subgraphs",
        'mutation { r1: refuse(reason: "one") t: touchCommunity(code: "C3") { organization { secretary } } r2: refuse(reason: "two") }',
        "mutation",
        "errors",
        "aliases",
    ),
    # Request errors: nothing reaches a subgraph
    case(
        "inaccessible field refused",
        '{ organization(id: "O1") { internalCode } }',
        "inaccessible",
        "request-errors",
    ),
    case(
        "inaccessible requires field refused",
        '{ resident(id: "R1") { secretLevel } }',
        "inaccessible",
        "request-errors",
    ),
    case("unknown field", "{ communities { nope } }", "request-errors"),
    case(
        "missing required variable",
        "query($code: ID!) { community(code: $code) { name } }",
        "request-errors",
        variables={},
    ),
    case(
        "variable of wrong type",
        'query($n: Int!) { apartment(building: "B1", number: $n) { floor } }',
        "request-errors",
        variables={"n": "x"},
    ),
    case("syntax error", "{ communities { code }", "request-errors"),
    case(
        "unknown operation name",
        "query A { communities { code } }",
        "request-errors",
        operation_name="Z",
    ),
]
