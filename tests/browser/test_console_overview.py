"""The district's overview and roll-up in Chromium (issue 16): from a map page's header to
the console, the overview sorted from the keyboard (a plain link, swapped in by htmx), and
the roll-up's charts drawn in the page; nothing loaded from elsewhere, no console errors.
Screenshots: console-overview.png, console-rollup.png."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from browser_pages import Visit

from services.common.auth import Identity, Role
from stack import DISTRICT, Running

READY = "() => document.getElementById('pg-header').dataset.ready === '1'"
MONTH = "2012-08"  # reports of this month are made here and read by nobody else
ERRORS = "errors { code message messageEn field }"
GENERATE = f"""mutation ($s: String!, $m: String!) {{ generateMonthlyReport(streetCode: $s,
  month: $m) {{ report {{ id }} {ERRORS} }} }}"""
SUBMIT = f"mutation ($id: ID!) {{ submitMonthlyReport(id: $id) {{ report {{ id }} {ERRORS} }} }}"
STREETS = "query ($d: String!) { region(code: $d) { children { code } } }"


def test_from_the_map_to_the_overview_sorted_by_keyboard(
    visit: Callable[..., Visit], screenshots: Path
) -> None:
    seen = visit(f"/maps/coverage/{DISTRICT.region}001")  # a street: fewer tiles to wait for
    page = seen.page
    page.wait_for_function(READY)
    console = page.locator("#pg-header a[data-nav=console]")
    assert console.inner_text() == "工作台"
    console.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/console")
    page.goto(page.url + f"/overview/{DISTRICT.region}", wait_until="networkidle")
    assert page.locator("#overview-table tbody tr").count() > 1
    # The coverage column's heading, reached by Tab and followed by Enter.
    link = page.locator("th[data-sort=coverage] a")
    for _ in range(200):
        page.keyboard.press("Tab")
        if link.evaluate("a => a === document.activeElement"):
            break
    else:
        raise AssertionError("the coverage heading is not reachable by Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("th[data-sort=coverage][aria-sort=ascending]")
    assert "sort=coverage" in page.url  # htmx keeps the address of what it shows
    shown = page.locator("#overview-table tbody tr td:nth-child(3)").all_inner_texts()
    values = [float(v.rstrip("%")) for v in shown if v != "—"]
    assert values == sorted(values) and len(values) > 1
    page.screenshot(path=screenshots / "console-overview.png", full_page=True)
    assert seen.external_requests() == []
    assert seen.errors == []


def test_the_roll_up_draws_its_charts(
    visit: Callable[..., Visit], running: Running, screenshots: Path
) -> None:
    children = running.post(running.gateway, STREETS, {"d": DISTRICT.region})["data"]["region"]
    for street in sorted(c["code"] for c in children["children"])[:3]:
        who = Identity(f"test-street-{street}", Role.STREET, street)
        made = running.post(running.gateway, GENERATE, {"s": street, "m": MONTH}, identity=who)
        report = made["data"]["generateMonthlyReport"]["report"]
        submitted = running.post(running.gateway, SUBMIT, {"id": report["id"]}, identity=who)
        assert submitted["data"]["submitMonthlyReport"]["errors"] == []
    seen = visit(f"/console/rollup/{DISTRICT.region}/{MONTH}")
    page = seen.page
    for chart, marks in (("chart-streets", "rect.chart-bar"), ("chart-grades", "rect.chart-bar")):
        svg = page.locator(f"svg[data-chart={chart}]")
        assert svg.is_visible()
        widths = [
            float(w)
            for w in svg.locator(marks).evaluate_all("rs => rs.map(r => r.getBBox().width)")
        ]
        # Every street that submitted has a score; a grade nobody holds has an empty bar.
        counts = page.locator(f"table.rollup-{chart.removeprefix('chart-')} tbody tr").count()
        assert len(widths) == counts and any(w > 0 for w in widths), (chart, widths)
        assert chart == "chart-grades" or all(w > 0 for w in widths), (chart, widths)
    trend = page.locator("svg[data-chart=chart-trend]")
    assert trend.is_visible() and trend.locator("circle").count() >= 2
    assert page.locator("svg[data-chart=chart-streets]").get_attribute("role") == "img"
    page.screenshot(path=screenshots / "console-rollup.png", full_page=True)
    # The month picker, from the keyboard: a GET form, on to the month's own address.
    picker = page.locator("#ru-month")
    picker.focus()
    picker.fill("2012-07")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/console/rollup/{DISTRICT.region}/2012-07")
    assert page.locator("h1").inner_text().endswith("2012-07 月报汇总")
    assert seen.external_requests() == []
    assert seen.errors == []
