"""ASGI entry of the org subgraph: `uvicorn services.org.app:create_app --factory`."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict
from starlette.applications import Starlette

from services.common.app import create_subgraph_app
from services.common.settings import ServiceSettings
from services.org.schema import QUERIES, schema


class OrgSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PARTYGRID_ORG_", extra="ignore")
    port: int = 4001


def create_app(settings: OrgSettings | None = None) -> Starlette:
    return create_subgraph_app(
        name="org", schema=schema, settings=settings or OrgSettings(), queries=QUERIES
    )
