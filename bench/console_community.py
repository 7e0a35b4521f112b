"""A community's console pages (issue 16 target: a page answers in <= 300 ms at p50 on the
demo district): `GET /console/community/<code>` (tree, committee, findings) and
`.../posts` (posts and volunteer teams), signed in by the page cookie, each against
`GET /healthz` on the same gateway in the same run, and the three graph reads the tree page
makes alone (the findings read sets its floor).

    PARTYGRID_DATA_DIR=/tmp/bench-console .venv/bin/python bench/console_community.py \
        --own-stack [-n 20] [--community 410104002003]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable

import httpx
from bench_auth import BENCH, gateway_target

from gateway.auth.tokens import AccessTokens
from gateway.auth.web import COOKIE
from gateway.console.pages import community_reads as reads


def median_ms(fn: Callable[[], object], n: int, warm: int = 3) -> float:
    for _ in range(warm):
        fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("gateway", nargs="?", help="a running suite's GraphQL URL")
    parser.add_argument("--own-stack", action="store_true")
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--community", action="append")
    args = parser.parse_args()
    communities = args.community or ["410104001001", "410104002003"]  # smallest tree, largest
    with gateway_target(args.gateway, own_stack=args.own_stack, prefix="console-bench-") as (
        gateway,
        key,
    ):
        site = gateway.removesuffix("/graphql")
        token = AccessTokens(key, ttl=dt.timedelta(hours=1)).issue(BENCH).token
        bearer = {"authorization": f"Bearer {token}"}
        with httpx.Client(base_url=site, cookies={COOKIE: token}, timeout=60) as client:

            def get(path: str) -> Callable[[], object]:
                def run() -> object:
                    answer = client.get(path)
                    assert answer.status_code == 200, (path, answer.status_code)
                    return answer

                return run

            def ask(query: str, code: str) -> Callable[[], object]:
                variables = {"code": code, "after": None} if "$after" in query else {"code": code}

                def run() -> object:
                    body = client.post(
                        "/graphql", json={"query": query, "variables": variables}, headers=bearer
                    ).json()
                    assert not body.get("errors"), body
                    return body

                return run

            for code in communities:
                base = median_ms(get("/healthz"), args.n)
                rows = [
                    ("tree page", get(f"/console/community/{code}")),
                    ("posts page", get(f"/console/community/{code}/posts")),
                    ("  findings read", ask(reads.FINDINGS, code)),
                    ("  organizations read", ask(reads.ORGANIZATIONS, code)),
                    ("  community read", ask(reads.TREE_HEAD, code)),
                ]
                print(f"{code}: /healthz p50 {base:.1f} ms (n={args.n})")
                for name, fn in rows:
                    ms = median_ms(fn, args.n)
                    print(f"  {name:<22} p50 {ms:7.1f} ms  (x{ms / base:.0f})")


if __name__ == "__main__":
    main()
