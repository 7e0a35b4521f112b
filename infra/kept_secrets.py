"""Secrets made once per data folder and reused after: role passwords, token keys, the demo
accounts' password. Owner-only files, created with that mode before anything is written."""

from __future__ import annotations

import secrets
from pathlib import Path


def kept_secret(data_dir: Path, name: str, nbytes: int) -> str:
    """The secret in `<data_dir>/<name>`, made (random, `nbytes` of entropy) if missing."""
    path = data_dir / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(nbytes))
        path.chmod(0o600)
    return path.read_text().strip()
