"""The environment our children inherit: ours, less the secrets that are ours alone.

The repository's cipher pass (PARTYGRID_BACKUP_CIPHER_PASS) is read by `partygrid` to write
pgBackRest's owner-only cipher file; PostgreSQL (its archiver runs pgBackRest, which reads
that file) and the services need it in no environment, where any process of the same user
could read it (/proc/<pid>/environ).
"""

from __future__ import annotations

import os

PARENT_ONLY = ("PARTYGRID_BACKUP_CIPHER_PASS",)


def inherited() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name not in PARENT_ONLY}
