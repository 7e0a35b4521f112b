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


def _settings_class(service: str) -> type:
    module = importlib.import_module(f"services.{service}.app")
    return getattr(module, f"{service.capitalize()}Settings")


def test_each_subgraph_is_told_where_the_subgraphs_it_asks_are() -> None:
    """A peer URL left at its default (127.0.0.1) would reach the asking container itself:
    every `<peer>_url` setting is set to that peer's compose service and port."""
    services = COMPOSE["services"]
    asked = 0
    for name in SERVICES:
        fields = _settings_class(name).model_fields
        environment = services[name]["environment"]
        for peer in SERVICES:
            if f"{peer}_url" not in fields:
                continue
            port = services[peer]["command"][services[peer]["command"].index("--port") + 1]
            key = f"PARTYGRID_{name.upper()}_{peer.upper()}_URL"
            assert environment.get(key) == f"http://{peer}:{port}/graphql", key
            asked += 1
    assert asked == 4  # org asks grid; grid asks org; assess asks both


def test_the_image_installs_what_the_commands_need() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for needed in ("constraints.txt", "services", "gateway", "infra", "supergraph.graphql"):
        assert needed in dockerfile, needed


def _resolved(value: object, environ: dict[str, str]) -> str:
    """Compose's `${NAME:-default}` / `${NAME}` interpolation, for one scalar."""
    import re

    def one(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(3) or ""
        return environ.get(name) or default

    return re.sub(r"\$\{([A-Z0-9_]+)(:[-?]([^}]*))?\}", one, str(value))


def _set_up_environment(environ: dict[str, str]) -> dict[str, str]:
    env = COMPOSE["services"]["setup"]["environment"]
    return {key: _resolved(value, environ) for key, value in env.items()}


def test_the_deployment_loads_no_demo_data_or_accounts_unless_asked() -> None:
    from infra.settings import SuiteSettings

    for name, service in COMPOSE["services"].items():
        env = service.get("environment") or {}
        demo_keys = {key for key in env if "DEMO" in key.upper()}
        assert demo_keys <= {"PARTYGRID_DEMO"}, name  # no demo password or accounts set
    env = _set_up_environment({})
    assert "PARTYGRID_DEMO" in env, "the set-up job must say demo or not, not inherit a default"
    assert SuiteSettings(demo=env["PARTYGRID_DEMO"]).demo is False
    asked = _set_up_environment({"PARTYGRID_DEMO": "true"})
    assert SuiteSettings(demo=asked["PARTYGRID_DEMO"]).demo is True


def test_the_image_runs_as_an_unprivileged_user() -> None:
    lines = [line.split() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    users = [words[1] for words in lines if words[:1] == ["USER"]]
    assert users and users[-1] not in ("root", "0"), users
