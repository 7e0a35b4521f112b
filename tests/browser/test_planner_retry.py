"""Issue 12, class 10, on the planner page: a commit whose answer the network lost is sent
again with the same Idempotency-Key, so grid applies it once and the page gets its outcome
(before, the retry was refused as a conflict with the planner's own change)."""

from __future__ import annotations

from collections.abc import Callable

from browser_pages import Visit
from playwright.sync_api import Route
from test_planner_page import (
    Corner,
    change_sets,
    drag_corner,
    open_planner,
    wait_idle,
)

from infra.demo.model import Demo
from stack import Running


def test_a_commit_whose_answer_was_lost_is_applied_once_on_retry(
    visit: Callable[..., Visit],
    running: Running,
    demo: Demo,
    corner: Corner,
    restore: Callable[[str], None],
) -> None:
    code = corner.zone.community_code
    restore(code)
    count = change_sets(running, code)["totalCount"]
    seen = open_planner(visit, code)
    page = seen.page
    drag_corner(page, corner)
    keys: list[str | None] = []

    def lose_the_answer(route: Route) -> None:
        keys.append(route.request.headers.get("idempotency-key"))
        route.fetch()  # grid commits...
        route.abort("internetdisconnected")  # ...and the page never hears of it

    page.route("**/commit", lose_the_answer)
    page.locator("#planner-commit").click()
    page.locator("#planner-message.error").wait_for()
    wait_idle(page)
    assert change_sets(running, code)["totalCount"] == count + 1
    page.unroute("**/commit")

    def watch(route: Route) -> None:
        keys.append(route.request.headers.get("idempotency-key"))
        route.continue_()

    page.route("**/commit", watch)
    page.locator("#planner-commit").click()
    page.locator("#planner-message.ok").wait_for()
    wait_idle(page)
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1], keys
    assert change_sets(running, code)["totalCount"] == count + 1  # applied once
