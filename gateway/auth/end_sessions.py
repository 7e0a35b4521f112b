"""Ending every session at once, after the database was restored to an earlier moment.

A restore brings back refresh tokens as they were then: one used since is unused again and
would refresh once more. Spending every live one (used and expired now) makes each holder
sign in again; access tokens end with the signing key, which the restore replaces
(infra/backup.py)."""

from __future__ import annotations

from sqlalchemy import Connection, func, update

from gateway.auth.models import refresh_token


def end_every_session(conn: Connection) -> int:
    """Spend every unused refresh token; returns how many there were."""
    done = conn.execute(
        update(refresh_token)
        .where(refresh_token.c.used_at.is_(None))
        .values(used_at=func.now(), expires_at=func.least(refresh_token.c.expires_at, func.now()))
    )
    return int(done.rowcount)
