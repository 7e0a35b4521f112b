"""Login CSRF and sign-out (issue 12 class 4): the form takes a signed double-submit token
(cookie nonce + its HMAC in a hidden field) and refuses cross-site posts; `/logout` is POST
only."""

from __future__ import annotations

import httpx
from signin_helpers import form, new_user, site

from infra.setup import Prepared
from stack import Running


def _post(browser: httpx.Client, fields: dict, **headers: str) -> httpx.Response:
    return browser.post("/login", data=fields, headers=headers, follow_redirects=False)


def test_a_cross_site_form_cannot_sign_anyone_in(running: Running, prepared: Prepared) -> None:
    """The attacker's own credentials, posted from their page into the victim's browser."""
    name, password = new_user(prepared)
    with httpx.Client(base_url=site(running), timeout=60) as victim:
        # No token at all (the attacker's page cannot read one).
        response = _post(victim, {"username": name, "password": password})
        assert response.status_code == 403 and "partygrid_access" not in response.cookies
        assert "表单已过期" in response.text
        # A token made up, or one from the attacker's own visit (no matching cookie here).
        with httpx.Client(base_url=site(running), timeout=60) as attacker:
            theirs = form(attacker)
        response = _post(victim, {"username": name, "password": password, "csrf": theirs})
        assert response.status_code == 403 and "partygrid_access" not in response.cookies
        # A browser says where the post comes from: cross-site is refused even with a pair.
        token = form(victim)
        fields = {"username": name, "password": password, "csrf": token}
        response = _post(victim, fields, **{"sec-fetch-site": "cross-site"})
        assert response.status_code == 403 and "partygrid_access" not in response.cookies
        # The form again (each refusal hands out a fresh pair), same-origin: signed in.
        fields["csrf"] = form(victim)
        response = _post(victim, fields, **{"sec-fetch-site": "same-origin"})
        assert response.status_code == 303 and "partygrid_access" in response.cookies


def test_the_form_has_no_inline_script_or_handlers(running: Running) -> None:
    page = httpx.get(site(running) + "/login?next=/maps/%22%3E%3Cscript%3Ex%3C/script%3E")
    text = page.text.lower()
    assert "<script" not in text and " onload" not in text and " onclick" not in text
    assert "style=" not in text  # a strict style-src would refuse inline styles


def test_logout_is_post_only(running: Running) -> None:
    base = site(running)
    assert httpx.get(base + "/logout", follow_redirects=False).status_code == 405
    cross = httpx.post(base + "/logout", headers={"sec-fetch-site": "cross-site"})
    assert cross.status_code == 403
    # On to /session/logout (the POST kept), where the refresh cookie goes and is revoked.
    response = httpx.post(base + "/logout", follow_redirects=False)
    assert response.status_code == 307 and 'partygrid_access=""' in response.headers["set-cookie"]
    assert response.headers["location"] == "/session/logout"
