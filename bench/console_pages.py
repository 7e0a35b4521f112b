"""Issue 16's target (≤ 300 ms at p50 on the demo district): each console page's answer time
as a browser gets it (`GET` with the sign-in cookie: the route, its graph reads through the
gateway, the template), against a baseline in the same run: the plain `community` query
through the gateway's `/graphql` as the same user (code, name and boundary). Each page and
the baseline alternate, so both see the same load; pages are read only (no form is posted;
the one write is a street's December 2014 monthly report, generated once if missing so a
report page has one to show). After the pages, the pages' dearest graph reads alone
(`milestoneStatuses`, `overdueMilestones`, `communityCounts`, `findings`, `starRatings`,
`fiveGoodEvaluation`) through `/graphql`, so a slow page can be told from a slow read.

Against a running suite (`./partygrid up`; keys from PARTYGRID_DATA_DIR, default .data):
    .venv/bin/python bench/console_pages.py http://127.0.0.1:4000 [-n 50]
Or on a stack of its own (a private cluster in PARTYGRID_DATA_DIR, the demo district, the
three subgraphs and the gateway on free ports; everything is stopped at the end):
    PARTYGRID_DATA_DIR=/tmp/bench-console .venv/bin/python bench/console_pages.py --own-stack
`--only district` (any part of "user path" or "user read") measures a few of them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable

import httpx
from bench_auth import gateway_target

from gateway.auth.tokens import AccessTokens
from gateway.auth.web import COOKIE
from services.common.auth import Identity, Role

TARGET_MS = 300.0
DISTRICT, STREET, COMMUNITY = "410104", "410104001", "410104001001"
BASELINE = """query ($code: String!) { community(code: $code) { code name boundary } }"""
USERS = {
    "district": Identity("bench-district", Role.DISTRICT, DISTRICT),
    "street": Identity("bench-street", Role.STREET, STREET),
    "secretary": Identity("bench-secretary", Role.SECRETARY, COMMUNITY),
}
LARGEST = "410104002003"  # the demo's largest community tree (276 organizations)
REPORT_MONTH = "2014-12"  # a month no test reads: the bench's own report
MEMBERS = f"/console/community/{COMMUNITY}/members"
# (user, page): each role's main pages on the demo district; {member} is a member of
# COMMUNITY, found before the run.
PAGES = [
    ("district", "/console"),
    ("district", f"/console/overview/{DISTRICT}"),
    ("district", f"/console/rollup/{DISTRICT}/{dt.date.today():%Y-%m}"),
    ("district", f"/console/commendations/{DISTRICT}"),
    ("district", "/console/search?q=%E7%A4%BE%E5%8C%BA"),  # 社区
    ("district", f"/console/community/{LARGEST}"),
    ("district", f"/console/community/{LARGEST}/posts"),
    ("street", "/console"),
    ("street", f"/console/overview/{STREET}"),
    ("street", f"/console/reports/{STREET}"),
    ("street", f"/console/reports/{STREET}/{REPORT_MONTH}"),
    ("street", "/console/search?q=%E5%BC%A0"),  # 张
    ("secretary", "/console"),
    ("secretary", f"/console/community/{COMMUNITY}"),
    ("secretary", MEMBERS),
    ("secretary", f"{MEMBERS}?management=NON_SELF&reporting=PENDING"),
    ("secretary", MEMBERS + "/{member}"),
    ("secretary", f"/console/community/{COMMUNITY}/posts"),
    ("secretary", f"/console/community/{COMMUNITY}/dual"),
    ("secretary", f"/console/assessment/{COMMUNITY}"),
    ("secretary", f"/console/records/{COMMUNITY}"),
    ("secretary", f"/console/records/{COMMUNITY}/new/funds"),
    ("secretary", f"/console/commendations/{COMMUNITY}"),
]
# (user, label, query, variables): the dearest reads behind those pages, alone.
YEAR = dt.date.today().year
READS = [
    (
        "district",
        "milestoneStatuses (district)",
        """query ($c: String!, $y: Int!) { milestoneStatuses(regionCode: $c, year: $y) {
        communityCode milestones { status } } }""",
        {"c": DISTRICT, "y": YEAR},
    ),
    (
        "district",
        "overdueMilestones (district)",
        """query ($c: String!, $y: Int!) { overdueMilestones(regionCode: $c, year: $y) {
        streets { items { communityCode } } } }""",
        {"c": DISTRICT, "y": YEAR},
    ),
    (
        "district",
        "communityCounts findings (district)",
        """query ($c: [String!]!) { communityCounts(communityCodes: $c) {
        code findings { severity } } }""",
        {"c": None},  # the district's communities, filled in before the run
    ),
    (
        "district",
        "communityCounts reporting (district)",
        """query ($c: [String!]!) { communityCounts(communityCodes: $c) {
        code reportingDue reportedIn } }""",
        {"c": None},
    ),
    (
        "district",
        f"findings ({LARGEST})",
        """query ($c: String!) { findings(regionCode: $c, first: 500) {
        nodes { rule severity } } }""",
        {"c": LARGEST},
    ),
    (
        "secretary",
        f"starRatings ({COMMUNITY})",
        """query ($c: String!, $y: Int!) { starRatings(regionCode: $c, year: $y) {
        unitId computedStars } }""",
        {"c": COMMUNITY, "y": YEAR},
    ),
    (
        "secretary",
        f"fiveGoodEvaluation ({COMMUNITY})",
        """query ($c: String!, $y: Int!) { fiveGoodEvaluation(communityCode: $c, year: $y) {
        communityCode meetsAll } }""",
        {"c": COMMUNITY, "y": YEAR},
    ),
]
FIND = """query ($c: String!, $d: String!) { members(filter: {regionCode: $c}, first: 1)
  { nodes { id } } communities(regionCode: $d) { code } }"""
REPORT = """query ($s: String!, $m: String!) { monthlyReport(streetCode: $s, month: $m) { id } }"""
GENERATE = """mutation ($s: String!, $m: String!) { generateMonthlyReport(streetCode: $s,
  month: $m) { report { id } errors { code message } } }"""


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _timed(call: object) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = call()  # type: ignore[operator]
    return (time.perf_counter() - started) * 1000, response


def _prepare(site: str, graphs: dict[str, httpx.Client]) -> dict[str, str]:
    """What the pages and reads need from the demo: a member id, the district's communities,
    and the street's report of REPORT_MONTH (generated when missing)."""

    def ask(user: str, query: str, variables: dict) -> dict:
        answer = graphs[user].post(site + "/graphql", json={"query": query, "variables": variables})
        body = answer.json()
        if body.get("errors"):
            raise SystemExit(f"{query[:60]}: {body['errors']}")
        return body["data"]

    found = ask("district", FIND, {"c": COMMUNITY, "d": DISTRICT})
    codes = [c["code"] for c in found["communities"]]
    for _user, _label, _query, variables in READS:
        if "c" in variables and variables["c"] is None:
            variables["c"] = codes
    report = {"s": STREET, "m": REPORT_MONTH}
    if ask("street", REPORT, report)["monthlyReport"] is None:
        made = ask("street", GENERATE, report)["generateMonthlyReport"]
        if made["errors"]:
            raise SystemExit(f"generateMonthlyReport: {made['errors']}")
    return {"member": found["members"]["nodes"][0]["id"]}


def _measure(
    call: Callable[[], httpx.Response], base: Callable[[], httpx.Response], n: int, what: str
) -> tuple[float, float, float]:
    """p50 and p95 of `call` and p50 of `base`, alternating (3 warm-ups each first)."""
    for _ in range(3):
        call()
        base()
    ours: list[float] = []
    baseline: list[float] = []
    for _ in range(n):
        ms, response = _timed(call)
        if response.status_code != 200 or b'"errors"' in response.content[:200]:
            raise SystemExit(f"{what}: {response.status_code} {response.text[:300]}")
        ours.append(ms)
        ms, response = _timed(base)
        baseline.append(ms)
    return statistics.median(ours), _percentile(ours, 0.95), statistics.median(baseline)


def run(site: str, access_key: str, n: int, only: str | None = None) -> bool:
    tokens = AccessTokens(access_key, ttl=dt.timedelta(hours=2))
    issued = {name: tokens.issue(identity).token for name, identity in USERS.items()}
    pages = {name: httpx.Client(timeout=60, cookies={COOKIE: t}) for name, t in issued.items()}
    graphs = {
        name: httpx.Client(timeout=60, headers={"authorization": f"Bearer {t}"})
        for name, t in issued.items()
    }
    found = _prepare(site, graphs)
    met = True
    print(f"{'user':<10} {'page':<58} {'p50':>8} {'p95':>8} {'base p50':>9} {'ratio':>6}")
    for user, template in PAGES:
        path = template.format(**found)
        if only and only not in f"{user} {path}":
            continue
        page, graph = pages[user], graphs[user]

        def get(page: httpx.Client = page, path: str = path) -> httpx.Response:
            return page.get(site + path)

        def base(graph: httpx.Client = graph) -> httpx.Response:
            return graph.post(
                site + "/graphql", json={"query": BASELINE, "variables": {"code": COMMUNITY}}
            )

        p50, p95, b50 = _measure(get, base, n, f"{user} {path}")
        met = met and p50 <= TARGET_MS
        print(f"{user:<10} {path:<58} {p50:8.1f} {p95:8.1f} {b50:9.1f} {p50 / b50:6.1f}")
    print(f"target p50 ≤ {TARGET_MS:.0f} ms on every page: {'met' if met else 'NOT met'}")
    print(
        f"\n{'user':<10} {'graph read alone':<58} {'p50':>8} {'p95':>8} {'base p50':>9} {'ratio':>6}"
    )
    for user, label, query, variables in READS:
        if only and only not in f"{user} {label}":
            continue
        graph = graphs[user]

        def read(
            graph: httpx.Client = graph, query: str = query, variables: dict = variables
        ) -> httpx.Response:
            return graph.post(site + "/graphql", json={"query": query, "variables": variables})

        def base(graph: httpx.Client = graph) -> httpx.Response:
            return graph.post(
                site + "/graphql", json={"query": BASELINE, "variables": {"code": COMMUNITY}}
            )

        p50, p95, b50 = _measure(read, base, n, label)
        print(f"{user:<10} {label:<58} {p50:8.1f} {p95:8.1f} {b50:9.1f} {p50 / b50:6.1f}")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gateway", nargs="?", help="the gateway's URL (without --own-stack)")
    parser.add_argument("--own-stack", action="store_true")
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--only", help="only the pages and reads whose 'user path' has this")
    args = parser.parse_args()
    with gateway_target(args.gateway, own_stack=args.own_stack, prefix="bench-console-") as (
        url,
        key,
    ):
        site = url.removesuffix("/graphql").rstrip("/")
        raise SystemExit(0 if run(site, key, args.n, args.only) else 1)


if __name__ == "__main__":
    main()
