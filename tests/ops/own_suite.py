"""A whole PartyGrid on a cluster of its own, for tests that kill, fill, copy or restore its
database (tests/ops, the slow tier).

The session's shared test cluster runs with fsync and synchronous_commit off (fast, and
nothing there must survive a crash), and every other test needs it alive: these tests never
touch it. Each own suite is a fresh private cluster with the product's settings (fsync,
synchronous commits, full page writes, page checksums) under the test data folder, migrated
and holding the demo district, made the way `partygrid up` makes it (`infra.setup.database`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.auth import users
from gateway.auth.models import refresh_token
from gateway.auth.tokens import new_refresh_token, refresh_token_hash
from infra.cluster import Cluster
from infra.locking import RunLock
from infra.settings import SuiteSettings
from infra.setup import Prepared, database, private_cluster, token_keys
from infra.stack import services
from stack import TEST_DATA_DIR, Running

OPS_DB = "partygrid"


def ops_settings(name: str, **overrides: object) -> SuiteSettings:
    """Settings of the own suite `name`: its data folder is `<test data>/ops-<name>`."""
    data_dir = TEST_DATA_DIR / f"ops-{name}"
    values: dict[str, object] = {
        "data_dir": data_dir,
        "db_name": OPS_DB,
        "archive": False,
        # Never the operator's: these tests delete, restore and spend what they reach.
        "database_url": None,
        "backup_repo": data_dir / "backups",
        "backup_cipher_pass": None,
        "access_token_key": None,
        "internal_token_key": None,
        "role_password": None,
        **overrides,
    }
    return SuiteSettings(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class OwnDatabase:
    settings: SuiteSettings
    prepared: Prepared

    @property
    def cluster(self) -> Cluster:
        assert self.prepared.cluster is not None
        return self.prepared.cluster


def _remove(settings: SuiteSettings) -> None:
    root = private_cluster(settings).root
    if root.exists() and not root.is_relative_to(settings.data_dir):
        shutil.rmtree(root, ignore_errors=True)  # the cluster lives in the temp folder
    shutil.rmtree(settings.data_dir, ignore_errors=True)


@contextlib.contextmanager
def own_database(settings: SuiteSettings) -> Iterator[OwnDatabase]:
    """A brand-new cluster for `settings` (whatever an earlier run left is removed), prepared
    like `partygrid up` prepares one; stopped and removed at the end. Not for DATABASE_URL."""
    settings = settings.model_copy(update={"database_url": None})
    cluster = private_cluster(settings)
    cluster.stop()  # a run that died may have left it running
    _remove(settings)
    try:
        with RunLock(settings.data_dir), database(settings) as prepared:
            yield OwnDatabase(settings, prepared)
    finally:
        _remove(settings)


@contextlib.contextmanager
def own_services(own: OwnDatabase, logs: Path) -> Iterator[Running]:
    """org, grid, assess and the gateway on the own database, on free 127.0.0.1 ports."""
    keys = token_keys(own.settings)
    with services(own.prepared.database, keys, logs) as stack:
        yield Running(stack.subgraphs, stack.gateway, stack.supervisor, keys)


# -- an own suite whose cluster is stopped, restored and started again --------------------------
# `own_database` holds the run lock for its whole life and removes the cluster when it ends;
# `partygrid restore` refuses to run while a run holds the lock. A restore drill keeps the
# data folder across runs instead: `own_folder` for the whole drill, `own_run` for each life
# of the cluster between restores.


@contextlib.contextmanager
def own_folder(settings: SuiteSettings) -> Iterator[SuiteSettings]:
    """A brand-new data folder for `settings` (whatever an earlier run left is removed),
    holding no cluster yet; at the end its cluster is stopped and everything removed."""
    settings = settings.model_copy(update={"database_url": None})
    private_cluster(settings).stop()  # a run that died may have left it running
    _remove(settings)
    try:
        yield settings
    finally:
        private_cluster(settings).stop()
        _remove(settings)


@contextlib.contextmanager
def own_run(settings: SuiteSettings) -> Iterator[OwnDatabase]:
    """One run on an `own_folder`: the run lock taken and the cluster made or started and
    migrated, like `partygrid up`; at the end the cluster is stopped and the lock released,
    its files kept for the next run (or a restore)."""
    with RunLock(settings.data_dir), database(settings) as prepared:
        yield OwnDatabase(settings, prepared)


async def user_with_refresh_token(auth_url: str, username: str, password: str, role: str) -> str:
    """A user of the demo district, and a live refresh token of theirs stored as a sign-in
    stores it (a restore must spend it)."""
    engine = create_async_engine(auth_url)
    token = new_refresh_token()
    try:
        async with engine.begin() as conn:
            user = await users.add_user(
                conn, username=username, password=password, role=role, region_code="410104"
            )
            await conn.execute(
                insert(refresh_token).values(
                    id=uuid.uuid4(),
                    user_id=user.id,
                    token_hash=refresh_token_hash(token),
                    expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=7),
                )
            )
    finally:
        await engine.dispose()
    return token
