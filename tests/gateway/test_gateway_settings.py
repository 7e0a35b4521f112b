"""Gateway settings come from `PARTYGRID_GATEWAY_*` variables, read when asked for."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from gateway.settings import GatewaySettings


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    path = tmp_path / "sg.graphql"
    monkeypatch.setenv("PARTYGRID_GATEWAY_SUPERGRAPH_PATH", str(path))
    monkeypatch.setenv("PARTYGRID_GATEWAY_PORT", "4321")
    urls = {"org": "http://127.0.0.1:4101/graphql"}
    monkeypatch.setenv("PARTYGRID_GATEWAY_SUBGRAPH_URLS", json.dumps(urls))
    settings = GatewaySettings()
    assert settings.supergraph_path == path
    assert settings.port == 4321
    assert settings.subgraph_urls == urls
    assert settings.fetch_timeout == 10


def test_default_supergraph_is_next_to_the_package(monkeypatch):
    monkeypatch.delenv("PARTYGRID_GATEWAY_SUPERGRAPH_PATH", raising=False)
    settings = GatewaySettings()
    assert settings.supergraph_path.name == "supergraph.graphql"
    assert (settings.supergraph_path.parent / "gateway" / "settings.py").is_file()


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PARTYGRID_GATEWAY_MAX_DEPTH", "7")
    monkeypatch.setenv("PARTYGRID_GATEWAY_MAX_ALIASES", "3")
    monkeypatch.setenv("PARTYGRID_GATEWAY_MAX_COST", "900")
    monkeypatch.setenv("PARTYGRID_GATEWAY_INTROSPECTION", "never")
    monkeypatch.setenv("PARTYGRID_GATEWAY_SUBGRAPH_TIMEOUTS", '{"assess": 0.5}')
    settings = GatewaySettings()
    limits = settings.limits()
    assert (limits.max_depth, limits.max_aliases, limits.max_cost) == (7, 3, 900)
    assert limits.introspection == "never"
    assert settings.subgraph_timeouts == {"assess": 0.5}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("INTROSPECTION", "sometimes"),
        ("MAX_DEPTH", "0"),
        ("MAX_TOKENS", "-1"),
        ("SUBGRAPH_TIMEOUTS", '{"org": 0}'),
        ("FETCH_TIMEOUT", "0"),
    ],
)
def test_bad_limit_settings_are_refused(monkeypatch, name, value):
    monkeypatch.setenv(f"PARTYGRID_GATEWAY_{name}", value)
    with pytest.raises(ValidationError):
        GatewaySettings()
