"""Helpers of the console's HTTP tests (imported by their conftest and by tests)."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

SignIn = Callable[[str], httpx.Client]
_CSRF = re.compile(r'name="csrf(?:-token)?" (?:value|content)="([^"]*)"')


def csrf_of(page: str) -> str:
    """The CSRF token of a page (its head carries it; every form too)."""
    found = _CSRF.search(page)
    assert found, "no CSRF token on the page"
    return found.group(1)
