"""The console's GraphiQL in Chromium (issue 16): it opens signed in from the page session
on the example tabs, runs the first example (from the keyboard) through /console/graphql
and shows the caller's data; nothing loads from elsewhere and nothing is refused by the CSP."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from browser_pages import Visit

from services.common.auth import Identity, Role

STREET = Identity("test-street", Role.STREET, "410104001")


def test_graphiql_runs_an_example_as_the_signed_in_user(
    visit: Callable[..., Visit], screenshots: Path
) -> None:
    seen = visit("/console/graphiql", identity=STREET, height=900)
    page = seen.page
    page.locator(".graphiql-container").wait_for()
    # The example tabs, the first one (community coverage) open, commented in Chinese.
    assert page.locator(".graphiql-tab").count() >= 4
    editor = page.locator(".graphiql-query-editor .CodeMirror").first
    assert "查询社区覆盖率" in editor.inner_text()
    with page.expect_response(lambda r: r.url.endswith("/console/graphql")) as answered:
        editor.click()
        page.keyboard.press("Control+Enter")
    assert answered.value.status == 200
    response = page.locator(".graphiql-response .CodeMirror").first
    response.get_by_text('"regionCode": "410104001"').first.wait_for()
    body = json.loads(answered.value.text())
    assert body["data"]["coverage"]["regionCode"] == "410104001"
    assert "errors" not in body
    page.screenshot(path=screenshots / "console-graphiql.png")
    assert seen.external_requests() == []
    assert seen.errors == []
