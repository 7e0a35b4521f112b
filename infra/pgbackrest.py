"""pgBackRest for the private cluster: its files and folders, and running it.

Used by `infra.setup` (WAL archiving starts with the cluster) and `infra.backup` (the
commands). Every call runs as the cluster's user (`runuser` when we are root), with libpq's
password file for the superuser's password: no password in argv or the environment. Where
each file lives: infra/pgbackrest_conf.py.
"""

from __future__ import annotations

import os
import pwd
import subprocess
from pathlib import Path

from infra.cluster import ADMIN, SOCKET_PORT, Cluster, ensure_pgbackrest, reachable_by
from infra.errors import SetupError
from infra.pgbackrest_conf import CIPHER_FILE, BackupPaths, cipher_text, config_text
from infra.settings import SuiteSettings


def backup_paths(settings: SuiteSettings, cluster: Cluster) -> BackupPaths:
    return BackupPaths(root=cluster.root, repo=settings.backup_folder.absolute())


def archive_command(settings: SuiteSettings, cluster: Cluster) -> str:
    """PostgreSQL's archive_command for `cluster`: pgBackRest's archive-push."""
    return backup_paths(settings, cluster).archive_command()


def _owner(user: str | None) -> tuple[int, int] | None:
    if user is None:
        return None
    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def _private_folder(folder: Path, user: str | None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if (owner := _owner(user)) is not None:
        os.chown(folder, *owner)
    folder.chmod(0o700)


def _private_file(path: Path, text: str, user: str | None) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    path.chmod(0o600)
    if (owner := _owner(user)) is not None:
        os.chown(path, *owner)


def _prepare_repo(repo: Path, user: str | None) -> None:
    """The repository folder, the cluster user's and private. A folder given by hand that
    already holds other things is left as it is; it must only let that user in."""
    ours = not repo.exists() or not any(p.name not in {"archive", "backup"} for p in repo.iterdir())
    if ours:
        _private_folder(repo, user)
    if not _writable_by(user, repo):
        who = repr(user) if user else "this user"
        raise SetupError(
            f"the backup repository {repo} cannot be reached or written by {who}, who runs "
            "the cluster and pgBackRest",
            "set PARTYGRID_BACKUP_REPO to a folder that user can write (on another disk), "
            f"or let it through: chown {user or '$USER'} {repo}; chmod o+x on the folders above",
        )


def _writable_by(user: str | None, folder: Path) -> bool:
    if user is None:
        return os.access(folder, os.W_OK | os.X_OK)
    if not reachable_by(user, folder):
        return False
    probe = subprocess.run(["runuser", "-u", user, "--", "test", "-w", str(folder)], check=False)
    return probe.returncode == 0


def prepare(settings: SuiteSettings, cluster: Cluster) -> BackupPaths:
    """pgBackRest installed, the cluster's folders, the repository and pgbackrest.conf (from
    the template, every time): what archiving, backups and restores need."""
    ensure_pgbackrest(install=settings.install_missing)
    paths = backup_paths(settings, cluster)
    user = cluster.run_as
    for folder in (paths.root, paths.socket_dir, paths.work, paths.work / "log", paths.include):
        _private_folder(folder, user)
    _prepare_repo(paths.repo, user)
    cipher = settings.backup_cipher_pass
    _private_file(
        paths.config,
        config_text(
            paths,
            retention_full=settings.backup_retention_full,
            encrypted=cipher is not None,
            socket_port=SOCKET_PORT,
            admin=ADMIN,
        ),
        user,
    )
    cipher_file = paths.include / CIPHER_FILE
    if cipher is not None:
        _private_file(cipher_file, cipher_text(cipher.get_secret_value()), user)
    else:
        cipher_file.unlink(missing_ok=True)
    return paths


def run(cluster: Cluster, paths: BackupPaths, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `pgbackrest <command> ...` as the cluster's user; the superuser's password comes
    from libpq's password file (PGPASSFILE), never argv."""
    passfile = cluster.pgpass_file()
    cmd = ["env", f"PGPASSFILE={passfile}", "pgbackrest", *paths.options(), *args]
    if cluster.run_as:
        cmd = ["runuser", "-u", cluster.run_as, "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, check=False, cwd="/")


def error_of(done: subprocess.CompletedProcess[str]) -> str:
    lines = [
        line.strip() for line in (done.stderr + "\n" + done.stdout).splitlines() if line.strip()
    ]
    errors = [line for line in lines if "ERROR" in line]
    return (errors or lines or [f"exit status {done.returncode}"])[-1]


def checked(
    cluster: Cluster, paths: BackupPaths, *args: str, fix: str
) -> subprocess.CompletedProcess[str]:
    done = run(cluster, paths, *args)
    if done.returncode != 0:
        raise SetupError(f"pgbackrest {args[0]} failed: {error_of(done)}", fix)
    return done


def ensure_stanza(cluster: Cluster, paths: BackupPaths) -> str | None:
    """Create the repository's stanza for the running cluster (idempotent); None when done,
    else pgBackRest's message (archiving then fails until it is fixed)."""
    done = run(cluster, paths, "stanza-create")
    return None if done.returncode == 0 else error_of(done)


def start_archiving(cluster: Cluster, paths: BackupPaths) -> None:
    """After the cluster started with archive_command: the stanza, or a warning. Not fatal:
    the suite runs without backups, and `partygrid backups` shows the archiver failing."""
    if (problem := ensure_stanza(cluster, paths)) is not None:
        print(
            f"partygrid: WAL archiving to {paths.repo} does not work: {problem}\n"
            "  backups and point-in-time restores fail until it does; if the repository "
            "belonged to another cluster, move it aside (or set PARTYGRID_BACKUP_REPO)",
            flush=True,
        )
