"""The suite's processes — org, grid, assess and the gateway — on a prepared database: started
on 127.0.0.1 (or the configured host), waited for until each answers, stopped at the end.

The one way they are started: by `partygrid up` and `partygrid compose` (infra/cli.py), the
tests (tests/stack.py) and the benchmarks' `--own-stack`. `services` starts them on a database
someone else prepared; `prepared` takes the data folder's run lock and prepares the database
(private cluster or DATABASE_URL, migrations, the demo when on); `own_stack` is both.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from infra.database import Database
from infra.locking import RunLock
from infra.settings import SERVICES, SuiteSettings
from infra.setup import Prepared, database, token_keys
from infra.supervisor import Supervisor, check_port_free, free_port, gateway_env, service_env

GATEWAY = "gateway"
PROCESSES = (*SERVICES, GATEWAY)


@dataclass(frozen=True)
class Stack:
    """What was started: where each process listens, the keys they share, their database."""

    host: str
    ports: dict[str, int]  # org, grid, assess, gateway
    keys: dict[str, str]  # "internal" and "access"
    database: Database
    supervisor: Supervisor

    def base_url(self, name: str) -> str:
        return f"http://{self.host}:{self.ports[name]}"

    def graphql_url(self, name: str) -> str:
        return f"{self.base_url(name)}/graphql"

    @property
    def subgraphs(self) -> dict[str, str]:
        """Each subgraph's GraphQL URL."""
        return {name: self.graphql_url(name) for name in SERVICES}

    @property
    def gateway(self) -> str:
        """The gateway's GraphQL URL."""
        return self.graphql_url(GATEWAY)

    @property
    def log_dir(self) -> Path:
        return self.supervisor.log_dir


def configured_ports(settings: SuiteSettings) -> dict[str, int]:
    """The ports the settings name (PARTYGRID_<NAME>_PORT), as `partygrid up` serves on."""
    return {name: settings.port_of(name) for name in PROCESSES}


@contextlib.contextmanager
def services(  # noqa: PLR0913 -- keyword-only: the options of one start, each defaulted
    db: Database,
    keys: dict[str, str],
    logs: Path,
    *,
    host: str = "127.0.0.1",
    ports: Mapping[str, int] | None = None,
    gateway: bool = True,
    env: Mapping[str, Mapping[str, str]] | None = None,
    timeout: float = 60.0,
) -> Iterator[Stack]:
    """Start the three subgraphs (and the gateway) on `db`, each logging to `logs/<name>.log`;
    yield once every one answers /healthz, stop them all on exit.

    `ports` default to free ones; `env` adds settings per process name (a benchmark lifting
    the gateway's work limit). A process that exits or stays unhealthy past `timeout` stops
    the start with its name and the end of its log (`Supervisor.wait_healthy`)."""
    chosen = dict(ports) if ports is not None else {name: free_port(host) for name in PROCESSES}
    supervisor = Supervisor(host, logs)
    stack = Stack(host, chosen, keys, db, supervisor)
    extra = env or {}
    try:
        for name in SERVICES:
            url = db.service_urls[name]
            own = service_env(name, url, chosen[name], stack.subgraphs, keys=keys)
            supervisor.start(name, chosen[name], {**own, **extra.get(name, {})})
        if gateway:
            own = gateway_env(stack.subgraphs, chosen[GATEWAY], keys=keys, auth_url=db.auth_url)
            supervisor.start(GATEWAY, chosen[GATEWAY], {**own, **extra.get(GATEWAY, {})})
        supervisor.wait_healthy(timeout)
        yield stack
    finally:
        supervisor.stop_all()


@contextlib.contextmanager
def prepared(
    settings: SuiteSettings, *, check_ports: Mapping[str, int] | None = None
) -> Iterator[Prepared]:
    """The data folder's run lock, then the database ready (cluster started, migrated, the demo
    when on); the private cluster is stopped on exit. `check_ports` are checked free first,
    before anything is created."""
    with RunLock(settings.data_dir):
        for name, port in (check_ports or {}).items():
            check_port_free(settings.host, port, setting=f"PARTYGRID_{name.upper()}_PORT")
        with database(settings) as ready:
            yield ready


@contextlib.contextmanager
def own_stack(
    settings: SuiteSettings,
    logs: Path,
    *,
    configured: bool = False,
    gateway: bool = True,
    env: Mapping[str, Mapping[str, str]] | None = None,
) -> Iterator[Stack]:
    """`prepared`, then `services` on it with the settings' keys: on the configured host and
    ports (checked free first) when `configured`, else on free 127.0.0.1 ports."""
    ports = configured_ports(settings) if configured else None
    checked = {n: p for n, p in (ports or {}).items() if gateway or n != GATEWAY}
    with (
        prepared(settings, check_ports=checked) as ready,
        services(
            ready.database,
            token_keys(settings),
            logs,
            host=settings.host if configured else "127.0.0.1",
            ports=ports,
            gateway=gateway,
            env=env,
            timeout=settings.start_timeout,
        ) as stack,
    ):
        yield stack
