"""A cap on every gateway route's body (issue 12 class 4): the sign-in form takes a small
form's worth (16 KiB), a route that reads no body takes no more, and a body streamed past
the cap without a Content-Length is cut off as well: 413, never held in memory."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from signin_helpers import site

from stack import Running

BIG = 2 * 1024 * 1024


def _chunks(total: int) -> Iterator[bytes]:
    chunk = b"a" * 65536
    for _ in range(total // len(chunk)):
        yield chunk


@pytest.mark.parametrize("path", ["/login", "/logout", "/healthz", "/maps/coverage"])
def test_a_declared_large_body_is_413(running: Running, path: str) -> None:
    response = httpx.post(
        site(running) + path,
        content=b"username=a&password=" + b"p" * BIG,
        headers={"content-type": "application/x-www-form-urlencoded"},
        timeout=60,
    )
    assert response.status_code == 413, (path, response.status_code)


def test_a_streamed_large_sign_in_body_is_413(running: Running) -> None:
    response = httpx.post(
        site(running) + "/login",
        content=_chunks(BIG),  # chunked: no Content-Length to refuse up front
        headers={"content-type": "application/x-www-form-urlencoded"},
        timeout=60,
    )
    assert response.status_code == 413


def test_a_sign_in_form_under_the_cap_is_read(running: Running) -> None:
    response = httpx.post(
        site(running) + "/login",
        data={"username": "x", "password": "p" * 8000},
        follow_redirects=False,
        timeout=60,
    )
    assert response.status_code != 413
