"""Issue 16's page target (≤ 300 ms at p50 on the demo district) for the overview and the
roll-up: `GET /console/overview/<district>`, `/console/overview/<street>` and
`/console/rollup/<district>/<month>` as a signed-in district user (the page cookie), against
`GET /healthz` on the same gateway, alternating, p50 and max of each.

Against the running suite (keys from PARTYGRID_DATA_DIR) or its own stack:
    PARTYGRID_DATA_DIR=.data .venv/bin/python bench/console_overview.py http://127.0.0.1:4000/graphql -n 20
    PARTYGRID_DATA_DIR=/tmp/bench-console .venv/bin/python bench/console_overview.py --own-stack -n 20
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

import httpx
from bench_auth import BENCH, gateway_target

from gateway.auth.tokens import AccessTokens
from gateway.auth.web import COOKIE

STREET = "410104001"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("gateway", nargs="?", help="the gateway's GraphQL URL")
    parser.add_argument("--own-stack", action="store_true")
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--month", default=dt.date.today().strftime("%Y-%m"))
    args = parser.parse_args()
    with gateway_target(args.gateway, own_stack=args.own_stack, prefix="console-bench-") as (
        gateway,
        key,
    ):
        site = gateway.removesuffix("/graphql")
        token = AccessTokens(key, ttl=dt.timedelta(hours=1)).issue(BENCH).token
        paths = {
            "baseline /healthz": "/healthz",
            "overview (district)": f"/console/overview/{BENCH.region}",
            "overview (street)": f"/console/overview/{STREET}",
            "roll-up": f"/console/rollup/{BENCH.region}/{args.month}",
        }
        samples: dict[str, list[float]] = {name: [] for name in paths}
        with httpx.Client(base_url=site, cookies={COOKIE: token}, timeout=120) as client:
            for path in paths.values():  # warm up, and check each page answers
                answer = client.get(path)
                if answer.status_code != 200:
                    raise SystemExit(f"{path}: {answer.status_code}")
            for _ in range(args.n):
                for name, path in paths.items():
                    started = time.perf_counter()
                    client.get(path).raise_for_status()
                    samples[name].append((time.perf_counter() - started) * 1000)
        base = statistics.median(samples["baseline /healthz"])
        for name, values in samples.items():
            p50 = statistics.median(values)
            print(f"{name:24} p50 {p50:8.1f} ms  max {max(values):8.1f} ms  ×{p50 / base:.0f}")


if __name__ == "__main__":
    main()
