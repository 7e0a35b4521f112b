"""The console's address space and the navigation each caller gets.

Every console page lives under `/console`; the navigation shows a caller the pages of its
own region (a district or street user the overview of its communities, a community user its
community's pages). Whether the caller may *see* a page is still the graph's decision
(scope and role on every field), so a link here is a convenience, never a grant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gateway.console.labels import labels_for
from services.common.auth import Identity, Role

BASE = "/console"
HOME = BASE
SEARCH = BASE + "/search"
OVERVIEW = BASE + "/overview"  # /<district or street code>
REPORTS = BASE + "/reports"  # /<street code>[/<YYYY-MM>]
ROLLUP = BASE + "/rollup"  # /<district code>[/<YYYY-MM>]
COMMUNITY = BASE + "/community"  # /<community code>[/members|/posts|/dual]
ASSESSMENT = BASE + "/assessment"  # /<community code>[/...]
RECORDS = BASE + "/records"  # /<community code>[/...]
COMMENDATIONS = BASE + "/commendations"  # /<region code>
GRAPHIQL = BASE + "/graphiql"
MAPS = "/maps/coverage"


@dataclass(frozen=True)
class NavItem:
    key: str  # label key
    href: Callable[[Identity], str | None]  # None: not for this caller


def _level(identity: Identity) -> int:
    return len(identity.region)


def _above_community(identity: Identity) -> bool:
    return _level(identity) in (6, 9)


def _community(identity: Identity) -> bool:
    return _level(identity) == 12


NAV: tuple[NavItem, ...] = (
    NavItem("nav_home", lambda i: HOME),
    NavItem("nav_overview", lambda i: f"{OVERVIEW}/{i.region}" if _above_community(i) else None),
    NavItem(
        "nav_reports",
        lambda i: f"{REPORTS}/{i.region}" if _level(i) == 9 else None,
    ),
    NavItem(
        "nav_rollup",
        lambda i: f"{ROLLUP}/{i.region}" if _level(i) == 6 else None,
    ),
    NavItem("nav_community", lambda i: f"{COMMUNITY}/{i.region}" if _community(i) else None),
    NavItem(
        "nav_members",
        lambda i: (
            f"{COMMUNITY}/{i.region}/members"
            if _community(i) and i.role is not Role.PLANNER
            else None
        ),
    ),
    NavItem("nav_assessment", lambda i: f"{ASSESSMENT}/{i.region}" if _community(i) else None),
    NavItem("nav_records", lambda i: f"{RECORDS}/{i.region}" if _community(i) else None),
    NavItem("nav_commendations", lambda i: f"{COMMENDATIONS}/{i.region}"),
    NavItem("nav_search", lambda i: SEARCH),
    NavItem("nav_maps", lambda i: MAPS),
    NavItem("nav_graphiql", lambda i: GRAPHIQL),
)


def nav_items(identity: Identity, lang: str) -> list[dict[str, str]]:
    """The navigation of `identity`'s pages: label and address (language kept)."""
    words = labels_for(lang)
    suffix = "?lang=en" if lang == "en" else ""
    items = []
    for item in NAV:
        href = item.href(identity)
        if href is not None:
            items.append({"key": item.key, "text": words[item.key], "href": href + suffix})
    return items
