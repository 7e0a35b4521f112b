"""The graph reads of a community's pages (the tree page and the posts page), as the caller.

Lists the graph pages (organizations, members, findings) are followed page by page up to a
bound, so a page of the console never asks for more than it can show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.console.page import Page

PAGE_SIZE = 200  # services.common.pagination.MAX_PAGE: the most one graph page holds


@dataclass
class Listing:
    """Every node a paged field gave (up to the bound), and whether more were left."""

    nodes: list[dict[str, Any]]
    total: int
    truncated: bool


async def listing(
    page: Page, query: str, variables: dict[str, Any], key: str, *, max_pages: int = 10
) -> Listing:
    """All nodes of the connection `key` of `query` (which takes `$after` and selects
    `totalCount pageInfo { hasNextPage endCursor } nodes {...}`), page after page."""
    nodes: list[dict[str, Any]] = []
    after: str | None = None
    total = 0
    for _ in range(max_pages):
        answer = await page.ask(query, {**variables, "after": after})
        connection = answer.need(key, page)
        nodes.extend(connection["nodes"])
        total = int(connection["totalCount"])
        info = connection["pageInfo"]
        if not info["hasNextPage"]:
            return Listing(nodes, total, False)
        after = info["endCursor"]
    return Listing(nodes, total, True)


SEAT = "id role termStart termEnd member { id name }"

TREE_HEAD = f"""query ConsoleCommunity($code: String!) {{
  community(code: $code) {{
    code name nameEn isPilot
    organization {{ id name kind memberCount parent {{ id }} committee {{ {SEAT} }} }}
  }}
  rules {{ id severity title titleEn planClause }}
}}"""

ORGANIZATIONS = f"""query ConsoleCommunityOrganizations($code: String!, $after: String) {{
  organizations(regionCode: $code, first: {PAGE_SIZE}, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }}
    nodes {{ id name kind memberCount parent {{ id }} }}
  }}
}}"""

FINDINGS = f"""query ConsoleCommunityFindings($code: String!, $after: String) {{
  findings(regionCode: $code, first: {PAGE_SIZE}, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }}
    nodes {{
      rule severity message messageEn planClause
      organization {{ id }}
      member {{ id name }}
    }}
  }}
}}"""
