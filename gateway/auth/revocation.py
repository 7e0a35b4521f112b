"""Ending sessions within seconds: the gateway's view of each user's session version.

Access tokens the login issues carry the user's session version (claim `sv`). Disabling a
user or setting their password raises the version (users.py), so every token issued before
is refused here as soon as the gateway has reloaded the versions, every
`session_check_seconds` (≤ 5 s). The users table is small (staff accounts), so the whole
of it is read each time, one query off the request path, and each request checks a dict.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gateway.auth.tokens import InvalidAccessTokenError
from services.common.auth import Identity

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger("gateway.auth")


@dataclass(frozen=True)
class _State:
    version: int
    disabled: bool


class SessionsNotLoadedError(Exception):
    """No session versions loaded yet: whether a token's session has ended is unknown, so
    it is neither accepted nor refused as invalid; the gateway answers 503 (AUTH_DOWN)."""


class SessionVersions:
    def __init__(self) -> None:
        self._users: dict[str, _State] = {}
        self.loaded = False

    def check(self, identity: Identity, version: int | None) -> None:
        """Raise InvalidAccessTokenError (TOKEN_REVOKED) for a token of an ended session, and
        SessionsNotLoadedError before the first load (a revoked session is never let through
        because its version was not known yet)."""
        if not self.loaded:
            raise SessionsNotLoadedError("the session versions are not loaded yet")
        state = self._users.get(identity.subject)
        if state is None:
            # Version None: not a user's session but a token minted with the access key
            # itself (the suite's tests and benchmarks do), which no login can produce. A
            # version: a user added since the last reload (users are disabled, never
            # deleted, and only a login issues versions); refusing it made a new user's
            # first requests fail for up to `session_check_seconds`. The next reload judges.
            return
        if state.disabled or version != state.version:
            raise InvalidAccessTokenError("TOKEN_REVOKED", "session ended")

    async def load(self, engine: AsyncEngine) -> None:
        # Imported here: the gateway starts the auth database layer after it is serving.
        from sqlalchemy import select

        from gateway.auth.models import user_account

        query = select(
            user_account.c.username,
            user_account.c.session_version,
            user_account.c.disabled_at.is_not(None),
        )
        async with engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        self._users = {name: _State(version, disabled) for name, version, disabled in rows}
        self.loaded = True

    @contextlib.asynccontextmanager
    async def watching(self, engine: AsyncEngine, every: float) -> AsyncIterator[None]:
        """Load now (an error raised: the caller retries, as starting needs a first load),
        then every `every` seconds while the block runs."""
        await self.load(engine)

        async def reload() -> None:
            while True:
                await asyncio.sleep(every)
                try:
                    await self.load(engine)
                except Exception:  # the database away for a moment: keep the last view
                    log.warning("could not reload session versions", exc_info=True)

        task = asyncio.create_task(reload())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
