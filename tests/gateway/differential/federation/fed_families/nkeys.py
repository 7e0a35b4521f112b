"""Keys beyond one scalar: nested key field sets (one and two levels), key fields `@external`
in the subgraph that returns the object (given by `@provides`, or a fed-1 style extension),
`resolvable: false`, a type whose keys span three subgraphs (a hop through a third subgraph
for a key field the first lacks), ID/Int/enum key values and null key fields.

The same account id exists in two organizations and the same seat number in two rooms: a key
sent without its nested part finds the wrong object (or none).
"""

from __future__ import annotations

from functools import partial

from fed_model import Family, FixtureSubgraph
from fed_model import case as _case
from graphql import GraphQLError

case = partial(_case, "nkeys")

ORGS = [
    {"__typename": "NkeysOrg", "id": "o1", "title": "North"},
    {"__typename": "NkeysOrg", "id": "o2", "title": "South"},
]
ACCOUNTS = [
    {"__typename": "NkeysAccount", "id": "a1", "org": {"id": "o1"}, "name": "Ann"},
    {"__typename": "NkeysAccount", "id": "a1", "org": {"id": "o2"}, "name": "Abe"},
    {"__typename": "NkeysAccount", "id": "a2", "org": {"id": "o2"}, "name": None},
]
BALANCES = [
    {"id": "a1", "org": {"id": "o1"}, "balance": 10},
    {"id": "a1", "org": {"id": "o2"}, "balance": 20},
    {"id": "a2", "org": {"id": "o2"}, "balance": None},
]


def _room(ident: str, floor: int) -> dict:
    return {"id": ident, "floor": {"id": floor, "level": f"L{floor}"}}


SEATS = [
    {"__typename": "NkeysSeat", "num": 1, "room": _room("r1", 1)},
    {"__typename": "NkeysSeat", "num": 1, "room": _room("r1", 2)},
    {"__typename": "NkeysSeat", "num": 2, "room": _room("r2", 2)},
]
PRICES = [
    {"num": 1, "room": {"id": "r1", "floor": {"id": 1}}, "price": 100},
    {"num": 1, "room": {"id": "r1", "floor": {"id": 2}}, "price": 200},
    {"num": 2, "room": {"id": "r2", "floor": {"id": 2}}, "price": None},
]
SLOTS = [
    {"__typename": "NkeysSlot", "day": "MON", "hour": 9, "topic": "plan"},
    {"__typename": "NkeysSlot", "day": "TUE", "hour": 9, "topic": "review"},
    None,
    {"__typename": "NkeysSlot", "day": "MON", "hour": 14, "topic": None},
]
BOOKINGS = [
    {"day": "MON", "hour": 9, "booked": True},
    {"day": "TUE", "hour": 9, "booked": False},
    {"day": "MON", "hour": 14, "booked": None},
]
# nkeys_a knows vans by id only (Int values, served as ID strings); nkeys_c by id and vin;
# nkeys_d by vin only; van 3 has no vin.
# Van 4's vin fails in nkeys_c; nkeys_c does not know van 5.
VANS = [{"__typename": "NkeysVan", "id": n} for n in (1, 2, 3, 4, 5)]


def _locked(_parent: dict) -> str:
    raise GraphQLError("van 4 is locked", extensions={"code": "LOCKED"})


VINS = [
    {"__typename": "NkeysVan", "id": "1", "vin": "V-1"},
    {"__typename": "NkeysVan", "id": "2", "vin": "V-2"},
    {"__typename": "NkeysVan", "id": "3", "vin": None},
    {"__typename": "NkeysVan", "id": "4", "vin": _locked},
]
MILES = [{"vin": "V-1", "miles": 1200}, {"vin": "V-2", "miles": None}]
REVIEWS = [
    {
        "id": "w1",
        "body": "fine",
        "account": {"id": "a1", "org": {"id": "o2"}},
        "van": VINS[1],
        "place": {"code": "P1"},
    },
    {"id": "w2", "body": None, "account": None, "van": None, "place": None},
    {
        "id": "w3",
        "body": "late",
        "account": {"id": "a1", "org": {"id": "o1"}},
        "van": VINS[0],
        "place": {"code": "P2"},
    },
]
PLACES = [
    {"__typename": "NkeysPlace", "code": "P1", "city": "Xi'an"},
    {"__typename": "NkeysPlace", "code": "P2", "city": None},
]

# Hive Gateway's faults, documented on the cases that meet them.
PROVIDED_KEY = (
    "Hive cannot leave nkeys_c by the key fields nkeys_c gives with "
    '`account @provides(fields: "id org { id }")` (external there; the composer accepts it): '
    "it answers SATISFIABILITY_ERROR and nulls the account"
)
NESTED_TYPENAME = (
    "Hive merges the client's `org { __typename }` into the nested key it sends: the "
    "representation `org: {__typename, id}` is not the key `id org { id }`, so nkeys_b finds "
    "no account"
)
SKIPPED_KEY = (
    "Hive applies the client's @skip on `id` and `org` to the key fields of the "
    "representations as well: nkeys_b is sent no key and finds no account"
)


KEY_ERROR = (
    "Hive drops the error nkeys_c raises for van 4's vin, the key it fetches to reach "
    "nkeys_d: miles is null with no error"
)
UNINDEXED = "Hive gives the error nkeys_c raises for van 4's vin at a path without the list index"
MILES_BY_VAN = {"1": 1200, "2": None, "3": None, "4": None, "5": None}
VIN_BY_VAN = {"1": "V-1", "2": "V-2", "3": None, "4": None, "5": None}
LOCKED = (("van 4 is locked", ("nkeysVans", 3)),)


FAMILY = Family(
    "nkeys",
    (
        FixtureSubgraph(
            "nkeys_a",
            """
            type Query {
              nkeysAccounts: [NkeysAccount!]!
              nkeysSeats: [NkeysSeat!]!
              nkeysSlots: [NkeysSlot]!
              nkeysVans: [NkeysVan!]!
              nkeysOrgs: [NkeysOrg!]!
            }
            type NkeysOrg @key(fields: "id") { id: ID! title: String }
            type NkeysAccount @key(fields: "id org { id }") { id: ID! org: NkeysOrg! name: String }
            type NkeysFloor @shareable { id: Int! level: String }
            type NkeysRoom @shareable { id: ID! floor: NkeysFloor! }
            type NkeysSeat @key(fields: "num room { id floor { id } }") {
              num: Int! room: NkeysRoom!
            }
            enum NkeysDay { MON TUE }
            type NkeysSlot @key(fields: "day hour") { day: NkeysDay! hour: Int! topic: String }
            type NkeysVan @key(fields: "id") { id: ID! }
            type NkeysPlace @key(fields: "code") { code: ID! city: String }
            """,
            roots={
                "nkeysAccounts": ACCOUNTS,
                "nkeysSeats": SEATS,
                "nkeysSlots": SLOTS,
                "nkeysVans": VANS,
                "nkeysOrgs": ORGS,
            },
            entities={
                "NkeysOrg": ORGS,
                "NkeysAccount": ACCOUNTS,
                "NkeysSeat": SEATS,
                "NkeysSlot": [s for s in SLOTS if s],
                "NkeysVan": VANS,
                "NkeysPlace": PLACES,
            },
        ),
        FixtureSubgraph(
            "nkeys_b",
            """
            type NkeysOrg @key(fields: "id", resolvable: false) { id: ID! }
            type NkeysAccount @key(fields: "id org { id }") {
              id: ID! org: NkeysOrg! balance: Int
            }
            type NkeysFloor @shareable { id: Int! }
            type NkeysRoom @shareable { id: ID! floor: NkeysFloor! }
            type NkeysSeat @key(fields: "num room { id floor { id } }") {
              num: Int! room: NkeysRoom! price: Int
            }
            enum NkeysDay { MON TUE }
            type NkeysSlot @key(fields: "day hour") { day: NkeysDay! hour: Int! booked: Boolean }
            """,
            entities={"NkeysAccount": BALANCES, "NkeysSeat": PRICES, "NkeysSlot": BOOKINGS},
        ),
        FixtureSubgraph(
            "nkeys_c",
            """
            type Query { nkeysReviews: [NkeysReview!]! }
            type NkeysReview {
              id: ID!
              body: String
              account: NkeysAccount @provides(fields: "id org { id }")
              van: NkeysVan
              place: NkeysPlace
            }
            type NkeysOrg @key(fields: "id", resolvable: false) { id: ID! @external }
            type NkeysAccount @key(fields: "id org { id }", resolvable: false) {
              id: ID! @external org: NkeysOrg! @external
            }
            type NkeysVan @key(fields: "id") @key(fields: "vin") { id: ID! vin: String }
            type NkeysPlace @key(fields: "code") @federation__extends { code: ID! @external }
            """,
            roots={"nkeysReviews": REVIEWS},
            entities={"NkeysVan": VINS},
        ),
        FixtureSubgraph(
            "nkeys_d",
            """
            type NkeysVan @key(fields: "vin") { vin: String miles: Int }
            """,
            entities={"NkeysVan": MILES},
        ),
    ),
    (
        case("nested key", "{ nkeysAccounts { id name balance } }"),
        case("nested key, only remote", "{ nkeysAccounts { balance } }"),
        case("nested key, org fields too", "{ nkeysAccounts { org { id title } balance } }"),
        case("nested key, aliased", "{ nkeysAccounts { i: id o: org { x: id } b: balance } }"),
        case(
            "nested key, typenames",
            "{ nkeysAccounts { __typename org { __typename } balance } }",
            hive_wrong=NESTED_TYPENAME,
            data={
                "nkeysAccounts": [
                    {"__typename": "NkeysAccount", "org": {"__typename": "NkeysOrg"}, "balance": b}
                    for b in (10, 20, None)
                ]
            },
        ),
        case("two levels", "{ nkeysSeats { num price } }"),
        case("two levels, room asked", "{ nkeysSeats { room { id floor { level } } price } }"),
        case(
            "two levels, floor aliased",
            "{ nkeysSeats { price room { f: floor { id } floor { level } } } }",
        ),
        case("enum and int key", "{ nkeysSlots { day hour booked } }"),
        case("enum and int key, only remote", "{ nkeysSlots { booked topic } }"),
        case("enum and int key, typename", "{ nkeysSlots { __typename booked } }"),
        case(
            "hop through a third subgraph",
            "{ nkeysVans { id miles } }",
            hive_wrong=KEY_ERROR,
            errors=LOCKED,
            data={"nkeysVans": [{"id": i, "miles": m} for i, m in MILES_BY_VAN.items()]},
        ),
        case(
            "hop, only the far field",
            "{ nkeysVans { miles } }",
            hive_wrong=KEY_ERROR,
            errors=LOCKED,
            data={"nkeysVans": [{"miles": m} for m in MILES_BY_VAN.values()]},
        ),
        case(
            "hop, middle field too",
            "{ nkeysVans { vin miles id } }",
            hive_wrong=UNINDEXED,
            errors=(("van 4 is locked", ("nkeysVans", 3, "vin")),),
            data={
                "nkeysVans": [
                    {"vin": VIN_BY_VAN[i], "miles": m, "id": i} for i, m in MILES_BY_VAN.items()
                ]
            },
        ),
        case(
            "hop, aliases",
            "{ nkeysVans { m: miles v: vin } }",
            hive_wrong=UNINDEXED + " (and at the client's `v`, which nkeys_d answers)",
            errors=LOCKED,
            data={"nkeysVans": [{"m": m, "v": VIN_BY_VAN[i]} for i, m in MILES_BY_VAN.items()]},
        ),
        case("hop, typename and key only", "{ nkeysVans { __typename id } }"),
        case(
            "hop, fragments and typename",
            "fragment V on NkeysVan { t: __typename miles } { nkeysVans { ...V id } }",
            hive_wrong=KEY_ERROR,
            errors=LOCKED,
            data={
                "nkeysVans": [
                    {"t": "NkeysVan", "miles": m, "id": i} for i, m in MILES_BY_VAN.items()
                ]
            },
        ),
        case(
            "external key given by provides",
            "{ nkeysReviews { id account { id balance } } }",
            hive_wrong=PROVIDED_KEY,
            data={
                "nkeysReviews": [
                    {"id": "w1", "account": {"id": "a1", "balance": 20}},
                    {"id": "w2", "account": None},
                    {"id": "w3", "account": {"id": "a1", "balance": 10}},
                ]
            },
        ),
        case(
            "external nested key, owner fields",
            "{ nkeysReviews { account { name org { title } } } }",
            hive_wrong=PROVIDED_KEY,
            data={
                "nkeysReviews": [
                    {"account": {"name": "Abe", "org": {"title": "South"}}},
                    {"account": None},
                    {"account": {"name": "Ann", "org": {"title": "North"}}},
                ]
            },
        ),
        case(
            "external key, both subgraphs",
            "{ nkeysReviews { body account { id name balance org { id } } } }",
            hive_wrong=PROVIDED_KEY,
            data={
                "nkeysReviews": [
                    {
                        "body": "fine",
                        "account": {"id": "a1", "name": "Abe", "balance": 20, "org": {"id": "o2"}},
                    },
                    {"body": None, "account": None},
                    {
                        "body": "late",
                        "account": {"id": "a1", "name": "Ann", "balance": 10, "org": {"id": "o1"}},
                    },
                ]
            },
        ),
        case("extension key", "{ nkeysReviews { id place { code city } } }"),
        case("extension key, only remote", "{ nkeysReviews { place { city } } }"),
        case("review van miles", "{ nkeysReviews { van { id vin miles } } }"),
        case("review van, only far field", "{ nkeysReviews { van { miles } } }"),
        case("resolvable false org", "{ nkeysAccounts { org { title } } }"),
        case("orgs direct", "{ nkeysOrgs { id title } }"),
        case(
            "everything",
            "{ nkeysReviews { id account { name balance org { title } } van { miles } "
            "place { city } } nkeysSeats { price } nkeysSlots { booked } }",
            hive_wrong=PROVIDED_KEY,
            data={
                "nkeysReviews": [
                    {
                        "id": "w1",
                        "account": {"name": "Abe", "balance": 20, "org": {"title": "South"}},
                        "van": {"miles": None},
                        "place": {"city": "Xi'an"},
                    },
                    {"id": "w2", "account": None, "van": None, "place": None},
                    {
                        "id": "w3",
                        "account": {"name": "Ann", "balance": 10, "org": {"title": "North"}},
                        "van": {"miles": 1200},
                        "place": {"city": None},
                    },
                ],
                "nkeysSeats": [{"price": 100}, {"price": 200}, {"price": None}],
                "nkeysSlots": [{"booked": True}, {"booked": False}, None, {"booked": None}],
            },
        ),
        case(
            "fragments on nested keys",
            "fragment A on NkeysAccount { balance org { ...O } } fragment O on NkeysOrg { title } "
            "{ nkeysAccounts { ...A } }",
        ),
        case(
            "skip the key field",
            "query($s: Boolean!) { nkeysAccounts { id @skip(if: $s) org @skip(if: $s) { id } "
            "balance } }",
            variables={"s": True},
            hive_wrong=SKIPPED_KEY,
            data={"nkeysAccounts": [{"balance": 10}, {"balance": 20}, {"balance": None}]},
        ),
        case(
            "include the key field",
            "query($s: Boolean!) { nkeysSeats { num @include(if: $s) price "
            "room @include(if: $s) { id } } }",
            variables={"s": False},
        ),
    ),
)
