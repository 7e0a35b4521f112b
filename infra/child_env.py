"""The environment our children inherit: ours, less the secrets that are ours alone.

The repository's cipher pass (PARTYGRID_BACKUP_CIPHER_PASS) is read by `partygrid` to write
pgBackRest's owner-only cipher file; PostgreSQL (its archiver runs pgBackRest, which reads
that file) and the services need it in no environment, where any process of the same user
could read it (/proc/<pid>/environ). PostgreSQL's own programs and pgBackRest (run as the
cluster's user) need none of our settings' secrets either: admin URLs with their passwords,
role passwords, signing keys (`for_postgres`).
"""

from __future__ import annotations

import os

PARENT_ONLY = ("PARTYGRID_BACKUP_CIPHER_PASS",)
_SECRET_SUFFIXES = ("_KEY", "_PASSWORD", "_PASS", "_DATABASE_URL", "_URL")


def inherited() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name not in PARENT_ONLY}


def _ours_and_secret(name: str) -> bool:
    if name in PARENT_ONLY or name == "DATABASE_URL":
        return True
    return name.startswith("PARTYGRID_") and name.endswith(_SECRET_SUFFIXES)


def for_postgres() -> dict[str, str]:
    """What PostgreSQL's server and client programs and pgBackRest inherit: ours, less every
    setting of ours that is or holds a secret."""
    return {name: value for name, value in os.environ.items() if not _ours_and_secret(name)}
