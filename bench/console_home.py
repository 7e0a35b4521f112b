"""Console home and search (issue 16, target <= 300 ms at p50 on the demo district): each
page's median over HTTP per role (graph reads and rendering included) against `GET /healthz`
on the same gateway, measured in the same run; and, to show where a page's time goes, the
median of the slowest graph reads the home page makes (`milestoneStatuses`,
`communityCounts`), asked alone with a bearer token.

    .venv/bin/python bench/console_home.py --own-stack [-n 20]
    PARTYGRID_DATA_DIR=.data .venv/bin/python bench/console_home.py http://127.0.0.1:4000/graphql
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import statistics
import time
from collections.abc import Callable

import httpx
from bench_auth import gateway_target

from gateway.auth.tokens import AccessTokens
from gateway.auth.web import COOKIE
from services.common.auth import Identity, Role

USERS = (
    Identity("bench-district", Role.DISTRICT, "410104"),
    Identity("bench-street", Role.STREET, "410104001"),
    Identity("bench-secretary", Role.SECRETARY, "410104001001"),
)
MILESTONES = """query ($c: String!, $y: Int!) { milestoneStatuses(regionCode: $c, year: $y) {
  communityCode milestones { status } } }"""
COMMUNITIES = "query ($c: String!) { communities(regionCode: $c) { code } }"
COUNTS = """query ($c: [String!]!) { communityCounts(communityCodes: $c) { code reportingDue
  reportedIn } }"""


def median_ms(call: Callable[[], httpx.Response], n: int, warm: int = 3) -> float:
    for _ in range(warm):
        call().raise_for_status()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        call().raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def bench_user(site: str, token: str, user: Identity, n: int, baseline: float) -> None:
    """One user's pages, then the home page's slowest graph reads alone."""
    role = user.role.value if user.role else ""
    bearer = {"authorization": f"Bearer {token}"}
    with httpx.Client(base_url=site, cookies={COOKIE: token}, timeout=120) as client:
        for path in ("/console", "/console/search?q=张"):
            took = median_ms(functools.partial(client.get, path), n)
            print(f"{role:9} GET {path}: {took:.1f} ms, {took / baseline:.1f}x baseline")

        def ask(query: str, variables: dict) -> httpx.Response:
            body = {"query": query, "variables": variables}
            return client.post("/graphql", json=body, headers=bearer)

        year = dt.date.today().year
        took = median_ms(functools.partial(ask, MILESTONES, {"c": user.region, "y": year}), n)
        print(f"{role:9}   graph milestoneStatuses: {took:.1f} ms")
        listed = ask(COMMUNITIES, {"c": user.region}).json()["data"]["communities"]
        codes = [c["code"] for c in listed]
        took = median_ms(functools.partial(ask, COUNTS, {"c": codes}), n)
        print(f"{role:9}   graph communityCounts: {took:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", nargs="?", help="the running gateway's GraphQL URL")
    parser.add_argument("--own-stack", action="store_true")
    parser.add_argument("-n", type=int, default=20)
    args = parser.parse_args()
    with gateway_target(args.url, own_stack=args.own_stack, prefix="bench-console-home-") as (
        gateway,
        key,
    ):
        site = gateway.removesuffix("/graphql")
        tokens = AccessTokens(key, ttl=dt.timedelta(minutes=30))
        with httpx.Client(base_url=site, timeout=120) as plain:
            baseline = median_ms(functools.partial(plain.get, "/healthz"), args.n)
        print(f"baseline GET /healthz: {baseline:.1f} ms (median of {args.n})")
        for user in USERS:
            bench_user(site, tokens.issue(user).token, user, args.n, baseline)


if __name__ == "__main__":
    main()
