"""ASGI entry of the assess subgraph: `uvicorn services.assess.app:create_app --factory`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from pydantic import Field
from pydantic_settings import SettingsConfigDict
from starlette.applications import Starlette

from services.assess.context import AssessContext, AssessLoaders
from services.assess.records.evidence import DEFAULT_MAX_BYTES
from services.assess.records.routes import evidence_routes
from services.assess.reports.routes import ROUTES as REPORT_ROUTES
from services.assess.schema import schema
from services.assess.shared.peers import Peers
from services.common.app import create_subgraph_app
from services.common.settings import ServiceSettings


class AssessSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PARTYGRID_ASSESS_", extra="ignore")
    port: int = 4003
    # org and grid, asked directly as the service itself (computed indicators, communities).
    org_url: str = "http://127.0.0.1:4001/graphql"
    grid_url: str = "http://127.0.0.1:4002/graphql"
    peer_timeout: float = 30.0  # a whole district's facts in one read
    # Evidence files (issue 7: "size and type limits"): the largest upload, in bytes.
    evidence_max_bytes: int = Field(default=DEFAULT_MAX_BYTES, gt=0)


def create_app(settings: AssessSettings | None = None) -> Starlette:
    settings = settings or AssessSettings()

    @contextlib.asynccontextmanager
    async def resources() -> AsyncIterator[dict[str, Any]]:
        async with httpx.AsyncClient(timeout=settings.peer_timeout) as client:
            urls = {"org": settings.org_url, "grid": settings.grid_url}
            yield {"peers": Peers.connect(urls, client)}

    return create_subgraph_app(
        name="assess",
        schema=schema,
        settings=settings,
        context_type=AssessContext,
        loaders=AssessLoaders,
        resources=resources,
        # /reports/{code}/{YYYY-MM}.xlsx and /evidence, behind the same guard as /graphql
        routes=[*REPORT_ROUTES, *evidence_routes(settings.evidence_max_bytes)],
    )
