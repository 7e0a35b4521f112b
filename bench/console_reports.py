"""Console monthly-report pages (issue 16, target <= 300 ms at p50 on the demo district):
each page's median over HTTP as a street office user (graph queries and rendering
included) against `GET /healthz` on the same gateway, measured in the same run.

Pages: a year's reports by month (twelve `monthlyReport` reads, with the generate form) and
one report (tables, the commentary form, history). The report read is of BENCH_MONTH,
generated first through the graph when it is missing (a draft nobody else reads).

    .venv/bin/python bench/console_reports.py --own-stack [-n 20]
    PARTYGRID_DATA_DIR=.data .venv/bin/python bench/console_reports.py http://127.0.0.1:4000/graphql
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

import httpx
from bench_auth import gateway_target

from gateway.auth.tokens import AccessTokens
from gateway.auth.web import COOKIE
from services.common.auth import Identity, Role

STREET = "410104001"
BENCH_MONTH = "2014-12"
STREET_USER = Identity("bench-street", Role.STREET, STREET)
GENERATE = """mutation ($s: String!, $m: String!) { generateMonthlyReport(streetCode: $s,
  month: $m) { report { id } errors { code message } } }"""
READ = """query ($s: String!, $m: String!) { monthlyReport(streetCode: $s, month: $m) { id } }"""


def median_ms(client: httpx.Client, path: str, n: int, warm: int = 3) -> float:
    for _ in range(warm):
        client.get(path).raise_for_status()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        client.get(path).raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", nargs="?", help="the running gateway's GraphQL URL")
    parser.add_argument("--own-stack", action="store_true")
    parser.add_argument("-n", type=int, default=20)
    args = parser.parse_args()
    with gateway_target(args.url, own_stack=args.own_stack, prefix="bench-console-") as (
        gateway,
        key,
    ):
        site = gateway.removesuffix("/graphql")
        token = AccessTokens(key, ttl=dt.timedelta(minutes=30)).issue(STREET_USER).token
        bearer = {"authorization": f"Bearer {token}"}
        with httpx.Client(base_url=site, cookies={COOKIE: token}, timeout=120) as client:
            variables = {"s": STREET, "m": BENCH_MONTH}
            found = client.post(
                "/graphql", json={"query": READ, "variables": variables}, headers=bearer
            ).json()["data"]["monthlyReport"]
            if found is None:
                made = client.post(
                    "/graphql", json={"query": GENERATE, "variables": variables}, headers=bearer
                ).json()["data"]["generateMonthlyReport"]
                assert made["errors"] == [], made
            baseline = median_ms(client, "/healthz", args.n)
            print(f"baseline GET /healthz: {baseline:.1f} ms (median of {args.n})")
            for path in (
                f"/console/reports/{STREET}",
                f"/console/reports/{STREET}/{BENCH_MONTH}",
            ):
                took = median_ms(client, path, args.n)
                print(f"GET {path}: {took:.1f} ms, {took / baseline:.1f}x baseline")


if __name__ == "__main__":
    main()
