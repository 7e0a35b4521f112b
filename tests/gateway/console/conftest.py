"""The console over HTTP: clients signed in through the `/login` form, as a browser is
(cookies, not bearer tokens), against the running demo suite."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from console_client import SignIn, csrf_of

from infra.demo.users import PASSWORD_FILE
from infra.settings import SuiteSettings
from stack import Running


@pytest.fixture(scope="module")
def site(running: Running) -> str:
    return running.gateway.removesuffix("/graphql")


@pytest.fixture(scope="module")
def signed_in(site: str, suite_settings: SuiteSettings) -> Iterator[SignIn]:
    """`signed_in("demo-street")`: a client holding that user's sign-in cookies (one per
    user and module)."""
    password = (suite_settings.data_dir / PASSWORD_FILE).read_text().strip()
    clients: dict[str, httpx.Client] = {}

    def sign_in(username: str) -> httpx.Client:
        if username not in clients:
            client = httpx.Client(base_url=site, timeout=60)
            token = csrf_of(client.get("/login").text)
            fields = {"username": username, "password": password, "csrf": token}
            answer = client.post("/login", data=fields, follow_redirects=False)
            assert answer.status_code == 303, answer.text
            clients[username] = client
        return clients[username]

    yield sign_in
    for client in clients.values():
        client.close()
