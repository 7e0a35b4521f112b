"""A community's organization tree in Chromium (issue 16): the secretary opens its community,
walks the tree by keyboard (a node folds and unfolds with Enter, Tab goes on to its findings
about members and then to the node under it), with nothing loaded from elsewhere and no console error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from browser_pages import Visit

from services.common.auth import Identity, Role

SECRETARY = Identity("test-secretary", Role.SECRETARY, "410104001001")


def test_the_secretary_walks_the_tree_by_keyboard(
    visit: Callable[..., Visit], screenshots: Path
) -> None:
    seen = visit("/console/community/410104001001", identity=SECRETARY)
    page = seen.page
    top = page.locator("#org-tree > li > details").first
    summary = top.locator("> summary")
    summary.focus()
    assert top.evaluate("(d) => d.open") is True
    page.keyboard.press("Enter")
    assert top.evaluate("(d) => d.open") is False  # folded: its branches hidden
    assert not top.locator("ul.tree").first.is_visible()
    page.keyboard.press("Enter")
    assert top.evaluate("(d) => d.open") is True
    # Tab: the top organization's findings about members, folded (many); Enter unfolds them.
    page.keyboard.press("Tab")
    about_members = top.locator("> details.member-findings")
    assert about_members.evaluate("(d) => d.querySelector('summary') === document.activeElement")
    first = about_members.locator("li[data-subject] .finding").first
    assert not first.is_visible()
    page.keyboard.press("Enter")
    assert first.is_visible()
    page.screenshot(path=screenshots / "console-community.png")
    # Tab again: on to the first organization under it (findings hold nothing to stop at).
    page.keyboard.press("Tab")
    child = top.locator("> ul.tree > li").first
    assert child.evaluate("(li) => li.querySelector('summary') === document.activeElement")
    assert seen.external_requests() == []
    assert seen.errors == []
