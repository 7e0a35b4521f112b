"""The console's member and 双争 pages in Chromium (issue 16): a secretary narrows the
members by keyboard (the filter applies on change, the address follows, focus stays on the
field) and reads a year's 双争 evaluations; nothing loads from outside 127.0.0.1 and the
pages run without script errors under the CSP.

Screenshots: console-members.png, console-dual.png."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from browser_pages import Visit

from gateway.console.labels import LABELS
from gateway.console.labels.enums import enum_label
from services.common.auth import Identity, Role
from stack import Running

CODE = "410104001001"
SECRETARY = Identity("test-secretary", Role.SECRETARY, CODE)  # as demo-secretary
ROWS = "tr[data-member]"


def test_a_secretary_filters_the_members_by_keyboard(
    visit: Callable[..., Visit], running: Running, screenshots: Path
) -> None:
    seen = visit(f"/console/community/{CODE}/members", identity=SECRETARY)
    page = seen.page
    assert page.locator(ROWS).count() == 50
    page.focus("#f-management")
    page.keyboard.press("ArrowDown")  # the first type after 全部: SELF
    page.wait_for_url(re.compile(r"management=SELF"))
    page.wait_for_function(
        "() => document.querySelector('#mem-results caption') &&"
        " !document.querySelector('#mem-results.htmx-request')"
    )
    expected = running.post(
        running.gateway,
        "query ($c: String!) { members(filter: {regionCode: $c, management: SELF}, first: 0)"
        " { totalCount } }",
        {"c": CODE},
        identity=SECRETARY,
    )["data"]["members"]["totalCount"]
    caption = page.locator("#mem-results caption").inner_text()
    assert caption == LABELS["zh"]["mem_count"].format(total=expected, shown=50)
    label = enum_label("Management", "SELF", "zh")
    cells = page.locator(f"{ROWS} td:nth-child(2)").all_inner_texts()
    assert cells and set(cells) == {label}
    assert page.evaluate("document.activeElement.id") == "f-management"
    page.screenshot(path=str(screenshots / "console-members.png"), full_page=False)
    assert seen.external_requests() == []
    assert seen.errors == []


def test_a_secretary_reads_a_years_dual_evaluations(
    visit: Callable[..., Visit], running: Running, screenshots: Path
) -> None:
    every = running.post(
        running.gateway,
        "query ($c: String!) { evaluations(regionCode: $c, first: 200) { nodes { year } } }",
        {"c": CODE},
        identity=SECRETARY,
    )["data"]["evaluations"]["nodes"]
    year = max(e["year"] for e in every)
    seen = visit(f"/console/community/{CODE}/dual", identity=SECRETARY)
    page = seen.page
    page.focus("#f-year-shown")
    page.keyboard.press("Control+A")
    page.keyboard.type(str(year))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"year={year}"))
    page.wait_for_selector("tr[data-evaluation]")
    count = sum(1 for e in every if e["year"] == year)
    assert page.locator("tr[data-evaluation]").count() == count
    assert page.locator("form.nominate select#f-memberId").count() == 1
    page.screenshot(path=str(screenshots / "console-dual.png"), full_page=True)
    assert seen.external_requests() == []
    assert seen.errors == []
