"""What the expensive fields cost, through the gateway, as a district user of the demo district:
each field for the district, a street and a community, timed against a cheap baseline query
(`region(code:)`, one small read of org) in the same run, the two alternating so that both see
the same load. The ratios are where the gateway's field cost weights come from (`FIELD_COSTS`
in `gateway/field_costs.py`).

Against a running suite (`./partygrid up`; keys from PARTYGRID_DATA_DIR, default .data):
    .venv/bin/python bench/field_costs.py http://127.0.0.1:4000/graphql [-n 5]
Or on a stack of its own (a private cluster in PARTYGRID_DATA_DIR, the demo district, the
three subgraphs and the gateway on free ports; everything is stopped at the end; the gateway's
work limit is lifted there, so that every field is measured even where one call alone is over
it):
    PARTYGRID_DATA_DIR=/tmp/bench-costs .venv/bin/python bench/field_costs.py --own-stack
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from dataclasses import dataclass
from typing import Any

import httpx
from bench_auth import gateway_target

from gateway.auth.tokens import AccessTokens
from services.common.auth import Identity, Role

DISTRICT = "410104"
YEAR = 2020
MONTH = "2020-05"
BASELINE = "query ($r: String!) { region(code: $r) { code name } }"
REGIONS = "query ($r: String!) { region(code: $r) { children { code children { code } } } }"


@dataclass(frozen=True)
class Probe:
    """One field, asked for one region level."""

    field: str
    level: str
    query: str
    variables: dict[str, Any]


def probes(district: str, street: str, community: str, codes: list[str]) -> list[Probe]:
    by_level = {"district": district, "street": street, "community": community}
    out: list[Probe] = []

    def each_level(field: str, query: str, **extra: Any) -> None:
        for level, code in by_level.items():
            out.append(Probe(field, level, query, {"r": code, **extra}))

    each_level(
        "Query.findings",
        "query ($r: String!) { findings(regionCode: $r, first: 50) "
        "{ totalCount nodes { rule severity message } } }",
    )
    each_level(
        "Query.coverage",
        "query ($r: String!) { coverage(regionCode: $r) { buildings covered percent "
        "gapCounts { building zone } gaps(first: 20) { totalCount nodes { severity } } } }",
    )
    each_level(
        "Coverage.gapsGeoJSON",
        "query ($r: String!) { coverage(regionCode: $r) { gapsGeoJSON } }",
    )
    for name in ("GeoJSON", "CSV"):
        for layer in ("ZONES", "BUILDINGS", "GAPS"):
            each_level(
                f"Query.export{name} {layer}",
                f"query ($r: String!, $l: ExportLayer!) {{ export{name}(regionCode: $r, layer: $l) }}",
                l=layer,
            )
    each_level(
        "Query.members",
        "query ($r: String!) { members(filter: {regionCode: $r}, first: 50) "
        "{ totalCount nodes { name } } }",
    )
    each_level(
        "Query.postHoldings",
        "query ($r: String!) { postHoldings(regionCode: $r) { organizationId withPosts } }",
    )
    each_level(
        "Query.communities + Community.coverage",
        "query ($r: String!) { communities(regionCode: $r) { code coverage { buildings covered } } }",
    )
    year_fields = {
        "Query.starRatings": "starRatings(regionCode: $r, year: $y) { unitId computedStars }",
        "Query.fiveGoodOrganizations": (
            "fiveGoodOrganizations(regionCode: $r, year: $y) { communityCode meetsAll }"
        ),
        "Query.commendationList": "commendationList(regionCode: $r, year: $y) { state entries { id } }",
        "Query.milestoneStatuses": (
            "milestoneStatuses(regionCode: $r, year: $y) { communityCode milestones { status } }"
        ),
        "Query.overdueMilestones": "overdueMilestones(regionCode: $r, year: $y) { count }",
    }
    for field, selection in year_fields.items():
        each_level(field, f"query ($r: String!, $y: Int!) {{ {selection} }}", y=YEAR)
    preview = (
        "query ($r: String!, $y: Int!) { gradingPreview(communityCode: $r, year: $y) "
        "{ score grade { id } passed } }"
    )
    out.append(Probe("Query.gradingPreview", "community", preview, {"r": community, "y": YEAR}))
    counts = (
        "query ($codes: [String!]!) { communityCounts(communityCodes: $codes) "
        "{ code reportingDue reportedIn findings { rule } } }"
    )
    out.append(Probe("Query.communityCounts", "each community", counts, {"codes": codes}))
    out.append(Probe("Query.communityCounts", "community", counts, {"codes": [community]}))
    residents = "query ($codes: [String!]!) { regionResidents(regionCodes: $codes) { total notReportedIn } }"
    out.append(Probe("Query.regionResidents", "district", residents, {"codes": [district]}))
    out.append(Probe("Query.regionResidents", "community", residents, {"codes": [community]}))
    rollup = (
        "query ($d: String!, $m: String!) { monthlyReportRollup(districtCode: $d, month: $m) "
        "{ totals { communities } } }"
    )
    out.append(Probe("Query.monthlyReportRollup", "district", rollup, {"d": district, "m": MONTH}))
    return out


class Caller:
    """POSTs to the gateway as a district user of the demo district."""

    def __init__(self, url: str, access_key: str) -> None:
        tokens = AccessTokens(access_key, ttl=dt.timedelta(hours=2))
        token = tokens.issue(Identity("bench-district", Role.DISTRICT, DISTRICT)).token
        self.url = url
        self.client = httpx.Client(timeout=120, headers={"authorization": f"Bearer {token}"})

    def ask(self, query: str, variables: dict[str, Any]) -> tuple[float, int, dict]:
        """(ms, response bytes, body)."""
        started = time.perf_counter()
        response = self.client.post(self.url, json={"query": query, "variables": variables})
        ms = (time.perf_counter() - started) * 1000
        return ms, len(response.content), response.json()

    def interleaved(
        self, probe: Probe, baseline: tuple[str, dict[str, Any]], n: int
    ) -> tuple[float, float, int, list]:
        """Median ms of the probe and of the baseline over n runs, alternating (so both see
        the same load), after one warm-up each; the probe's response size and errors."""
        _, size, body = self.ask(probe.query, probe.variables)
        self.ask(*baseline)
        ours, base = [], []
        for _ in range(n):
            ours.append(self.ask(probe.query, probe.variables)[0])
            base.append(self.ask(*baseline)[0])
        return statistics.median(ours), statistics.median(base), size, body.get("errors") or []


def run(url: str, access_key: str, n: int, only: str | None = None) -> None:
    caller = Caller(url, access_key)
    _, _, regions = caller.ask(REGIONS, {"r": DISTRICT})
    if "data" not in regions:
        raise SystemExit(f"cannot read the district's regions: {regions}")
    streets = regions["data"]["region"]["children"]
    codes = [c["code"] for s in streets for c in s["children"]]
    street, community = streets[0]["code"], streets[0]["children"][0]["code"]
    baseline = (BASELINE, {"r": DISTRICT})
    print(
        f"district {DISTRICT}: {len(streets)} streets, {len(codes)} communities; "
        f"street {street}, community {community}; n={n}, each field alternating with the "
        "baseline region(code:)\n"
    )
    print(
        f"| {'field':40} | {'level':14} | {'p50 ms':>8} | {'base ms':>8} | {'× base':>7} "
        f"| {'KiB':>8} |"
    )
    print(f"| {'-' * 40} | {'-' * 14} | {'-' * 7}: | {'-' * 7}: | {'-' * 6}: | {'-' * 7}: |")
    for probe in probes(DISTRICT, street, community, codes):
        if only and only not in probe.field:
            continue
        ms, base, size, errors = caller.interleaved(probe, baseline, n)
        note = f"  errors: {sorted({str(e.get('extensions', {}).get('code')) for e in errors})}"
        print(
            f"| {probe.field:40} | {probe.level:14} | {ms:8.1f} | {base:8.1f} "
            f"| {ms / base:7.1f} | {size / 1024:8.1f} |{note if errors else ''}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("gateway", nargs="?", help="the gateway's GraphQL URL")
    parser.add_argument("--own-stack", action="store_true", help="start a stack of its own")
    parser.add_argument("-n", type=int, default=5)
    parser.add_argument("--only", help="measure only fields whose name contains this")
    args = parser.parse_args()
    wide = {
        "PARTYGRID_GATEWAY_MAX_WORK": str(10**9),
        # A field slower than the usual 10 s deadline is measured, not cut off.
        "PARTYGRID_GATEWAY_FETCH_TIMEOUT": "120",
    }
    own = args.own_stack
    with gateway_target(args.gateway, own_stack=own, prefix="cost-bench-", gateway_env=wide) as (
        gateway,
        key,
    ):
        run(gateway, key, args.n, args.only)


if __name__ == "__main__":
    main()
