"""The console's assessment page (issue 16 target: a page in <= 300 ms at p50 on the demo
district): `GET /console/assessment/<community>` over HTTP with the page cookie, graph
queries and rendering included, for a year with no assessment (the page asks its view, then
`gradingPreview`) vs `GET /healthz` on the same gateway, in alternation.

Against a running suite (keys from its data folder) or a stack of its own:
    PARTYGRID_DATA_DIR=.data .venv/bin/python bench/console_assessment.py http://127.0.0.1:4000
    PARTYGRID_DATA_DIR=/tmp/bench-console .venv/bin/python bench/console_assessment.py \
        --own-stack [-n 20] [--community 410104001001] [--year 2026]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("gateway", nargs="?", help="the site, e.g. http://127.0.0.1:4000")
    parser.add_argument("--own-stack", action="store_true", help="start a stack of its own")
    parser.add_argument("--community", default="410104001001")
    parser.add_argument("--year", type=int, default=dt.date.today().year)
    parser.add_argument("-n", type=int, default=20)
    args = parser.parse_args()
    url = f"{args.gateway}/graphql" if args.gateway else None
    with gateway_target(url, own_stack=args.own_stack, prefix="console-bench-") as (gql, key):
        site = gql.removesuffix("/graphql")
        # A minted page sign-in, as the browser tests use (no demo account's session).
        who = Identity("bench-secretary", Role.SECRETARY, args.community)
        token = AccessTokens(key, ttl=dt.timedelta(minutes=30)).issue(who).token
        path = f"/console/assessment/{args.community}?year={args.year}"
        page_ms, health_ms = [], []
        with httpx.Client(base_url=site, timeout=60, cookies={COOKIE: token}) as client:
            for i in range(args.n + 3):  # three warm-up rounds
                for target, samples in ((path, page_ms), ("/healthz", health_ms)):
                    started = time.perf_counter()
                    answer = client.get(target)
                    elapsed = (time.perf_counter() - started) * 1000
                    if answer.status_code != 200:
                        raise SystemExit(f"{target}: {answer.status_code}")
                    if i >= 3:
                        samples.append(elapsed)
        page, health = statistics.median(page_ms), statistics.median(health_ms)
        print(
            f"{path}: p50 {page:.1f} ms (max {max(page_ms):.1f}) vs /healthz p50 {health:.1f} ms "
            f"(x{page / health:.0f}); target <= 300 ms: {'met' if page <= 300 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
