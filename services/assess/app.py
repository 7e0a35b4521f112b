"""ASGI entry of the assess subgraph: `uvicorn services.assess.app:create_app --factory`."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict
from starlette.applications import Starlette

from services.assess.schema import QUERIES, schema
from services.common.app import create_subgraph_app
from services.common.settings import ServiceSettings


class AssessSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PARTYGRID_ASSESS_", extra="ignore")
    port: int = 4003


def create_app(settings: AssessSettings | None = None) -> Starlette:
    return create_subgraph_app(
        name="assess", schema=schema, settings=settings or AssessSettings(), queries=QUERIES
    )
