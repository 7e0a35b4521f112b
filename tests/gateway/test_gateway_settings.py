"""Gateway settings come from `PARTYGRID_GATEWAY_*` variables, read when asked for."""

from __future__ import annotations

import json

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
