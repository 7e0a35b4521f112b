"""Start the subgraphs and the gateway as child processes, watch them, stop them all.

Started as root, the children run as an unprivileged user (PARTYGRID_PG_USER, the one that
runs the private cluster, so they reach its socket); every child has umask 077, and the
logs are owner-only: nothing they write is readable by other users.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from infra.child_env import inherited
from infra.errors import SetupError
from infra.restart_policy import exit_reason
from infra.unprivileged import account, ensure_can_run_python, service_user
from infra.watch import Watched

APPS = {
    "org": "services.org.app:create_app",
    "grid": "services.grid.app:create_app",
    "assess": "services.assess.app:create_app",
    "gateway": "gateway.app:create_app",
    # The gateway serves its auth subgraph in-process; alone, for a stand-in gateway.
    "auth": "gateway.auth.app:create_app",
}
_PR_SET_PDEATHSIG = 1
PRIVATE_UMASK = 0o077


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the supervisor dies, so no service outlives it."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def check_port_free(host: str, port: int, *, setting: str) -> None:
    """Fail before anything starts when a port is taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As uvicorn binds: connections of a previous run in TIME_WAIT do not make it busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise SetupError(
                f"port {port} on {host} is busy (needed for {setting})",
                f"stop what listens there (ss -ltnp 'sport = :{port}'), or set {setting}",
            ) from None


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class _Identity:
    """Who a service runs as: None keeps this process's user and groups."""

    user: int | None = None
    group: int | None = None
    extra_groups: list[int] | None = None
    home: dict[str, str] = field(default_factory=dict)  # HOME, USER, LOGNAME of that user


@dataclass
class Service:
    name: str
    port: int
    env: dict[str, str]
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    log_start: int = 0  # the log's size at start: what this run wrote comes after
    command: list[str] = field(default_factory=list)  # what was started, to start it again

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Supervisor:
    """Owns the child processes of one run."""

    host: str
    log_dir: Path
    services: list[Service] = field(default_factory=list)
    run_as: str | None = field(default_factory=service_user)

    def _identity(self) -> _Identity:
        """Popen's arguments that drop root, and the environment of that user."""
        if self.run_as is None:
            return _Identity()
        entry = account(self.run_as)
        ensure_can_run_python(self.run_as)
        home = {"HOME": entry.pw_dir, "USER": entry.pw_name, "LOGNAME": entry.pw_name}
        return _Identity(entry.pw_uid, entry.pw_gid, [], home)

    def start(self, name: str, port: int, env: dict[str, str]) -> Service:
        self.log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.log_dir.chmod(0o700)
        log_path = self.log_dir / f"{name}.log"
        service = Service(name, port, env, log_path=log_path)
        identity = self._identity()
        cmd = [
            sys.executable, "-m", "uvicorn", APPS[name], "--factory",
            "--host", self.host, "--port", str(port),
            "--no-access-log", "--log-level", "warning", "--timeout-graceful-shutdown", "5",
        ]  # fmt: skip
        # PARTYGRID_<NAME>_WORKERS (infra/settings.py) as the service's own environment has
        # it, so a restart with the same env keeps it: N processes sharing one socket.
        workers = int({**os.environ, **env}.get(f"PARTYGRID_{name.upper()}_WORKERS") or 1)
        if workers > 1:
            # Its workers die with uvicorn's parent, as the parent dies with us.
            cmd[2:3] = ["infra.uvicorn_workers"]
            cmd += ["--workers", str(workers)]
        service.command = cmd
        self._spawn(service, identity)
        self.services.append(service)
        return service

    def _spawn(self, service: Service, identity: _Identity) -> None:
        assert service.log_path is not None
        # Opened here (we may be root) and handed over: the service needs no right to it.
        fd = os.open(service.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.fchmod(fd, 0o600)  # a log made by an earlier version was 0644
        service.log_start = os.fstat(fd).st_size
        with os.fdopen(fd, "ab") as log:
            service.process = subprocess.Popen(
                service.command,
                env={**inherited(), **identity.home, **service.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                umask=PRIVATE_UMASK,
                preexec_fn=_die_with_parent,  # only prctl in the child: fork-safe
                user=identity.user,  # None keeps ours
                group=identity.group,
                extra_groups=identity.extra_groups,
            )

    def restart(self, service: Service) -> None:
        """Start `service` again as it was started (same command, port and settings); the
        old process must have exited (it is reaped here). Call it from a thread that lasts
        (`up`'s main thread): a child gets SIGTERM when the thread that started it ends."""
        if service.process is not None:
            service.process.wait()
        self._spawn(service, self._identity())

    def healthy(self, service: Service) -> bool:
        """Whether `service` answers /healthz with 200 now."""
        try:
            return httpx.get(f"{service.base_url}/healthz", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    def watched(self) -> list[Watched]:
        """Each child as `watch` restarts it."""
        return [self._watched(service) for service in self.services]

    def _watched(self, service: Service) -> Watched:
        def ended() -> str | None:
            assert service.process is not None
            code = service.process.poll()
            return None if code is None else f"exited ({exit_reason(code)})"

        return Watched(
            service.name,
            ended,
            lambda: self.restart(service),
            lambda: self.healthy(service),
            log_path=service.log_path,
            stop=lambda: service.process.kill() if service.process else None,
        )

    def wait_healthy(self, timeout: float) -> None:
        """Poll each /healthz until 200; a child that exits, or is not healthy by the deadline,
        stops the run with its name, its last answer and the end of its log (the cause of a
        failed start sits in a traceback, seldom on its last line)."""
        deadline = time.monotonic() + timeout
        pending = list(self.services)
        answers = {service.name: "no answer" for service in pending}
        with httpx.Client(timeout=2.0) as client:
            while pending:
                for service in list(pending):
                    assert service.process is not None
                    if (status := service.process.poll()) is not None:
                        raise SetupError(
                            f"{service.name} exited at start (status {status}); the end of "
                            f"its log:\n{_tail(service)}",
                            f"read {service.log_path}",
                        )
                    try:
                        answer = client.get(f"{service.base_url}/healthz")
                    except httpx.TransportError:
                        continue
                    if answer.status_code == 200:
                        pending.remove(service)
                    answers[service.name] = (
                        f"/healthz {answer.status_code} {answer.text[:200].strip()}"
                    )
                if pending and time.monotonic() > deadline:
                    late = "\n".join(
                        f"{s.name}: {answers[s.name]}; the end of its log:\n{_tail(s)}"
                        for s in pending
                    )
                    names = ", ".join(s.name for s in pending)
                    raise SetupError(
                        f"{names} did not become healthy within {timeout:.0f} s\n{late}",
                        f"read the logs in {self.log_dir}",
                    )
                if pending:
                    time.sleep(0.1)

    def stop_all(self, grace: float = 10.0) -> None:
        """SIGTERM every child, then SIGKILL what is still there after `grace` seconds."""
        for service in reversed(self.services):
            if service.process is not None and service.process.poll() is None:
                service.process.terminate()
        deadline = time.monotonic() + grace
        for service in self.services:
            if service.process is None:
                continue
            try:
                service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                service.process.kill()
                service.process.wait()
        self.services.clear()


def gateway_env(
    subgraph_urls: dict[str, str],
    port: int,
    *,
    keys: dict[str, str] | None = None,
    auth_url: str | None = None,
) -> dict[str, str]:
    """The gateway's settings: its port, the subgraphs' URLs, both signing keys (it checks
    access tokens and signs internal ones) and its users' database (the auth role)."""
    env = {
        "PARTYGRID_GATEWAY_PORT": str(port),
        "PARTYGRID_GATEWAY_SUBGRAPH_URLS": json.dumps(subgraph_urls),
    }
    if keys:
        env["PARTYGRID_INTERNAL_TOKEN_KEY"] = keys["internal"]
        env["PARTYGRID_ACCESS_TOKEN_KEY"] = keys["access"]
    if auth_url:
        env["PARTYGRID_AUTH_DATABASE_URL"] = auth_url
    return env


def service_env(
    name: str,
    database_url: str,
    port: int,
    graphql_urls: dict[str, str],
    *,
    keys: dict[str, str] | None = None,
) -> dict[str, str]:
    """A subgraph's settings: its own role's database, its port, the subgraphs it asks
    (every other one, directly) and the internal token key (never the access token key:
    subgraphs trust only the gateway)."""
    prefix = f"PARTYGRID_{name.upper()}_"
    env = {f"{prefix}DATABASE_URL": database_url, f"{prefix}PORT": str(port)}
    env |= {
        f"{prefix}{other.upper()}_URL": url for other, url in graphql_urls.items() if other != name
    }
    if keys:
        env["PARTYGRID_INTERNAL_TOKEN_KEY"] = keys["internal"]
        # A key inherited from the parent's environment must not leak to a subgraph.
        env["PARTYGRID_ACCESS_TOKEN_KEY"] = ""
    return env


def _tail(service: Service, lines: int = 12) -> str:
    """The last non-blank lines this run wrote to a service's log (`up` appends run after
    run), indented under the message that quotes them."""
    if service.log_path is None or not service.log_path.exists():
        return "    (no log)"
    with service.log_path.open("rb") as log:
        end = log.seek(0, os.SEEK_END)
        log.seek(max(service.log_start, end - 16384))
        text = log.read().decode(errors="replace")
    # Blank lines and tracebacks' ^~~ markers tell nothing.
    found = [line for line in text.splitlines() if line.strip(" \t^~")]
    return "\n".join(f"    {line}" for line in found[-lines:]) or "    (empty log)"
