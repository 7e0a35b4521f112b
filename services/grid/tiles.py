"""Vector tiles of the grid: `GET /tiles/{layer}/{z}/{x}/{y}.pbf` (Mapbox Vector Tiles).

Large scopes (a street, a district) are drawn from tiles made by PostGIS (`ST_AsMVT`) rather
than from inlined GeoJSON (ARCHITECTURE "Maps"). Three layers, each one MVT layer of the
same name:

- `zones`: id, name, community, has_organization (a grid branch or a zone Party group).
- `buildings`: id, name, state (covered, gap or orphan). States come from grid data and the
  kinds of the tile's communities, asked of org (inferred from the grid when org does not
  answer); resident Party members are not asked for per tile, so "gap with resident members"
  is not a tile state (the coverage pages ask the graph for it).
- `gaps`: zones without an organization (kind zone, state no_organization) and buildings in
  state gap or orphan (kind building).

Below `buildings_min_zoom` a tile holds zones only (buildings are too small to see and too
many to ship); every layer is capped at `max_features` per tile. A tile shows only the
caller's region (the internal token's); `?community=CODE` (any region code) narrows it, and
a code outside the caller's region is 403; `?limit=N` lowers the cap. The SQL lives in
`sql/queries/tiles_*.sql`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Select, bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.common.auth import current_identity, is_region_code
from services.common.subgraph_client import SubgraphUnavailableError
from services.grid.models import SRID, community
from services.grid.org_client import OrgClient
from services.grid.sql import query

MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
LAYERS = ("zones", "buildings", "gaps")


class TileSettings(BaseSettings):
    """How tiles are cut: zoom thresholds, the feature cap, MVT geometry and caching."""

    model_config = SettingsConfigDict(env_prefix="PARTYGRID_GRID_TILES_", extra="ignore")

    max_zoom: int = 22
    # Below this zoom, tiles hold zones only: the buildings layer is empty and the gaps
    # layer lists zones without an organization.
    buildings_min_zoom: int = 14
    max_features: int = 10_000  # per layer per tile
    extent: int = 4096  # MVT tile coordinate space
    buffer: int = 256  # extent units drawn beyond the tile edge, so strokes join up
    cache_max_age: int = 60  # seconds; edits to zones show within a minute

    @model_validator(mode="after")
    def _consistent(self) -> TileSettings:
        if not 0 <= self.buildings_min_zoom <= self.max_zoom <= 30:
            raise ValueError("need 0 <= buildings_min_zoom <= max_zoom <= 30")
        if self.max_features < 1 or self.extent < 1 or self.buffer < 0:
            raise ValueError("max_features and extent must be positive, buffer not negative")
        return self


@dataclass(frozen=True)
class Tile:
    """One tile address in the Web Mercator quad tree (XYZ scheme, y down)."""

    z: int
    x: int
    y: int


@dataclass(frozen=True)
class TileData:
    """An encoded MVT layer and how many features it holds."""

    content: bytes
    features: int


class TileRequestError(ValueError):
    """A tile request that names no tile or no layer (HTTP 400)."""


@functools.cache
def _layer_sql(layer: str) -> str:
    """The layer's SQL, with the shared building-state CTEs put in where it asks for them."""
    return query(f"tiles_{layer}").replace(
        "{building_states}", query("tiles_building_states").strip()
    )


def parse_tile(z: str, x: str, y: str, *, max_zoom: int) -> Tile:
    """Validate a tile address: 0 <= z <= max_zoom and 0 <= x, y < 2^z."""
    try:
        tile = Tile(int(z), int(x), int(y))
    except ValueError:
        raise TileRequestError(f"z, x and y must be integers, got {z}/{x}/{y}") from None
    if not 0 <= tile.z <= max_zoom:
        raise TileRequestError(f"z must be within 0..{max_zoom}, got {tile.z}")
    size = 1 << tile.z
    if not (0 <= tile.x < size and 0 <= tile.y < size):
        raise TileRequestError(f"x and y must be within 0..{size - 1} at z {tile.z}")
    return tile


@functools.cache
def _touched() -> Select[str]:
    """The codes of the communities (of an area, a LIKE prefix) whose boxes meet a tile."""
    envelope = func.ST_TileEnvelope(bindparam("z"), bindparam("x"), bindparam("y"))
    return select(community.c.code).where(
        community.c.boundary.op("&&")(func.ST_Transform(envelope, SRID)),
        community.c.code.like(bindparam("area")),
    )


async def _branch_communities(
    conn: AsyncConnection, org: OrgClient | None, tile: Tile, area: str
) -> list[str] | None:
    """The branch (党支部) communities among those the tile touches, as org says; None when
    there is no org client or org does not answer (the SQL then infers kinds)."""
    if org is None:
        return None
    codes = list(
        await conn.scalars(_touched(), {"z": tile.z, "x": tile.x, "y": tile.y, "area": area})
    )
    if not codes:
        return []
    try:
        kinds = await org.community_kinds(codes, cached=True)
    except SubgraphUnavailableError:
        return None
    return [code for code, kind in kinds.items() if kind == "branch"]


@dataclass(frozen=True)
class TileAsk:
    """What a caller asks for: a layer of a tile, of a region (a code prefix: "" for all),
    with at most `limit` features (None: the settings' cap)."""

    layer: str
    tile: Tile
    region: str = ""
    limit: int | None = None


async def get_tile(
    conn: AsyncConnection, ask: TileAsk, *, org: OrgClient | None, settings: TileSettings
) -> TileData:
    """Encode one layer of one tile in PostGIS; zoom thresholds decide what it may hold.
    Only the region's communities are drawn."""
    layer, tile, region, limit = ask.layer, ask.tile, ask.region, ask.limit
    if layer not in LAYERS:
        raise TileRequestError(f"unknown layer {layer!r}; layers: {', '.join(LAYERS)}")
    with_buildings = tile.z >= settings.buildings_min_zoom
    if layer == "buildings" and not with_buildings:
        return TileData(b"", 0)
    area = f"{region}%"
    params: dict[str, object] = {
        "z": tile.z,
        "x": tile.x,
        "y": tile.y,
        "extent": settings.extent,
        "buffer": settings.buffer,
        "area": area,
        "feature_limit": min(limit or settings.max_features, settings.max_features),
    }
    if layer == "gaps":
        params["with_buildings"] = with_buildings
    # A tile is a small indexed query; JIT compiling it would cost more than it saves.
    await conn.execute(select(func.set_config("jit", "off", True)))
    needs_kinds = layer != "zones" and with_buildings
    params["branches"] = await _branch_communities(conn, org, tile, area) if needs_kinds else None
    row = (await conn.execute(text(_layer_sql(layer)), params)).one()
    return TileData(bytes(row.tile or b""), int(row.features))


def _query_options(request: Request) -> tuple[str | None, int | None]:
    community = request.query_params.get("community") or None
    if community is not None and not is_region_code(community):
        raise TileRequestError(f"community must be a region code of digits, got {community!r}")
    raw_limit = request.query_params.get("limit")
    if raw_limit is None:
        return community, None
    if not raw_limit.isdigit() or int(raw_limit) < 1:
        raise TileRequestError(f"limit must be a positive integer, got {raw_limit!r}")
    return community, int(raw_limit)


def tile_routes(settings: TileSettings | None = None) -> list[Route]:
    """The tile route for a subgraph app whose lifespan puts the engine on app.state."""
    settings = settings or TileSettings()

    async def tile_endpoint(request: Request) -> Response:
        p = request.path_params
        try:
            tile = parse_tile(p["z"], p["x"], p["y"], max_zoom=settings.max_zoom)
            if p["layer"] not in LAYERS:
                raise TileRequestError(f"unknown layer {p['layer']!r}; layers: {', '.join(LAYERS)}")
            community, limit = _query_options(request)
        except TileRequestError as error:
            return JSONResponse({"detail": str(error)}, status_code=400)
        caller = current_identity()  # the guard has refused anonymous callers
        # A role sees its region node and below: the narrower of the region asked and its own.
        region = caller.region if community is None else caller.narrow(community)
        if region is None:
            return JSONResponse({"detail": f"region {community} is outside your scope"}, 403)
        engine: AsyncEngine = request.app.state.engine
        async with engine.connect() as conn:
            data = await get_tile(
                conn,
                TileAsk(p["layer"], tile, region, limit),
                # An app without resources (a bench, say) has no org: kinds are inferred.
                org=getattr(request.app.state, "resources", {}).get("org"),
                settings=settings,
            )
        # private: a tile's content depends on the caller's region, its URL does not, so no
        # shared cache may hand one caller's tile to another.
        headers = {"Cache-Control": f"private, max-age={settings.cache_max_age}"}
        if data.features >= min(limit or settings.max_features, settings.max_features):
            headers["X-Tile-Capped"] = "true"  # the cap was reached: features may be missing
        if not data.content:
            return Response(status_code=204, headers=headers)
        return Response(data.content, media_type=MVT_MEDIA_TYPE, headers=headers)

    return [Route("/tiles/{layer}/{z}/{x}/{y}.pbf", tile_endpoint, methods=["GET"])]
