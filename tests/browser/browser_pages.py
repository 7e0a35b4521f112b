"""What a page test gets back from the `visit` fixture (a module of its own, so test modules
can import it by a name no other test folder uses)."""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import Page


@dataclass
class Visit:
    """A browser page and what it did."""

    page: Page
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def external_requests(self) -> list[str]:
        """Requests leaving this machine (anything not 127.0.0.1, data: or blob:)."""
        local = ("http://127.0.0.1", "data:", "blob:")
        return [url for url in self.requests if not url.startswith(local)]
