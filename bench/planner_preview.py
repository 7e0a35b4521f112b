"""Issue 15's preview target (≤ 300 ms): the planner page's preview of a zone redraw, as the
page sends it (`POST /maps/planner/<code>/preview` with the sign-in cookie: the route, the
gateway, grid's `redrawZone(dryRun: true)` with its coverage figures before and after, org's
resident members and the warnings), on the demo's largest community (284 buildings), against
a baseline in the same run: the plain `community` query through the gateway's `/graphql`
(code, name and boundary). The two alternate, so both see the same load; nothing is written
(a preview rolls back).

The redraw shrinks the community's zone with the most buildings to 90 % around its centroid,
so the preview has buildings that leave it (orphans: a diff and a warning to report).

Against a running suite (`./partygrid up`; keys from PARTYGRID_DATA_DIR, default .data):
    .venv/bin/python bench/planner_preview.py http://127.0.0.1:4000 [-n 100]
Or on a stack of its own (a private cluster in PARTYGRID_DATA_DIR, the demo district, the
three subgraphs and the gateway on free ports; everything is stopped at the end):
    PARTYGRID_DATA_DIR=/tmp/bench-preview .venv/bin/python bench/planner_preview.py --own-stack
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx
import shapely
import shapely.geometry
from bench_auth import gateway_target
from shapely import affinity

from gateway.auth.tokens import AccessTokens
from gateway.auth.web import COOKIE
from services.common.auth import Identity, Role

COMMUNITY = "410104002003"  # the demo's largest community: 284 buildings, 3 zones
TARGET_MS = 300.0
BASELINE = """query ($code: String!) { community(code: $code) { code name boundary } }"""


def _pct(figures: dict[str, Any]) -> str:
    """A covered share as the page shows it (the code before issue 15 had none)."""
    value = figures.get("percent")
    return "—" if value is None else f"{value:.1f}%"


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Planner:
    """The page's calls, as a planner of the community's street office signed in by cookie
    (the preview route), and the same identity by bearer token (the baseline)."""

    def __init__(self, site: str, access_key: str, code: str) -> None:
        tokens = AccessTokens(access_key, ttl=dt.timedelta(hours=2))
        token = tokens.issue(Identity("bench-planner", Role.PLANNER, code[:9])).token
        self.site, self.code = site.rstrip("/"), code
        self.page = httpx.Client(timeout=60, cookies={COOKIE: token})
        self.graph = httpx.Client(timeout=60, headers={"authorization": f"Bearer {token}"})

    def state(self) -> dict[str, Any]:
        body = self.page.get(f"{self.site}/maps/planner/{self.code}/state").json()
        if not body.get("ok"):
            raise SystemExit(f"cannot read the planner's state: {body}")
        return body

    def preview(self, edit: dict[str, Any]) -> dict[str, Any]:
        # Same-origin and a fresh Idempotency-Key, as the page's script sends them.
        response = self.page.post(
            f"{self.site}/maps/planner/{self.code}/preview",
            json=edit,
            headers={"origin": self.site, "idempotency-key": secrets.token_hex(16)},
        )
        return response.json()

    def baseline(self) -> dict[str, Any]:
        response = self.graph.post(
            f"{self.site}/graphql", json={"query": BASELINE, "variables": {"code": self.code}}
        )
        return response.json()


def redraw_of(state: dict[str, Any]) -> dict[str, Any]:
    """The busiest zone shrunk to 90 % around its centroid, as the page would send it."""
    held: dict[str, int] = {}
    for b in state["buildings"]:
        if b["zoneId"]:
            held[b["zoneId"]] = held.get(b["zoneId"], 0) + 1
    zone = max(state["zones"], key=lambda z: (held.get(z["id"], 0), z["id"]))
    shape = shapely.geometry.shape(zone["boundary"])
    smaller = affinity.scale(shape, 0.9, 0.9, origin="centroid")
    return {
        "op": "redraw",
        "zoneId": zone["id"],
        "expectedVersion": zone["version"],
        "boundary": shapely.geometry.mapping(smaller),
    }


def timed(call: Callable[[], dict[str, Any]]) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    body = call()
    return (time.perf_counter() - started) * 1000, body


def run(site: str, access_key: str, n: int, code: str) -> None:
    planner = Planner(site, access_key, code)
    state = planner.state()
    edit = redraw_of(state)
    _, first = timed(lambda: planner.preview(edit))
    if not first.get("ok"):
        raise SystemExit(f"the preview was refused: {first}")
    result = first["result"]
    before, after = result["coverageBefore"], result["coverageAfter"]
    for _ in range(3):  # warm-up
        planner.preview(edit)
        planner.baseline()
    ours: list[float] = []
    base: list[float] = []
    for _ in range(n):
        ms, body = timed(lambda: planner.preview(edit))
        if not body.get("ok"):
            raise SystemExit(f"a preview was refused: {body}")
        ours.append(ms)
        ms, body = timed(planner.baseline)
        if body.get("errors"):
            raise SystemExit(f"the baseline failed: {body['errors']}")
        base.append(ms)
    p50, p95 = statistics.median(ours), _percentile(ours, 0.95)
    b50, b95 = statistics.median(base), _percentile(base, 0.95)
    print(
        f"community {code}: {len(state['buildings'])} buildings, {len(state['zones'])} zones; "
        f"redraw of zone {edit['zoneId']} previewed: {len(result['diff']['buildings'])} "
        f"buildings change, coverage {_pct(before)} → {_pct(after)}, "
        f"severe gaps {before.get('gapsWithMembers')} → {after.get('gapsWithMembers')}, "
        f"findings {[f['code'] for f in result['findings']]}; n={n}, alternating\n"
    )
    print(f"| {'call':44} | {'p50 ms':>8} | {'p95 ms':>8} |")
    print(f"| {'-' * 44} | {'-' * 7}: | {'-' * 7}: |")
    print(f"| {'baseline: community query via /graphql':44} | {b50:8.1f} | {b95:8.1f} |")
    print(f"| {'preview: POST /maps/planner/<code>/preview':44} | {p50:8.1f} | {p95:8.1f} |")
    verdict = "met" if p95 <= TARGET_MS else "NOT met"
    print(
        f"\npreview p50 ×{p50 / b50:.1f} the baseline; target p95 ≤ {TARGET_MS:.0f} ms: {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "site", nargs="?", help="the gateway's base URL, e.g. http://127.0.0.1:4000"
    )
    parser.add_argument("--own-stack", action="store_true", help="start a stack of its own")
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--community", default=COMMUNITY)
    args = parser.parse_args()
    site = f"{args.site.rstrip('/')}/graphql" if args.site else None
    with gateway_target(site, own_stack=args.own_stack, prefix="preview-bench-") as (url, key):
        run(url.removesuffix("/graphql"), key, args.n, args.community)


if __name__ == "__main__":
    main()
