"""Gateway overhead on the issue's cross-service query, against the same subgraph calls made
directly, in one script (a ratio, not absolute times).

Start the suite first (`./partygrid up`), then:
    .venv/bin/python bench/cross_service.py [--gateway URL] [--org URL] [--grid URL] [-n 300]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import httpx
from bench_auth import signer

GATEWAY_QUERY = """query ($code: String!) { community(code: $code) {
  name organization { name } zones { name buildings { name residentMemberCount } } } }"""
ORG_QUERY = "query ($code: String!) { community(code: $code) { code name organization { name } } }"
GRID_QUERY = """query ($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Community { zones { name buildings { id name } } } } }"""
RESIDENTS_QUERY = """query ($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Building { residentMemberCount } } }"""


def _post(client: httpx.Client, url: str, query: str, variables: dict) -> dict:
    body = client.post(url, json={"query": query, "variables": variables}).json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return body["data"]


def direct(client: httpx.Client, org: str, grid: str, code: str) -> None:
    """What the gateway does, done by hand: org, then grid, then org again."""
    _post(client, org, ORG_QUERY, {"code": code})
    data = _post(client, grid, GRID_QUERY, {"reps": [{"__typename": "Community", "code": code}]})
    ids = [b["id"] for z in data["_entities"][0]["zones"] for b in z["buildings"]]
    _post(
        client, org, RESIDENTS_QUERY, {"reps": [{"__typename": "Building", "id": i} for i in ids]}
    )


def timed(fn: Callable[[], object], n: int) -> list[float]:
    for _ in range(10):  # warm caches and connections
        fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gateway", default="http://127.0.0.1:4000/graphql")
    parser.add_argument("--org", default="http://127.0.0.1:4001/graphql")
    parser.add_argument("--grid", default="http://127.0.0.1:4002/graphql")
    parser.add_argument("--code", default="410104001001")
    parser.add_argument("-n", type=int, default=300)
    args = parser.parse_args()
    with httpx.Client(timeout=30, event_hooks={"request": [signer(args.gateway)]}) as client:
        via = timed(lambda: _post(client, args.gateway, GATEWAY_QUERY, {"code": args.code}), args.n)
        by_hand = timed(lambda: direct(client, args.org, args.grid, args.code), args.n)
    for name, samples in (("gateway", via), ("direct", by_hand)):
        q = statistics.quantiles(samples, n=100)
        print(f"{name:8} p50 {q[49]:7.2f} ms  p99 {q[98]:7.2f} ms")
    print(f"gateway / direct (p50): {statistics.median(via) / statistics.median(by_hand):.2f}")


if __name__ == "__main__":
    main()
