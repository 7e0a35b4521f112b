"""What the deadline and idempotency middleware (services/common/idempotency.py) adds to a
subgraph request, in one script (ratios, not absolute times): the same grid requests sent
directly, without and with the gateway's deadline header, and a dry-run mutation without and
with an Idempotency-Key (a new key each time: claim, run, store).

Start the suite first (`./partygrid up`), then:
    .venv/bin/python bench/write_guard.py [--grid URL] [-n 300]
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable

import httpx
from bench_auth import sign_for_subgraphs

from services.common.idempotency import DEADLINE_HEADER, KEY_HEADER

READ = """query ($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Community { zones { name } } } }"""
ZONES = """query ($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Community { zones { id version } } } }"""
DRY_RUN = """mutation ($z: ID!, $v: Int!) { assignZone(zoneId: $z, organizationId: null,
  expectedVersion: $v, dryRun: true) { errors { code } } }"""
CODE = "410104001001"


def _timed(n: int, call: Callable[[], object]) -> list[float]:
    for _ in range(10):
        call()  # warm up
    times = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grid", default="http://127.0.0.1:4002/graphql")
    parser.add_argument("-n", type=int, default=300)
    args = parser.parse_args()
    with httpx.Client(event_hooks={"request": [sign_for_subgraphs]}, timeout=30) as client:

        def post(query: str, variables: dict, headers: dict[str, str]) -> dict:
            body = client.post(
                args.grid, json={"query": query, "variables": variables}, headers=headers
            ).json()
            if body.get("errors"):
                raise RuntimeError(body["errors"])
            return body["data"]

        reps = {"reps": [{"__typename": "Community", "code": CODE}]}
        zone = post(ZONES, reps, {})["_entities"][0]["zones"][0]
        write = {"z": zone["id"], "v": zone["version"]}
        cases: dict[str, Callable[[], object]] = {
            "read": lambda: post(READ, reps, {}),
            "read + deadline": lambda: post(READ, reps, {DEADLINE_HEADER: "10000"}),
            "dry-run write": lambda: post(DRY_RUN, write, {}),
            "dry-run write + key": lambda: post(
                DRY_RUN, write, {DEADLINE_HEADER: "10000", KEY_HEADER: str(uuid.uuid4())}
            ),
        }
        medians = {}
        for name, call in cases.items():
            times = _timed(args.n, call)
            medians[name] = statistics.median(times)
            p99 = statistics.quantiles(times, n=100)[98]
            print(f"{name:22} p50 {medians[name]:6.2f} ms  p99 {p99:6.2f} ms")
        print(f"deadline: ×{medians['read + deadline'] / medians['read']:.2f} on a read; "
              f"key: ×{medians['dry-run write + key'] / medians['dry-run write']:.2f} on a write")  # fmt: skip


if __name__ == "__main__":
    main()
