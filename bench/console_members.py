"""Console member and 双争 pages (issue 16, target <= 300 ms at p50 on the demo district):
each page's median over HTTP as a community secretary (graph queries and rendering
included) against `GET /healthz` on the same gateway, measured in the same run.

Pages: the members list (unfiltered, and with two filters), a member's page (with the
helper form, which lists the community's members), and a year's 双争 (with the nomination
form).

    .venv/bin/python bench/console_members.py --own-stack [-n 20]
    PARTYGRID_DATA_DIR=.data .venv/bin/python bench/console_members.py http://127.0.0.1:4000/graphql
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

CODE = "410104001001"
SECRETARY = Identity("bench-secretary", Role.SECRETARY, CODE)


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
        token = AccessTokens(key, ttl=dt.timedelta(minutes=30)).issue(SECRETARY).token
        with httpx.Client(base_url=site, cookies={COOKIE: token}, timeout=60) as client:
            members = f"/console/community/{CODE}/members"
            first = client.post(
                "/graphql",
                json={
                    "query": "query ($c: String!) { members(filter: {regionCode: $c}, first: 1)"
                    " { nodes { id } } evaluations(regionCode: $c, first: 200)"
                    " { nodes { year } } }",
                    "variables": {"c": CODE},
                },
                headers={"authorization": f"Bearer {token}"},
            ).json()["data"]
            member = first["members"]["nodes"][0]["id"]
            year = max(e["year"] for e in first["evaluations"]["nodes"])
            baseline = median_ms(client, "/healthz", args.n)
            print(f"baseline GET /healthz: {baseline:.1f} ms (median of {args.n})")
            for path in (
                members,
                f"{members}?management=NON_SELF&reporting=PENDING",
                f"{members}/{member}",
                f"/console/community/{CODE}/dual?year={year}",
            ):
                took = median_ms(client, path, args.n)
                print(f"GET {path}: {took:.1f} ms, {took / baseline:.1f}x baseline")


if __name__ == "__main__":
    main()
