"""docker-compose.yml is the deployment path: every module and command it names exists."""

from __future__ import annotations

import importlib
import tomllib

import yaml

from infra.settings import ROOT, SERVICES

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SCRIPTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]


def _importable(target: str) -> None:
    module, _, attr = target.partition(":")
    loaded = importlib.import_module(module)
    if attr:
        assert callable(getattr(loaded, attr)), target


def test_it_runs_postgis_the_three_subgraphs_and_the_gateway() -> None:
    services = COMPOSE["services"]
    assert "postgis" in services["postgis"]["image"]
    for name in (*SERVICES, "gateway"):
        assert name in services, name
        assert services[name]["healthcheck"]["test"], name


def test_every_command_names_something_that_exists() -> None:
    for name, service in COMPOSE["services"].items():
        command = service.get("command")
        if not command:
            continue
        program = command[0]
        if program == "uvicorn":
            _importable(command[1])
            assert "--factory" in command, name
        else:
            assert program in SCRIPTS, f"{name}: {program} is not a console script"
            _importable(SCRIPTS[program])
        test = service.get("healthcheck", {}).get("test", [])
        if "-m" in test:
            _importable(test[test.index("-m") + 1])


def test_service_ports_match_the_health_checks() -> None:
    for name in (*SERVICES, "gateway"):
        service = COMPOSE["services"][name]
        port = service["command"][service["command"].index("--port") + 1]
        assert f":{port}/healthz" in " ".join(service["healthcheck"]["test"]), name


def test_the_image_installs_what_the_commands_need() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for needed in ("constraints.txt", "services", "gateway", "infra", "supergraph.graphql"):
        assert needed in dockerfile, needed
