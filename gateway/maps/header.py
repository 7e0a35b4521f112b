"""The header over every map page (coverage maps and the planner): navigation up and down
the region tree, the signed-in user with their role's label, and a sign-out button.

The page carries only an empty `<header id="pg-header">` naming its region code, page kind
and language; static/maps/session.js fills it from `/maps/nav/<code>` (gateway.maps.navigation:
which links the caller's role may follow) and keeps the session fresh while the page is open.
So every page, whoever renders it, gets the same header from one place.
"""

from __future__ import annotations

import html
from typing import Literal

from branca.element import Element

PageKind = Literal["coverage", "planner"]


def page_header(code: str, *, lang: str | None, page: PageKind = "coverage") -> Element:
    """The header's placeholder (filled in by the page's session script)."""
    e = html.escape
    return Element(
        f'<header id="pg-header" data-code="{e(code)}" data-page="{e(page)}"'
        f' data-lang="{"en" if lang == "en" else "zh"}"></header>'
    )
