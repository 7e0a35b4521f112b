"""Who the services run as when `partygrid` is started as root, and letting that user reach
the Python that runs them.

The services never keep root: they run as PARTYGRID_PG_USER (`postgres` by default, the
user that already runs the private cluster, so they reach its socket). That user must be
able to run this interpreter; one installed inside a private folder (pyenv under /root, say)
is reached by adding a search-only ACL entry for that one user to the folders that stop it:
no other user gains anything, and nothing there becomes listable or readable."""

from __future__ import annotations

import functools
import os
import pwd
import stat
import struct
import subprocess
import sys
from pathlib import Path

from infra.errors import SetupError

_ACL = "system.posix_acl_access"
_VERSION = 2
_USER_OBJ, _USER, _GROUP_OBJ, _GROUP, _MASK, _OTHER = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
_NO_ID = 0xFFFFFFFF
_SEARCH = 1


def service_user() -> str | None:
    """None (run as ourselves) unless we are root; then the unprivileged PARTYGRID_PG_USER."""
    if os.geteuid() != 0:
        return None
    from infra.settings import SuiteSettings  # the environment, as `partygrid up` reads it

    return SuiteSettings().pg_user


def account(user: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(user)
    except KeyError:
        raise SetupError(
            f"the user {user!r} to run the services as does not exist",
            "create it (useradd --system postgres) or set PARTYGRID_PG_USER to one",
        ) from None


@functools.cache
def ensure_can_run_python(user: str) -> None:
    """Make sure `user` can start this interpreter and import the services (once per run)."""
    if _probe(user) == "":
        return
    entry = account(user)
    targets = (Path(sys.executable).resolve(), Path(sys.base_prefix).resolve())
    blocking = {f for target in targets for f in target.parents if not _may_search(f, entry)}
    for folder in sorted(blocking):
        _grant_search(folder, entry.pw_uid)
        print(f"partygrid: let user {user!r} pass through {folder} (search only)", flush=True)
    if (problem := _probe(user)) != "":
        raise SetupError(
            f"the user {user!r} cannot run the services' Python ({sys.executable}): {problem}",
            "install Python and .venv where that user can read them, or set PARTYGRID_PG_USER",
        )


def _probe(user: str) -> str:
    done = subprocess.run(
        ["runuser", "-u", user, "--", sys.executable, "-c", "import uvicorn, infra"],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    if done.returncode == 0:
        return ""
    lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
    return lines[-1] if lines else f"exit status {done.returncode}"


def _may_search(folder: Path, entry: pwd.struct_passwd) -> bool:
    info = folder.stat()
    if info.st_uid == entry.pw_uid:
        return bool(info.st_mode & stat.S_IXUSR)
    groups = {entry.pw_gid, *os.getgrouplist(entry.pw_name, entry.pw_gid)}
    if info.st_gid in groups:
        return bool(info.st_mode & stat.S_IXGRP)
    return bool(info.st_mode & stat.S_IXOTH)


def _grant_search(folder: Path, uid: int) -> None:
    """Add `user:<uid>:--x` to the folder's access ACL (kept entries as they are)."""
    try:
        raw = os.getxattr(folder, _ACL)
        entries = [struct.unpack_from("<HHI", raw, 4 + 8 * i) for i in range((len(raw) - 4) // 8)]
    except OSError:
        mode = folder.stat().st_mode
        entries = [
            (_USER_OBJ, (mode >> 6) & 7, _NO_ID),
            (_GROUP_OBJ, (mode >> 3) & 7, _NO_ID),
            (_OTHER, mode & 7, _NO_ID),
        ]
    by_key = {(tag, ident): perm for tag, perm, ident in entries}
    by_key[(_USER, uid)] = by_key.get((_USER, uid), 0) | _SEARCH
    group_obj = by_key[(_GROUP_OBJ, _NO_ID)]
    # The mask bounds named entries and the owning group: widen it by search alone.
    by_key[(_MASK, _NO_ID)] = by_key.get((_MASK, _NO_ID), group_obj) | _SEARCH
    packed = struct.pack("<I", _VERSION) + b"".join(
        struct.pack("<HHI", tag, perm, ident) for (tag, ident), perm in sorted(by_key.items())
    )
    try:
        os.setxattr(folder, _ACL, packed)
    except OSError as exc:
        raise SetupError(
            f"cannot let the services' user through {folder}: {exc.strerror}",
            "install Python where that user can read it, or set PARTYGRID_PG_USER",
        ) from exc
