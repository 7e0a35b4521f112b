"""Files written as root into folders the cluster's user owns, without following its links.

When we are root, the cluster's folder belongs to the cluster's user (`postgres`). Had that
user been taken over, a link it plants at a name we write (`pgpass`, `pgbackrest.conf`)
would make an open-create-truncate-chown by path truncate and hand over whatever the link
names (/etc/shadow, say). So a file here is made under a fresh random name with
O_CREAT|O_EXCL|O_NOFOLLOW (a planted link fails it), given its owner and mode through the
descriptor, and renamed over the name (a rename replaces a link, never follows it), all
relative to the folder opened once with O_NOFOLLOW.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
from pathlib import Path


def replace_private(path: Path, text: str, user: str | None) -> None:
    """`path` holds `text`, whole (a reader sees the old file or the new), 0600, owned by
    `user` (None: by us)."""
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        part = f".{path.name}.{secrets.token_hex(8)}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        fd = os.open(part, flags, 0o600, dir_fd=folder)
        try:
            with os.fdopen(fd, "w") as out:
                if user is not None:
                    entry = pwd.getpwnam(user)
                    os.fchown(out.fileno(), entry.pw_uid, entry.pw_gid)
                os.fchmod(out.fileno(), 0o600)
                out.write(text)
            os.replace(part, path.name, src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(part, dir_fd=folder)
            raise
    finally:
        os.close(folder)
