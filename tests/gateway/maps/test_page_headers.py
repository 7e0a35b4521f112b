"""Every gateway response carries the security headers (issue 12, class 1): a CSP that runs
no script from data (no 'unsafe-inline' or 'unsafe-eval' for scripts; inline scripts only with
this response's nonce), frame-ancestors, base-uri and object-src 'none', Referrer-Policy and
nosniff; every inline script of a page carries the nonce of its own response."""

from __future__ import annotations

import re

import httpx
import pytest

from gateway.maps.basemaps import BasemapSettings, tile_sources
from infra.demo.model import Demo
from services.common.auth import Identity, Role
from stack import DISTRICT, Running

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>", re.I)


def _get(running: Running, path: str, identity: Identity | None, **headers: str) -> httpx.Response:
    return httpx.get(
        running.gateway.replace("/graphql", path),
        headers={**running.headers(running.gateway, identity), **headers},
        timeout=60,
        follow_redirects=False,
    )


def _directives(csp: str) -> dict[str, list[str]]:
    parts = (d.split() for d in csp.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


def _pages(demo: Demo) -> list[tuple[str, Identity | None, dict[str, str]]]:
    community = sorted(c.code for c in demo.communities)[0]
    planner = Identity("test-planner", Role.PLANNER, community[:9])
    viewer = Identity("test-viewer", Role.VIEWER, community)
    html = {"accept": "text/html"}
    return [
        (f"/maps/coverage/{community}", DISTRICT, {}),
        (f"/maps/coverage/{community}/print?size=A3", DISTRICT, {}),
        (f"/maps/coverage/{community[:9]}", DISTRICT, {}),
        (f"/maps/coverage/{community[:6]}", DISTRICT, {}),
        ("/maps/coverage", DISTRICT, {}),
        (f"/maps/planner/{community}", planner, {}),
        (f"/maps/planner/{community}", viewer, {}),  # the page that refuses
        (f"/maps/planner/{community}/state", planner, {}),
        ("/maps/coverage/999999999999", DISTRICT, {}),
        ("/maps/coverage/123", DISTRICT, {}),
        ("/maps/coverage/410104", None, {}),
        ("/login", None, {}),
        ("/graphql", None, html),
        ("/graphql?query={__typename}", DISTRICT, {}),
        ("/healthz", None, {}),
        ("/static/leaflet/leaflet.js", None, {}),
        ("/no/such/page", None, {}),
    ]


def test_every_response_carries_the_security_headers(running: Running, demo: Demo) -> None:
    pages = _pages(demo)
    seen_nonces = set()
    for path, identity, headers in pages:
        response = _get(running, path, identity, **headers)
        assert response.headers.get("x-content-type-options") == "nosniff", path
        assert response.headers.get("referrer-policy") in ("no-referrer", "same-origin"), path
        csp = _directives(response.headers.get("content-security-policy", ""))
        assert csp.get("frame-ancestors") == ["'none'"], path
        assert csp.get("base-uri") == ["'none'"], path
        assert csp.get("object-src") == ["'none'"], path
        scripts = csp.get("script-src", [])
        assert "'self'" in scripts, path
        assert not {"'unsafe-inline'", "'unsafe-eval'", "data:", "*"} & set(scripts), path
        nonces = [s for s in scripts if s.startswith("'nonce-")]
        assert len(nonces) == 1, path
        nonce = nonces[0][len("'nonce-") : -1]
        seen_nonces.add(nonce)
        if response.headers.get("content-type", "").startswith("text/html"):
            # Every inline script carries this response's nonce, none another's.
            for attributes in INLINE_SCRIPT.findall(response.text):
                assert f'nonce="{nonce}"' in attributes, (path, attributes)
    assert len(seen_nonces) == len(pages)  # a fresh nonce per response


@pytest.mark.parametrize("path", ["/maps/coverage/{code}", "/maps/planner/{code}"])
def test_a_map_page_has_inline_scripts_only_with_its_nonce(
    running: Running, demo: Demo, path: str
) -> None:
    code = sorted(c.code for c in demo.communities)[0]
    first = _get(running, path.format(code=code), DISTRICT)
    second = _get(running, path.format(code=code), DISTRICT)
    assert first.status_code == second.status_code == 200
    inline = INLINE_SCRIPT.findall(first.text)
    assert inline, "folium pages have inline scripts"
    nonce = re.search(r"'nonce-([^']+)'", first.headers["content-security-policy"])
    assert nonce is not None
    assert all(f'nonce="{nonce.group(1)}"' in a for a in inline)
    assert nonce.group(1) not in second.text


def test_base_tiles_are_allowed_images_and_nothing_else() -> None:
    """img-src names the configured tile servers (a templated label becomes `*`)."""
    assert tile_sources(BasemapSettings()) == []
    assert tile_sources(BasemapSettings(kind="tianditu", tianditu_key="k")) == [
        "https://*.tianditu.gov.cn"
    ]
    assert tile_sources(BasemapSettings(kind="amap")) == ["https://*.is.autonavi.com"]
    xyz = BasemapSettings(kind="xyz", url="http://{s}.tiles.internal:8080/{z}/{x}/{y}.png")
    assert tile_sources(xyz) == ["http://*.tiles.internal:8080"]
