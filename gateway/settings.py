"""Gateway settings, from `PARTYGRID_GATEWAY_*` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The committed supergraph sits at the repository root, next to the gateway package.
DEFAULT_SUPERGRAPH = Path(__file__).resolve().parents[1] / "supergraph.graphql"


class GatewaySettings(BaseSettings):
    """Where the gateway listens, which supergraph it serves and how it talks to subgraphs.

    `subgraph_urls` overrides the URLs written in the supergraph, by subgraph name (JSON in
    `PARTYGRID_GATEWAY_SUBGRAPH_URLS`), so the committed file need not know deployment ports.
    """

    model_config = SettingsConfigDict(env_prefix="PARTYGRID_GATEWAY_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 4000
    supergraph_path: Path = DEFAULT_SUPERGRAPH
    subgraph_urls: dict[str, str] = Field(default_factory=dict)
    fetch_timeout: float = Field(default=10.0, gt=0)
    max_body_bytes: int = Field(default=1_000_000, gt=0)
    plan_cache_size: int = Field(default=512, ge=1)
    health_timeout: float = Field(default=2.0, gt=0)
