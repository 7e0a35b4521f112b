"""Issue 16's target (≤ 300 ms at p50 on the demo district): each console page's answer time
as a browser gets it (`GET` with the sign-in cookie: the route, its graph reads through the
gateway, the template), against a baseline in the same run: the plain `community` query
through the gateway's `/graphql` as the same user (code, name and boundary). Each page and
the baseline alternate, so both see the same load; pages are read only (no form is posted).

Against a running suite (`./partygrid up`; keys from PARTYGRID_DATA_DIR, default .data):
    .venv/bin/python bench/console_pages.py http://127.0.0.1:4000 [-n 50]
Or on a stack of its own (a private cluster in PARTYGRID_DATA_DIR, the demo district, the
three subgraphs and the gateway on free ports; everything is stopped at the end):
    PARTYGRID_DATA_DIR=/tmp/bench-console .venv/bin/python bench/console_pages.py --own-stack
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

TARGET_MS = 300.0
DISTRICT, STREET, COMMUNITY = "410104", "410104001", "410104001001"
BASELINE = """query ($code: String!) { community(code: $code) { code name boundary } }"""
USERS = {
    "district": Identity("bench-district", Role.DISTRICT, DISTRICT),
    "street": Identity("bench-street", Role.STREET, STREET),
    "secretary": Identity("bench-secretary", Role.SECRETARY, COMMUNITY),
}
# (user, page): each role's main pages on the demo district.
PAGES = [
    ("district", "/console"),
    ("district", f"/console/overview/{DISTRICT}"),
    ("district", f"/console/rollup/{DISTRICT}"),
    ("district", f"/console/commendations/{DISTRICT}"),
    ("district", "/console/search?q=%E7%A4%BE%E5%8C%BA"),  # 社区
    ("street", "/console"),
    ("street", f"/console/overview/{STREET}"),
    ("street", f"/console/reports/{STREET}"),
    ("secretary", "/console"),
    ("secretary", f"/console/community/{COMMUNITY}"),
    ("secretary", f"/console/community/{COMMUNITY}/members"),
    ("secretary", f"/console/community/{COMMUNITY}/posts"),
    ("secretary", f"/console/community/{COMMUNITY}/dual"),
    ("secretary", f"/console/assessment/{COMMUNITY}"),
    ("secretary", f"/console/records/{COMMUNITY}"),
]


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _timed(call: object) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = call()  # type: ignore[operator]
    return (time.perf_counter() - started) * 1000, response


def run(site: str, access_key: str, n: int) -> bool:
    tokens = AccessTokens(access_key, ttl=dt.timedelta(hours=2))
    issued = {name: tokens.issue(identity).token for name, identity in USERS.items()}
    pages = {name: httpx.Client(timeout=60, cookies={COOKIE: t}) for name, t in issued.items()}
    graphs = {
        name: httpx.Client(timeout=60, headers={"authorization": f"Bearer {t}"})
        for name, t in issued.items()
    }
    met = True
    print(f"{'user':<10} {'page':<48} {'p50':>8} {'p95':>8} {'base p50':>9} {'ratio':>6}")
    for user, path in PAGES:
        page, graph = pages[user], graphs[user]

        def get(page: httpx.Client = page, path: str = path) -> httpx.Response:
            return page.get(site + path)

        def base(graph: httpx.Client = graph) -> httpx.Response:
            return graph.post(
                site + "/graphql", json={"query": BASELINE, "variables": {"code": COMMUNITY}}
            )

        for _ in range(3):  # warm-up
            get()
            base()
        ours: list[float] = []
        baseline: list[float] = []
        for _ in range(n):
            ms, response = _timed(get)
            if response.status_code != 200:
                raise SystemExit(f"{user} {path}: {response.status_code} {response.text[:300]}")
            ours.append(ms)
            ms, response = _timed(base)
            baseline.append(ms)
        p50, p95, b50 = (
            statistics.median(ours),
            _percentile(ours, 0.95),
            statistics.median(baseline),
        )
        met = met and p50 <= TARGET_MS
        print(f"{user:<10} {path:<48} {p50:8.1f} {p95:8.1f} {b50:9.1f} {p50 / b50:6.1f}")
    print(f"target p50 ≤ {TARGET_MS:.0f} ms on every page: {'met' if met else 'NOT met'}")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gateway", nargs="?", help="the gateway's URL (without --own-stack)")
    parser.add_argument("--own-stack", action="store_true")
    parser.add_argument("-n", type=int, default=50)
    args = parser.parse_args()
    with gateway_target(args.gateway, own_stack=args.own_stack, prefix="bench-console-") as (
        url,
        key,
    ):
        site = url.removesuffix("/graphql").rstrip("/")
        raise SystemExit(0 if run(site, key, args.n) else 1)


if __name__ == "__main__":
    main()
