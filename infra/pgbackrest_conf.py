"""pgBackRest's configuration for the private cluster: every path inside the cluster's folder
or the backup repository, nothing in /etc or /var.

Written from this template whenever the cluster is prepared under the data folder's RunLock
(`partygrid up`, `setup`, `restore`, or a backup command that starts the cluster itself), like
pg_hba.conf: edits are replaced. A backup command under a running suite reads it and refuses
settings that differ (`infra.pgbackrest.written`). The file holds no secret: pgBackRest signs in with libpq's
password file (`Cluster.pgpass_file`), and the repository's cipher pass, when one is set, goes
into a file of its own beside it (`cipher.conf` in the include folder, owner-only), so the
configuration can be shown or copied without giving anything away.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STANZA = "partygrid"
# pgBackRest has no cipher-pass option that stays out of argv and the environment of
# PostgreSQL's archiver, so the pass lives in this file of the include folder (0600).
CIPHER_FILE = "cipher.conf"
CIPHER_TYPE = "aes-256-cbc"
# When the repository cannot be reached, PostgreSQL keeps its WAL until it is archived and
# the disk fills (then it stops). Past this much queued WAL, pgBackRest drops it and says the
# push succeeded: the database keeps running, and no moment after the hole can be restored
# from a backup older than it. The archiver counts no failure then: `partygrid backups` and
# `partygrid backup` find the hole in the archive itself (infra/timelines.py `gaps`).
ARCHIVE_QUEUE_MAX = "4GiB"


@dataclass(frozen=True)
class BackupPaths:
    """Where pgBackRest reads and writes for one private cluster."""

    root: Path  # the cluster's folder (data/, run/, ...)
    repo: Path  # the repository: put it on another disk

    @property
    def config(self) -> Path:
        return self.root / "pgbackrest.conf"

    @property
    def work(self) -> Path:
        """pgBackRest's lock, log and spool folders live here."""
        return self.root / "backup"

    @property
    def include(self) -> Path:
        return self.work / "conf.d"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "run"

    def options(self) -> list[str]:
        """The options every pgBackRest call takes (archive-push in PostgreSQL's
        archive_command included): no secret among them."""
        return [
            f"--config={self.config}",
            f"--config-include-path={self.include}",
            f"--stanza={STANZA}",
        ]

    def archive_command(self) -> str:
        return " ".join(["pgbackrest", *self.options(), "archive-push", "%p"])


def config_text(
    paths: BackupPaths, *, retention_full: int, encrypted: bool, socket_port: int, admin: str
) -> str:
    """pgbackrest.conf for the cluster in `paths.root`, backing up into `paths.repo`."""
    cipher = f"repo1-cipher-type={CIPHER_TYPE}\n" if encrypted else ""
    return f"""\
# Written by partygrid (infra/pgbackrest_conf.py) whenever the cluster is prepared; edits here are
# replaced. Secrets are elsewhere: the database password in {paths.root / "pgpass"}, the
# repository's cipher pass (when set) in {paths.include / CIPHER_FILE}.
[global]
repo1-path={paths.repo}
repo1-retention-full={retention_full}
{cipher}lock-path={paths.work / "lock"}
log-path={paths.work / "log"}
spool-path={paths.work / "spool"}
# Files made with the maker's umask (0077: PostgreSQL's, and ours for these calls), not
# pgBackRest's group-readable 0640: nothing here is readable by anyone but the cluster's user.
neutral-umask=n
log-level-console=warn
log-level-file=info
start-fast=y
compress-type=zst
process-max=2
archive-async=y
archive-push-queue-max={ARCHIVE_QUEUE_MAX}
archive-get-queue-max=256MiB

[{STANZA}]
pg1-path={paths.data}
pg1-socket-path={paths.socket_dir}
pg1-port={socket_port}
pg1-user={admin}
"""


def cipher_text(cipher_pass: str) -> str:
    return f"[global]\nrepo1-cipher-pass={cipher_pass}\n"
