"""ASGI entry of the grid subgraph: `uvicorn services.grid.app:create_app --factory`."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict
from starlette.applications import Starlette

from services.common.app import create_subgraph_app
from services.common.settings import ServiceSettings
from services.grid.schema import QUERIES, schema


class GridSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PARTYGRID_GRID_", extra="ignore")
    port: int = 4002


def create_app(settings: GridSettings | None = None) -> Starlette:
    return create_subgraph_app(
        name="grid", schema=schema, settings=settings or GridSettings(), queries=QUERIES
    )
