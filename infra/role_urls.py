"""Where a `partygrid` command finds a service role's database URL: one order for every
command (given; PARTYGRID_<SERVICE>_DATABASE_URL; DATABASE_URL's server; the running private
cluster; else the private cluster prepared for the command)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


@contextlib.contextmanager
def service_database_url(service: str, explicit: str | None) -> Iterator[str]:
    """A service role's URL: given; PARTYGRID_<SERVICE>_DATABASE_URL; DATABASE_URL's server;
    the running private cluster; else the private cluster prepared for the command."""
    from infra.database import external_database, role_of
    from infra.locking import RunLock
    from infra.settings import SuiteSettings
    from infra.setup import database, private_cluster, role_password

    configured = explicit or os.environ.get(f"PARTYGRID_{service.upper()}_DATABASE_URL")
    if configured:
        yield configured
        return
    settings = SuiteSettings()
    if settings.database_url:
        db = external_database(settings.database_url, role_password=role_password(settings))
        yield db.service_urls[service]
        return
    cluster = private_cluster(settings)
    if cluster.running_pid() is not None:
        yield cluster.url(user=role_of(service), database=settings.db_name)
        return
    with RunLock(settings.data_dir), database(settings) as prepared:
        yield prepared.database.service_urls[service]
