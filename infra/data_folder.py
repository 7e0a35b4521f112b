"""The data folder (cluster, secrets, locks, logs, workbooks) is its owner's alone: 0700."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

LOCK_NAME = "partygrid.lock"
# What only a PartyGrid data folder holds: the run lock, `./partygrid`'s bootstrap lock, a
# private cluster.
MARKERS = (LOCK_NAME, "bootstrap.lock", "pg")


def make_private(data_dir: Path, owner: str | None = None) -> None:
    """Create `data_dir` if missing and make it mode 0700; when `owner` is given (we are
    root and an unprivileged user runs the cluster inside) hand the folder itself to it.

    Only a folder that is ours is changed: one we just made, an empty one, or one holding
    our locks or cluster. A folder given by hand that holds other things ($HOME, /srv) is left as
    it is, so a mistaken PARTYGRID_DATA_DIR never locks its owner out."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not any((data_dir / name).exists() for name in MARKERS) and any(data_dir.iterdir()):
        return
    if owner is not None:
        entry = pwd.getpwnam(owner)
        os.chown(data_dir, entry.pw_uid, entry.pw_gid)
    data_dir.chmod(0o700)
