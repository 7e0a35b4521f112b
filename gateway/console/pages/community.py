"""`/console/community/<code>`: a community's organization tree and committee, with each
rule finding beside what it is about and its plan clause, and a summary of the findings.

Every role in scope reads it (what the graph gives the caller); it writes nothing.
"""

from __future__ import annotations

import asyncio

from starlette.responses import Response

from gateway.console.nav import ASSESSMENT, COMMUNITY, MAPS, RECORDS
from gateway.console.page import Page, console_route
from gateway.console.pages import community_tree, posts
from gateway.console.pages.community_reads import (
    FINDINGS,
    ORGANIZATIONS,
    TREE_HEAD,
    listing,
)
from gateway.console.permissions import may
from services.common.auth import Role

PLANNER = "/maps/planner"


async def community(page: Page) -> Response:
    code = page.community(page.request.path_params["code"])
    variables = {"code": code}
    answer, organizations, findings = await asyncio.gather(
        page.ask(TREE_HEAD, variables),
        listing(page, ORGANIZATIONS, variables, "organizations"),
        listing(page, FINDINGS, variables, "findings"),
    )
    place = answer.need("community", page)
    rules = answer.data.get("rules") or []
    tree = community_tree.build(
        organizations.nodes,
        place.get("organization"),
        findings.nodes,
    )
    by_severity, by_rule = community_tree.summary(rules, findings.nodes)
    return page.render(
        "community/community.html",
        community=place,
        code=code,
        tree=tree,
        rules={str(r["id"]): r for r in rules},
        by_severity=by_severity,
        by_rule=by_rule,
        findings_total=findings.total,
        findings_shown=len(findings.nodes),
        links=_links(page, code),
    )


def _links(page: Page, code: str) -> list[tuple[str, str, bool]]:
    """(label, address, boosted) of the community's other pages; maps open as whole pages."""
    base = f"{COMMUNITY}/{code}"
    links = []
    if page.identity.role is not Role.PLANNER:  # as the navigation: no members page for them
        links.append(("com_link_members", page.url(f"{base}/members"), True))
    links += [
        ("com_link_posts", page.url(f"{base}/posts"), True),
        ("com_link_dual", page.url(f"{base}/dual"), True),
        ("com_link_assessment", page.url(f"{ASSESSMENT}/{code}"), True),
        ("com_link_records", page.url(f"{RECORDS}/{code}"), True),
        ("com_link_map", page.url(f"{MAPS}/{code}"), False),
    ]
    if may(page.identity, "grid"):  # the planner page admits grid writers only
        links.append(("com_link_planner", page.url(f"{PLANNER}/{code}"), False))
    return [(page.t(key), href, boosted) for key, href, boosted in links]


# The community family: the tree page and its posts page (one line in console.routes).
ROUTES = [console_route(COMMUNITY + "/{code}", community), *posts.ROUTES]
