"""Gateway settings, from `PARTYGRID_GATEWAY_*` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.field_costs import weights
from gateway.limits import Introspection, Limits
from services.common.settings import ImportSettings

# The committed supergraph sits at the repository root, next to the gateway package.
DEFAULT_SUPERGRAPH = Path(__file__).resolve().parents[1] / "supergraph.graphql"


class GatewaySettings(BaseSettings):
    """Where the gateway listens, which supergraph it serves, how it talks to subgraphs, and
    what one operation may ask for.

    `subgraph_urls` overrides the URLs written in the supergraph, by subgraph name (JSON in
    `PARTYGRID_GATEWAY_SUBGRAPH_URLS`), so the committed file need not know deployment ports.
    `subgraph_timeouts` overrides `fetch_timeout` (seconds) for the subgraphs it names.

    Limits (each breach is a GraphQL error with its own `extensions.code`; nothing runs):
    `max_depth` fields deep, `max_aliases` aliases, `max_tokens` lexical tokens (the parser
    stops there), `max_repeated_fields` fields repeated under a response name already selected
    (validation is quadratic in them), `max_cost` estimated response fields where a list counts
    its `first`/`limit` or `default_list_size` items. `introspection`: "always", "never", or
    "authenticated" (only for authenticated callers; everyone while auth is not configured);
    validation errors suggest names ("Did you mean …") only to callers who may introspect.
    `max_work`: estimated backend work (fields weighted by `gateway.field_costs`, in units of
    a cheap read; `field_costs` overrides weights by "Type.field", JSON such as
    `{"Query.findings": {"district": 300, "street": 40, "community": 5}}`); an operation of at
    least `expensive_work` is expensive and a caller may run `max_expensive_in_flight` of those
    at once (beyond: TOO_MANY_EXPENSIVE_OPERATIONS, HTTP 429, Retry-After). Services of the
    suite are exempt from both.

    `access_log`: "stderr", "off", or a file path to append JSON lines to.
    `max_upload_bytes`: the door's cap on an evidence file (`/files/evidence`); assess applies
    its own limit (the same by default).
    `override_labels`: progressive-override labels (`@override(label:)`, not `percent(...)`)
    this gateway enables; `percent(P)` labels are enabled for P percent of requests.
    `max_import_bytes`: the door's cap on a file imported through `/imports/{kind}`; by
    default the services' own cap (PARTYGRID_MAX_IMPORT_BYTES, 50 MiB), which they apply too.
    """

    model_config = SettingsConfigDict(env_prefix="PARTYGRID_GATEWAY_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 4000
    supergraph_path: Path = DEFAULT_SUPERGRAPH
    subgraph_urls: dict[str, str] = Field(default_factory=dict)
    fetch_timeout: float = Field(default=10.0, gt=0)
    subgraph_timeouts: dict[str, float] = Field(default_factory=dict)
    max_body_bytes: int = Field(default=1_000_000, gt=0)
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    max_import_bytes: int = Field(default_factory=lambda: ImportSettings().max_import_bytes, gt=0)
    plan_cache_size: int = Field(default=512, ge=1)
    health_timeout: float = Field(default=2.0, gt=0)
    max_depth: int = Field(default=Limits.max_depth, ge=1)
    max_aliases: int = Field(default=Limits.max_aliases, ge=0)
    max_tokens: int = Field(default=5000, ge=1)
    max_repeated_fields: int = Field(default=Limits.max_repeated_fields, ge=0)
    max_cost: int = Field(default=Limits.max_cost, ge=1)
    default_list_size: int = Field(default=Limits.default_list_size, ge=1)
    introspection: Introspection = Limits.introspection
    max_work: int = Field(default=Limits.max_work, ge=1)
    expensive_work: int = Field(default=Limits.expensive_work, ge=1)
    max_expensive_in_flight: int = Field(default=Limits.max_expensive_in_flight, ge=1)
    field_costs: dict[str, dict[str, int]] = Field(default_factory=dict)
    access_log: str = "stderr"
    override_labels: list[str] = Field(default_factory=list)

    @field_validator("subgraph_timeouts")
    @classmethod
    def _positive_timeouts(cls, timeouts: dict[str, float]) -> dict[str, float]:
        bad = sorted(name for name, seconds in timeouts.items() if not seconds > 0)
        if bad:
            raise ValueError(f"subgraph timeouts must be positive seconds: {', '.join(bad)}")
        return timeouts

    @field_validator("field_costs")
    @classmethod
    def _known_levels(cls, costs: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
        weights(costs)  # raises ValueError naming the entry at fault
        return costs

    def limits(self) -> Limits:
        """The operation limits these settings set."""
        return Limits(
            max_depth=self.max_depth,
            max_aliases=self.max_aliases,
            max_repeated_fields=self.max_repeated_fields,
            max_cost=self.max_cost,
            default_list_size=self.default_list_size,
            introspection=self.introspection,
            max_work=self.max_work,
            expensive_work=self.expensive_work,
            max_expensive_in_flight=self.max_expensive_in_flight,
            field_costs=weights(self.field_costs),
        )
