"""ASGI entry of the org subgraph: `uvicorn services.org.app:create_app --factory`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from pydantic_settings import SettingsConfigDict
from starlette.applications import Starlette

from services.common.app import create_subgraph_app
from services.common.settings import ServiceSettings
from services.org.context import OrgContext, OrgLoaders
from services.org.grid_client import GridClient
from services.org.regions.routes import IMPORT_ROUTES
from services.org.roster.routes import ROUTES as ROSTER_ROUTES
from services.org.schema import schema


class OrgSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PARTYGRID_ORG_", extra="ignore")
    port: int = 4001
    # The grid subgraph, asked about zones and buildings (placement rules, dissolution).
    grid_url: str = "http://127.0.0.1:4002/graphql"
    grid_timeout: float = 10.0


def create_app(settings: OrgSettings | None = None) -> Starlette:
    settings = settings or OrgSettings()

    @contextlib.asynccontextmanager
    async def resources() -> AsyncIterator[dict[str, Any]]:
        async with httpx.AsyncClient(timeout=settings.grid_timeout) as client:
            yield {"grid": GridClient(settings.grid_url, client)}

    return create_subgraph_app(
        name="org",
        schema=schema,
        settings=settings,
        context_type=OrgContext,
        loaders=OrgLoaders,
        resources=resources,
        # /imports/regions; /imports, /templates and /exports of the rosters
        routes=[*IMPORT_ROUTES, *ROSTER_ROUTES],
    )
