"""Everything before the services start: database, schemas, roles, migrations, data.

Used by `partygrid up`, `partygrid setup` and the test suite, so all three prepare the
database the same way.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Iterator
from dataclasses import dataclass

from infra.cluster import Cluster, cluster_root, cluster_user, ensure_postgis, find_bindir
from infra.data_folder import make_private
from infra.database import (
    Database,
    create_database,
    external_database,
    prepare_schemas,
    role_of,
)
from infra.kept_secrets import kept_secret
from infra.settings import AUTH_SCHEMA, SERVICES, SuiteSettings


@dataclass(frozen=True)
class Prepared:
    database: Database
    cluster: Cluster | None  # None when DATABASE_URL points elsewhere
    demo_loaded_now: bool


def private_cluster(settings: SuiteSettings) -> Cluster:
    bindir = find_bindir(settings.pg_bindir)
    user = cluster_user(settings.pg_user)
    # 0700, and the cluster's user's when we are root, so that it can reach its folder.
    make_private(settings.data_dir, owner=user)
    return Cluster(root=cluster_root(settings.data_dir, user), bindir=bindir, run_as=user)


def role_password(settings: SuiteSettings) -> str:
    """The service roles' password on an external server: set, or made once and kept."""
    return settings.role_password or kept_secret(settings.data_dir, "role-password", 24)


def token_keys(settings: SuiteSettings) -> dict[str, str]:
    """The signing keys every process gets in its environment (set, or made once and kept):
    the internal token's, shared by gateway and subgraphs, and the access tokens', the
    gateway's alone (see `infra.supervisor`)."""
    return {
        "internal": settings.internal_token_key
        or kept_secret(settings.data_dir, "internal-token-key", 48),
        "access": settings.access_token_key
        or kept_secret(settings.data_dir, "access-token-key", 48),
    }


@contextlib.contextmanager
def database(
    settings: SuiteSettings, *, fast_unsafe: bool = False, recovering: bool = False
) -> Iterator[Prepared]:
    """Yield a migrated database; the private cluster is stopped on exit.

    Call it holding the data folder's RunLock: the cluster then belongs to this run alone.
    The private cluster archives its WAL with pgBackRest (`infra.backup`) unless
    PARTYGRID_ARCHIVE is off or it is a throw-away test cluster (`fast_unsafe`).
    `recovering`: the cluster was just restored; wait for its promotion and remove the
    restore's recovery settings before migrating.
    """
    if settings.database_url:
        db = external_database(settings.database_url, role_password=role_password(settings))
        prepare_and_migrate(db, what="DATABASE_URL")
        yield Prepared(db, None, settings.demo and _load_demo_once(db, settings))
        return
    cluster = private_cluster(settings)
    if fast_unsafe:
        cluster = dataclasses.replace(cluster, fast_unsafe=True)
    ensure_postgis(cluster.bindir, install=settings.install_missing)
    backup_paths = None
    if settings.archive and not fast_unsafe:
        from infra import pgbackrest  # only for clusters that archive

        backup_paths = pgbackrest.prepare(settings, cluster)
        cluster = dataclasses.replace(cluster, archive_command=backup_paths.archive_command())
    cluster.initialize()
    if not cluster.start():
        # Callers hold the data folder's run lock, so a running cluster here was left by a
        # run that died (SIGKILL, power loss): adopt it, and stop it like our own.
        print("partygrid: reusing the cluster an earlier run left running", flush=True)
    try:
        if recovering:
            cluster.wait_promoted()
            cluster.reset_recovery_settings()
        if backup_paths is not None:
            pgbackrest.start_archiving(cluster, backup_paths)
        create_database(cluster.conninfo(), settings.db_name)
        db = Database(
            admin_conninfo=cluster.conninfo(database=settings.db_name),
            service_urls={
                name: cluster.url(user=role_of(name), database=settings.db_name)
                for name in SERVICES
            },
            role_password=cluster.role_password,
            auth_url=cluster.url(user=role_of(AUTH_SCHEMA), database=settings.db_name),
        )
        prepare_and_migrate(db, what="the private cluster")
        yield Prepared(db, cluster, settings.demo and _load_demo_once(db, settings))
    finally:
        cluster.stop()


def prepare_and_migrate(db: Database, *, what: str) -> None:
    """Roles and schemas, every service's migrations and the users', and reference data."""
    # Imported here: migrations and domain modules cost seconds that `partygrid user list`
    # or `--help` (which import this module for private_cluster) must not pay.
    from sqlalchemy import create_engine, pool

    from gateway.auth.migrate import upgrade_auth
    from services.assess.commendations.evaluation import install_default_criteria
    from services.assess.standard.documents import ensure_default_standard
    from services.common.migrations import upgrade

    prepare_schemas(db, what=what)
    for name in SERVICES:
        upgrade(name, db.service_urls[name])
    if db.auth_url:  # a Database made by hand (tests) may leave the users' schema out
        upgrade_auth(db.auth_url)
    engine = create_engine(db.service_urls["assess"], poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            ensure_default_standard(conn)
            install_default_criteria(conn)
    finally:
        engine.dispose()


def _load_demo_once(db: Database, settings: SuiteSettings) -> bool:
    """Load the demo district into an empty database; a second run reuses the data. Its
    sign-in accounts are made too, where missing (infra.demo.users)."""
    from infra.demo.users import PASSWORD_FILE, ensure_demo_users

    loaded_now = _load_demo_data(db, settings.demo_seed)
    if db.auth_url:
        made = ensure_demo_users(db.auth_url, db.service_urls["org"], settings.data_dir)
        if made:
            print(
                f"partygrid: demo sign-in accounts {', '.join(made)}; their password is in "
                f"{settings.data_dir / PASSWORD_FILE}",
                flush=True,
            )
    return loaded_now


def _load_demo_data(db: Database, seed: int) -> bool:
    from infra.demo import load as demo_load

    if demo_load.is_loaded(db.service_urls["org"]):
        return False
    from infra.demo.generate import generate  # generation costs seconds: only when needed

    started = time.monotonic()
    demo = generate(seed)
    demo_load.load(demo, org_url=db.service_urls["org"], grid_url=db.service_urls["grid"])
    print(
        f"partygrid: loaded the demo district ({len(demo.communities)} communities, "
        f"{len(demo.buildings)} buildings, {len(demo.members)} members) "
        f"in {time.monotonic() - started:.1f} s",
        flush=True,
    )
    return True
