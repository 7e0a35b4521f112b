"""ASGI entry of the grid subgraph: `uvicorn services.grid.app:create_app --factory`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from pydantic_settings import SettingsConfigDict
from starlette.applications import Starlette

from services.common.app import create_subgraph_app
from services.common.settings import ServiceSettings
from services.grid.context import GridContext, GridLoaders
from services.grid.org_client import OrgClient
from services.grid.schema import schema
from services.grid.tiles import TileSettings, tile_routes
from services.grid.transfer.routes import IMPORT_ROUTES


class GridSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PARTYGRID_GRID_", extra="ignore")
    port: int = 4002
    # The org subgraph, asked who organizations are and who lives in buildings.
    org_url: str = "http://127.0.0.1:4001/graphql"
    org_timeout: float = 10.0


def create_app(
    settings: GridSettings | None = None, tiles: TileSettings | None = None
) -> Starlette:
    settings = settings or GridSettings()

    @contextlib.asynccontextmanager
    async def resources() -> AsyncIterator[dict[str, Any]]:
        async with httpx.AsyncClient(timeout=settings.org_timeout) as client:
            yield {"org": OrgClient(settings.org_url, client)}

    return create_subgraph_app(
        name="grid",
        schema=schema,
        settings=settings,
        context_type=GridContext,
        loaders=GridLoaders,
        resources=resources,
        routes=[*tile_routes(tiles), *IMPORT_ROUTES],  # tiles; POST /imports/{kind}
    )
