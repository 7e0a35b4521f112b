"""Coverage map pages: a community page's generation time and the district page's first
render in headless Chromium, each against a baseline measured in the same run.

1. Community page (target <= 300 ms): the page's folium rendering in-process from the
   graph's answer (fetched once through the gateway) vs rendering an empty offline map; and
   end to end over HTTP (`GET /maps/coverage/<code>`: graph queries included) vs `GET
   /healthz` on the same gateway.
2. District page (target <= 2 s): time from navigation start to the vector tile layers'
   first `load` (every visible tile in), recorded by the page itself (`window.__pgLoaded`),
   at the default view (zones; buildings start at zoom 14) and in a viewport that shows the
   whole district at zoom 14 (zones and all buildings); baseline: the page's
   DOMContentLoaded.

The suite must be up (this script starts nothing); keys come from its data folder:
    PARTYGRID_DATA_DIR=.data .venv/bin/python bench/map_pages.py http://127.0.0.1:4000 \
        [--community 410104002002] [-n 20] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable

import httpx
from bench_auth import BENCH, _key, gateway_headers
from playwright.sync_api import sync_playwright

from gateway.auth.tokens import AccessTokens
from gateway.auth.web import COOKIE
from gateway.maps import queries
from gateway.maps.assets import offline_map
from gateway.maps.basemaps import BasemapSettings
from gateway.maps.render import community_map

DISTRICT_Z14_VIEWPORT = (1300, 1100)  # the demo district's extent at zoom 14, plus a margin


def median_ms(fn: Callable[[], object], n: int, warm: int = 3) -> tuple[float, float]:
    """Median and max wall time in ms over n runs, after `warm` warm-up runs."""
    for _ in range(warm):
        fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def community_generation(site: str, code: str, n: int) -> None:
    with httpx.Client(timeout=60, headers=gateway_headers()) as client:
        body = client.post(
            f"{site}/graphql", json={"query": queries.COMMUNITY, "variables": {"code": code}}
        ).json()
        if body.get("errors") or not body["data"]["community"]:
            raise RuntimeError(body.get("errors") or f"no community {code}")
        data = body["data"]
        buildings = data["coverage"]["buildings"]
        basemap = BasemapSettings()

        def page() -> str:
            fmap = community_map(
                data["community"], data["coverage"], lang=None, static="/static", basemap=basemap
            )
            return fmap.get_root().render()

        def empty() -> str:
            return (
                offline_map((113.66, 34.70, 113.76, 34.77), "/static", prefer_canvas=True)
                .get_root()
                .render()
            )

        base, base_max = median_ms(empty, n)
        ours, ours_max = median_ms(page, n)
        print(
            f"community {code} ({buildings} buildings), in-process render: "
            f"p50 {ours:.1f} ms (max {ours_max:.1f}) vs empty map {base:.1f} ms "
            f"(max {base_max:.1f}), ×{ours / base:.1f}; page {len(page()) // 1024} KiB"
        )
        health, _ = median_ms(lambda: client.get(f"{site}/healthz"), n)
        http, http_max = median_ms(
            lambda: client.get(f"{site}/maps/coverage/{code}").raise_for_status(), n
        )
        print(
            f"community {code} over HTTP (graph queries + render): p50 {http:.1f} ms "
            f"(max {http_max:.1f}) vs /healthz {health:.1f} ms; target <= 300 ms"
        )


def district_first_render(site: str, chromium: str, n: int) -> None:
    token = AccessTokens(_key("access-token-key"), ttl=dt.timedelta(hours=1)).issue(BENCH).token
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        for label, viewport, layers in (
            ("default view 1280x800", (1280, 800), ("zones",)),
            ("whole district at z14", DISTRICT_Z14_VIEWPORT, ("zones", "buildings")),
        ):
            loads, ready = [], []
            for _ in range(n + 1):  # the first run warms the gateway and the tile caches
                context = browser.new_context(
                    viewport={"width": viewport[0], "height": viewport[1]}
                )
                context.add_cookies([{"name": COOKIE, "value": token, "url": site}])
                page = context.new_page()
                page.goto(f"{site}/maps/coverage", wait_until="domcontentloaded")
                page.wait_for_function(
                    "names => names.every(n => window.__pgLoaded && window.__pgLoaded[n])",
                    arg=list(layers),
                    timeout=30_000,
                )
                loaded = page.evaluate(
                    "names => Math.max(...names.map(n => window.__pgLoaded[n]))", list(layers)
                )
                dom = page.evaluate(
                    "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
                )
                loads.append(loaded)
                ready.append(dom)
                context.close()
            loads, ready = loads[1:], ready[1:]
            print(
                f"district {label}: tile layers {'+'.join(layers)} loaded p50 "
                f"{statistics.median(loads):.0f} ms (max {max(loads):.0f}) after navigation; "
                f"DOMContentLoaded p50 {statistics.median(ready):.0f} ms; target <= 2000 ms (n={n})"
            )
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("site", help="the gateway's base URL, e.g. http://127.0.0.1:4000")
    parser.add_argument("--community", default="410104002002")
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    site = args.site.rstrip("/").removesuffix("/graphql")
    community_generation(site, args.community, args.n)
    district_first_render(site, args.chromium, max(args.n // 4, 3))


if __name__ == "__main__":
    main()
