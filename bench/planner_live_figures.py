"""Issue 15's live-figures target: the planner page's figures inside a shape are updated
≤ 50 ms after a vertex moves, on a community of about 300 buildings.

In headless Chromium (Debian's, found as the browser tests find it), a planner opens the
planner page of the demo community nearest 300 buildings, takes the edit tool and drags a
vertex of its largest zone back and forth, one pointer move at a time. For each move the page
records (all on its own clock, `performance.now()`):
- the pointer event's time stamp (when Chromium took the input);
- baseline, an empty handler: when a no-op listener on the zone's `editdrag` ran, registered
  before the page's own, so it sees the move as soon as Leaflet.draw has moved the vertex;
- ours: when the figures part finished writing the figures inside the dragged shape;
- the frame: the next animation frame after it (what the planner then sees).
Then it draws a polygon of four corners and moves the pointer, the fifth corner to be: the
same stamps, the baseline a no-op `mousemove` listener that runs before the page's own.
Printed: p50/p95 of each from the pointer event, and ours over the baseline.

On a stack of its own (a private cluster in PARTYGRID_DATA_DIR with the demo district, the
services on free ports, all stopped at the end):
    PARTYGRID_DATA_DIR=/tmp/bench-figures .venv/bin/python bench/planner_live_figures.py \
        --own-stack [-n 200]
Or against a running suite (`./partygrid up`; keys from PARTYGRID_DATA_DIR, default .data):
    .venv/bin/python bench/planner_live_figures.py http://127.0.0.1:4000/graphql [-n 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics

import httpx
from bench_auth import gateway_target
from playwright.sync_api import Page, sync_playwright

from gateway.auth.tokens import AccessTokens
from gateway.auth.web import COOKIE
from infra.browser import find_chromium
from services.common.auth import Identity, Role

DISTRICT = "410104"
TARGET_BUILDINGS = 300
TARGET_MS = 50.0
SIZES = "query ($r: String!) { coverage(regionCode: $r) { communities { code buildings } } }"

# Before the edit tool is on: a no-op `editdrag` listener on every zone (it runs before the
# figures part's, which is attached when editing starts), and the pointer's time stamps.
PROBE = """() => {
  const P = window.__pgPlanner;
  window.__bench = { move: 0, empty: 0 };
  document.addEventListener('mousemove', (e) => { window.__bench.move = e.timeStamp; }, true);
  P.zones.eachLayer((l) => l.on('editdrag', () => { window.__bench.empty = performance.now(); }));
}"""
# After a move: the stamps, read in the next animation frame.
READ = """() => new Promise((done) => requestAnimationFrame(() => done({
  move: window.__bench.move, empty: window.__bench.empty,
  figures: window.__pgPlanner.figures.updatedAt, updates: window.__pgPlanner.figures.updates,
  frame: performance.now() })))"""
# The largest zone's vertex farthest from its centre, and that centre, in viewport pixels.
VERTEX = """() => {
  const P = window.__pgPlanner, m = window.__pgMap, counts = {};
  P.state.buildings.forEach((b) => { counts[b.zoneId] = (counts[b.zoneId] || 0) + 1; });
  const zone = P.state.zones.slice().sort((a, b) => (counts[b.id] || 0) - (counts[a.id] || 0))[0];
  const layer = P.zoneLayer(zone.id);
  m.fitBounds(layer.getBounds(), { animate: false, padding: [60, 60] });
  const ring = layer.getLatLngs()[0], c = m.latLngToContainerPoint(layer.getBounds().getCenter());
  const box = m.getContainer().getBoundingClientRect();
  let best = null, far = -1;
  ring.forEach((v) => {
    const p = m.latLngToContainerPoint(v), d = p.distanceTo(c);
    if (d > far) { far = d; best = p; }
  });
  return { zone: zone.name, buildings: counts[zone.id] || 0,
           vertex: [box.left + best.x, box.top + best.y], centre: [box.left + c.x, box.top + c.y] };
}"""


def pick_community(gateway: str, key: str) -> tuple[str, int]:
    """The demo community with the number of buildings nearest TARGET_BUILDINGS."""
    token = AccessTokens(key, ttl=dt.timedelta(minutes=5)).issue(
        Identity("bench", Role.DISTRICT, DISTRICT)
    )
    body = httpx.post(
        gateway,
        json={"query": SIZES, "variables": {"r": DISTRICT}},
        headers={"authorization": f"Bearer {token.token}"},
        timeout=60,
    ).json()
    sizes = [(c["code"], c["buildings"]) for c in body["data"]["coverage"]["communities"]]
    return min(sizes, key=lambda s: (abs(s[1] - TARGET_BUILDINGS), s[0]))


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def drag(page: Page, n: int) -> dict[str, list[float]]:
    """n pointer moves of a held vertex; per move, ms from the pointer event."""
    where = page.evaluate(VERTEX)
    print(
        f"dragging a vertex of {where['zone']} ({where['buildings']} buildings in the zone); "
        f"the figures count every building of the community"
    )
    page.evaluate(PROBE)
    page.locator("a.leaflet-draw-edit-edit").click()
    (x, y), (cx, cy) = where["vertex"], where["centre"]
    page.mouse.move(x, y)
    page.mouse.down()
    out: dict[str, list[float]] = {"empty": [], "figures": [], "frame": []}
    seen = page.evaluate(READ)["updates"]
    for i in range(n + 10):  # the first 10: warm-up
        step = (i % 20) / 20 if (i // 20) % 2 == 0 else 1 - (i % 20) / 20  # out and back
        f = 0.05 + 0.5 * step  # never back on the pressed spot (Leaflet drops a zero move)
        page.mouse.move(x + (cx - x) * f, y + (cy - y) * f)
        stamps = page.evaluate(READ)
        followed = stamps["updates"] != seen and stamps["empty"] >= stamps["move"]
        seen = stamps["updates"]
        if i >= 10:  # the drag starts once the pointer is a few pixels away
            if not followed:
                raise RuntimeError(f"move {i}: the figures did not follow the drag: {stamps}")
            for name in out:
                out[name].append(stamps[name] - stamps["move"])
    page.mouse.up()
    page.get_by_title("取消编辑，放弃所有修改").click()
    return out


# While drawing: the pointer's time stamps, and a no-op listener that runs before the figures
# part's (capture phase on the map's element; the part listens in the bubble phase).
DRAW_PROBE = """() => {
  window.__bench.empty = 0;
  window.__pgMap.getContainer().addEventListener('mousemove', () => {
    window.__bench.empty = performance.now(); }, true);
}"""


def place(page: Page, x: float, y: float) -> None:
    """A corner as a hand places it (Leaflet.draw takes it where the pointer moved to)."""
    page.mouse.move(x, y, steps=5)
    page.wait_for_timeout(100)
    page.mouse.down()
    page.mouse.up()
    page.wait_for_timeout(100)


def draw(page: Page, n: int) -> dict[str, list[float]]:
    """A polygon of four corners placed, then n pointer moves for the fifth."""
    box = page.evaluate(
        "() => { const r = window.__pgMap.getContainer().getBoundingClientRect();"
        " return [r.left, r.top, r.width, r.height]; }"
    )
    cx, cy, w, h = box[0] + box[2] / 2, box[1] + box[3] / 2, box[2], box[3]
    page.evaluate(DRAW_PROBE)
    page.locator("a.leaflet-draw-draw-polygon").click()
    for dx, dy in ((-0.3, -0.3), (0.3, -0.3), (0.3, 0.3), (0.0, 0.35)):
        place(page, cx + dx * w, cy + dy * h)
    out: dict[str, list[float]] = {"empty": [], "figures": [], "frame": []}
    seen = page.evaluate(READ)["updates"]
    for i in range(n + 10):
        step = (i % 20) / 20 if (i // 20) % 2 == 0 else 1 - (i % 20) / 20
        page.mouse.move(cx - (0.1 + 0.25 * step) * w, cy + 0.2 * h)
        stamps = page.evaluate(READ)
        followed = stamps["updates"] != seen and stamps["empty"] >= stamps["move"]
        seen = stamps["updates"]
        if i >= 10:
            if not followed:
                raise RuntimeError(f"move {i}: the figures did not follow the pointer: {stamps}")
            for name in out:
                out[name].append(stamps[name] - stamps["move"])
    page.get_by_title("取消绘制").click()
    return out


def report(samples: dict[str, list[float]], baseline: str) -> None:
    rows = (
        (f"baseline: {baseline}", "empty"),
        ("ours: figures updated", "figures"),
        ("ours: next frame", "frame"),
    )
    base = statistics.median(samples["empty"])
    for label, name in rows:
        p50, p95 = statistics.median(samples[name]), percentile(samples[name], 0.95)
        print(f"  {label:38} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  (×{p50 / base:.2f} p50)")
    cost = [f - e for f, e in zip(samples["figures"], samples["empty"], strict=True)]
    worst = percentile(samples["figures"], 0.95)
    print(
        f"  the figures' own work: p50 {statistics.median(cost):.2f} ms, p95 "
        f"{percentile(cost, 0.95):.2f} ms; target: figures ≤ {TARGET_MS:.0f} ms after a move "
        f"(p95 {worst:.2f} ms: {'met' if worst <= TARGET_MS else 'NOT met'})"
    )


def run(gateway: str, key: str, n: int, chromium: str) -> None:
    code, buildings = pick_community(gateway, key)
    site = gateway.removesuffix("/graphql")
    planner = Identity("bench-planner", Role.PLANNER, code[:9])
    token = AccessTokens(key, ttl=dt.timedelta(hours=1)).issue(planner).token
    print(f"community {code}: {buildings} buildings; n={n} pointer moves")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.add_cookies([{"name": COOKIE, "value": token, "url": site}])
        page = context.new_page()
        page.goto(f"{site}/maps/planner/{code}", wait_until="networkidle")
        page.wait_for_function("() => window.__pgPlanner && window.__pgPlanner.ready")
        dragged = drag(page, n)
        drawn = draw(page, n)
        browser.close()
    print("a zone's vertex dragged in the edit tool:")
    report(dragged, "empty editdrag handler")
    print("a polygon drawn, the pointer its next corner:")
    report(drawn, "empty mousemove handler")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("gateway", nargs="?", help="the gateway's GraphQL URL")
    parser.add_argument("--own-stack", action="store_true", help="start a stack of its own")
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--chromium", help="Chromium's path (default: as the tests find it)")
    args = parser.parse_args()
    chromium = args.chromium or str(find_chromium() or "")
    if not chromium:
        parser.error("no Chromium: install it (`./partygrid test` does) or give --chromium")
    own = args.own_stack
    with gateway_target(args.gateway, own_stack=own, prefix="figures-bench-") as (gateway, key):
        run(gateway, key, args.n, chromium)


if __name__ == "__main__":
    main()
