"""What a console walk needs (tests/browser/test_console_walks.py): a browser signed in
through the real `/login` form with a demo account's password (never an injected cookie),
what the page requested and logged, screenshots named per role and step, and what a page
offers to write.

A module of its own (not a conftest) so the walks import it by a name no other test folder
uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page

LOGOUT = "/session/logout"

# Every form that sends something (method POST) but the header's sign-out, by its action.
_WRITE_FORMS = """() => [...document.querySelectorAll('form')]
  .filter(f => (f.getAttribute('method') || 'get').toLowerCase() === 'post')
  .map(f => new URL(f.action, location.href).pathname)
  .filter(path => path !== '/session/logout')"""

# Every button outside a GET form and the sign-out form: a button that would write.
_WRITE_BUTTONS = """() => [...document.querySelectorAll('button, input[type=submit]')]
  .filter(b => {
    const f = b.form || b.closest('form');
    if (!f) return true;
    const post = (f.getAttribute('method') || 'get').toLowerCase() === 'post';
    return post && new URL(f.action, location.href).pathname !== '/session/logout';
  })
  .map(b => (b.textContent || b.value || '').trim())"""


# Every link to a page that is only a write's first step (a new record, voiding, submitting,
# editing a goal).
_WRITE_LINKS = """() => [...document.querySelectorAll('main a[href]')]
  .map(a => new URL(a.href, location.href).pathname)
  .filter(path => /\\/(new|void|submit|goals)(\\/|$)/.test(path))"""


# htmx is done: no request out, nothing being swapped in or settling (a swap replaces the
# header too, so a link focused before it ends is gone afterwards).
_SETTLED = """() => !document.querySelector(
  '.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"""


@dataclass
class Walk:
    """One user's browser page from sign-in on, and what it did."""

    page: Page
    role: str
    shots: Path
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # "<status> <url>" of answers >= 400
    taken: list[str] = field(default_factory=list)

    def external_requests(self) -> list[str]:
        """Requests leaving this machine (anything not 127.0.0.1, data: or blob:)."""
        local = ("http://127.0.0.1", "data:", "blob:")
        return [url for url in self.requests if not url.startswith(local)]

    def shot(self, number: int, step: str, *, full_page: bool = True) -> None:
        """The screenshot `console-walk-<role>-<n>-<step>.png` (of the whole page)."""
        name = f"console-walk-{self.role}-{number}-{step}.png"
        self.page.screenshot(path=self.shots / name, full_page=full_page)
        self.taken.append(name)

    def nav(self, key: str) -> None:
        """Follow the header's navigation link `key` (e.g. nav_records) from the keyboard."""
        self.settled()
        link = self.page.locator(f"header a[data-nav={key}]")
        href = link.get_attribute("href") or ""
        link.focus()
        self.page.keyboard.press("Enter")
        path = href.split("?")[0]  # a redirect may go on below it (the roll-up's month)
        self.page.wait_for_url(lambda url: urlsplit(url).path.startswith(path))
        self.settled()

    def settled(self) -> None:
        """Wait until htmx has swapped in and settled what it fetched."""
        self.page.wait_for_function(_SETTLED)
        self.page.wait_for_load_state("networkidle")

    def write_forms(self) -> list[str]:
        """The actions of the page's forms that write (all but sign-out)."""
        return list(self.page.evaluate(_WRITE_FORMS))

    def write_links(self) -> list[str]:
        """The paths of the page's links to a write's own page."""
        return list(self.page.evaluate(_WRITE_LINKS))

    def write_buttons(self) -> list[str]:
        """The texts of the page's buttons that would send a write."""
        return list(self.page.evaluate(_WRITE_BUTTONS))


def sign_in(
    browser: Browser,
    site: str,
    username: str,
    password: str,
    *,
    role: str,
    shots: Path,
    contexts: list[BrowserContext],
) -> Walk:
    """A fresh browser at the console: sent to `/login` (nobody is signed in), the form
    filled from the keyboard, and back on the console's home page."""
    context = browser.new_context(viewport={"width": 1200, "height": 800}, accept_downloads=True)
    contexts.append(context)
    page = context.new_page()
    walk = Walk(page, role, shots)
    page.on("request", lambda request: walk.requests.append(request.url))
    page.on("console", lambda m: m.type == "error" and walk.errors.append(m.text))
    page.on("pageerror", lambda error: walk.errors.append(str(error)))
    page.on(
        "response",
        lambda r: r.status >= 400 and walk.refused.append(f"{r.status} {r.url}"),
    )
    page.goto(site + "/console", wait_until="networkidle")
    assert "/login?next=" in page.url, page.url  # not signed in: the sign-in form first
    page.focus("input[name=username]")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(site + "/console")
    page.wait_for_load_state("networkidle")
    assert page.locator("header .who strong").inner_text() == username
    return walk
