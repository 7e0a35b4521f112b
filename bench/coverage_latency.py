"""Latency of grid's coverage gap query (one community, the district) against `{ __typename }`
on the same grid subgraph, in one run (ratios, not absolute times).

Coverage asks org for the resident Party members of the buildings it covers, so the suite
must be up; this script starts nothing. Start it (`./partygrid up`), then:
    .venv/bin/python bench/coverage_latency.py http://127.0.0.1:4002/graphql [-n 50]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import httpx
from bench_auth import sign_for_subgraphs

BASELINE = "{ __typename }"
GAPS = """query ($code: String!) { coverage(regionCode: $code) {
  residentsKnown buildings covered residentMembers
  gapCounts { buildingWithMembers building zone orphan notReportedIn }
  gaps(first: 20) { totalCount nodes { severity kind name residents notReportedIn } } } }"""
REGIONS = {"community": "410104002002", "district": "410104"}


def _post(client: httpx.Client, url: str, query: str, variables: dict) -> dict:
    body = client.post(url, json={"query": query, "variables": variables}).json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return body["data"]


def p50(fn: Callable[[], object], n: int) -> float:
    """Median wall time in ms over n runs, after 5 warm-up runs."""
    for _ in range(5):
        fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("grid", help="the grid subgraph's GraphQL URL")
    parser.add_argument("-n", type=int, default=50)
    args = parser.parse_args()
    with httpx.Client(timeout=60, event_hooks={"request": [sign_for_subgraphs]}) as client:
        baseline = p50(lambda: _post(client, args.grid, BASELINE, {}), args.n)
        print(f"baseline {{ __typename }}: p50 {baseline:.1f} ms (n={args.n})")
        for label, code in REGIONS.items():
            data = _post(client, args.grid, GAPS, {"code": code})["coverage"]
            if not data["residentsKnown"]:
                raise RuntimeError("org did not answer: resident figures are missing")
            ms = p50(lambda code=code: _post(client, args.grid, GAPS, {"code": code}), args.n)
            print(
                f"{label} {code}: {data['buildings']} buildings, {data['residentMembers']} "
                f"resident members: p50 {ms:.1f} ms (×{ms / baseline:.1f} baseline)"
            )


if __name__ == "__main__":
    main()
