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

from infra.child_env import for_postgres
from infra.cluster import ADMIN, SOCKET_PORT, Cluster, ensure_pgbackrest, reachable_by
from infra.errors import SetupError
from infra.pgbackrest_conf import CIPHER_FILE, BackupPaths, cipher_text, config_text
from infra.private_files import replace_private
from infra.settings import SuiteSettings


def backup_paths(settings: SuiteSettings, cluster: Cluster) -> BackupPaths:
    return BackupPaths(root=cluster.root, repo=repo_folder(settings, cluster))


def repo_folder(settings: SuiteSettings, cluster: Cluster) -> Path:
    """PARTYGRID_BACKUP_REPO, else `<data folder>/backups`; but when the cluster's user cannot
    reach the data folder (its cluster then lives in the temp folder), nor could it reach
    that: the default is then inside the cluster's own folder."""
    if settings.backup_repo is None and not cluster.root.is_relative_to(settings.data_dir):
        return cluster.root / "backups"
    return settings.backup_folder.absolute()


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
    """Written whole or not at all (archive-push may read it at any moment), 0600, the
    cluster user's, never through a link that user planted (infra/private_files.py)."""
    replace_private(path, text, user)


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
            f"or let it through (chown {user or '$USER'} {repo}; chmod o+x on the folders "
            "above), or PARTYGRID_ARCHIVE=false to run without WAL archiving and backups",
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
    the template, every time): what archiving, backups and restores need. Only for a caller
    holding the data folder's RunLock (the cluster starting, or stopped): the running
    cluster's archive_command reads this configuration, so another command rewriting it from
    its own environment would send the archive elsewhere. Others call `written`."""
    _ensure_installed(settings)
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


def _ensure_installed(settings: SuiteSettings) -> None:
    try:
        ensure_pgbackrest(install=settings.install_missing)
    except SetupError as exc:
        raise SetupError(
            exc.cause, f"{exc.fix}; or PARTYGRID_ARCHIVE=false (no WAL archiving, no backups)"
        ) from None


def _values(path: Path) -> dict[str, str]:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line and line[0] != "#")
    return {key.strip(): value.strip() for key, value in pairs}


def written(settings: SuiteSettings, cluster: Cluster) -> BackupPaths:
    """The configuration the running cluster archives with, read and left as it is; refused
    when this command's settings name another repository or another cipher pass (a cron job
    with its own PARTYGRID_BACKUP_REPO, a shell without the pass) than `partygrid up` had."""
    _ensure_installed(settings)
    paths = backup_paths(settings, cluster)
    config = _values(paths.config)
    restart = (
        "run this command with the settings partygrid up runs with (PARTYGRID_BACKUP_REPO, "
        "PARTYGRID_BACKUP_CIPHER_PASS), or stop partygrid up and start it with the new ones"
    )
    if not config:
        raise SetupError(
            f"the running cluster was started without WAL archiving (no {paths.config})",
            "stop partygrid up and start it with PARTYGRID_ARCHIVE unset (archiving is on "
            "by default)",
        )
    if config.get("repo1-path") != str(paths.repo):
        raise SetupError(
            f"the running cluster archives into {config.get('repo1-path')}, but this "
            f"command's repository is {paths.repo}",
            restart,
        )
    written_pass = _values(paths.include / CIPHER_FILE).get("repo1-cipher-pass")
    wanted = settings.backup_cipher_pass
    if (wanted.get_secret_value() if wanted else None) != written_pass:
        if written_pass is None:
            cause = "the running cluster's repository is not encrypted, but this command has a cipher pass"
        elif wanted is None:
            cause = (
                "the running cluster encrypts its repository, but this command has no cipher pass"
            )
        else:
            cause = "the running cluster encrypts its repository with another cipher pass"
        raise SetupError(cause + " (PARTYGRID_BACKUP_CIPHER_PASS)", restart)
    return paths


def run(cluster: Cluster, paths: BackupPaths, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `pgbackrest <command> ...` as the cluster's user; the superuser's password comes
    from libpq's password file (PGPASSFILE), never argv."""
    passfile = cluster.pgpass_file()
    cmd = ["env", f"PGPASSFILE={passfile}", "pgbackrest", *paths.options(), *args]
    if cluster.run_as:
        cmd = ["runuser", "-u", cluster.run_as, "--", *cmd]
    return subprocess.run(
        cmd, capture_output=True, text=True, check=False, cwd="/", umask=0o077, env=for_postgres()
    )


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
