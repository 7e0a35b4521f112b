"""GraphQL of import and export: `importBuildings`, `importZones`, `exportGeoJSON`, `exportCSV`.

The work lives in `services.grid.transfer.text_import` / `transfer.export`; this module only
exposes it. An import is all-or-nothing: refused sources come back as `errors`, nothing written.
A malformed regionCode of an export is a GraphQL error, like coverage's.
"""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import UserError, run_write
from services.grid.context import Info
from services.grid.graph.access import GridWriter, scoped_code
from services.grid.transfer import export as transfer_export
from services.grid.transfer import text_import as transfer_import
from services.grid.transfer import upsert
from services.grid.transfer.coordinates import Crs
from services.grid.transfer.export import ExportLayer
from services.grid.transfer.records import ImportOutcome
from services.grid.transfer.text_import import ImportFormat

# Registered as GraphQL enums in place (strawberry.enum marks the class it is given), so the
# resolvers annotate with the domain enums themselves.
strawberry.enum(
    Crs,
    name="Crs",
    description="A coordinate system of longitude/latitude in or out: WGS84, CGCS2000 (equal "
    "to WGS84 at map precision), GCJ02 (AMap/Tencent), BD09 (Baidu). Stored as WGS84.",
)
strawberry.enum(
    ImportFormat,
    name="ImportFormat",
    description="GEOJSON: a FeatureCollection. CSV: buildings name,address,households,lon,lat "
    "(optional id, wkt); zones name,wkt (optional id).",
)
strawberry.enum(
    ExportLayer,
    name="ExportLayer",
    description="GAPS: buildings without a Party group or in no zone, zones without an "
    "organization (from grid data).",
)


@strawberry.type(description="What an import wrote; with errors, it wrote nothing.")
class ImportResult:
    imported: int = strawberry.field(description="Rows created or changed.")
    skipped: int = strawberry.field(description="Records identical to the stored rows.")
    ids: list[strawberry.ID] = strawberry.field(
        description="Ids of every imported record's row (stable across re-imports)."
    )
    errors: list[UserError]


def _result(outcome: ImportOutcome | None, errors: list[UserError]) -> ImportResult:
    if outcome is None:
        return ImportResult(imported=0, skipped=0, ids=[], errors=errors)
    ids = [strawberry.ID(str(i)) for i in outcome.ids]
    return ImportResult(imported=outcome.imported, skipped=outcome.skipped, ids=ids, errors=errors)


@strawberry.type
class TransferMutations:
    @strawberry.mutation(
        permission_classes=[GridWriter],
        description="Import buildings (Polygon, MultiPolygon or Point; name, address, "
        "households) into a community; re-importing the same source updates, never duplicates.",
    )
    async def import_buildings(
        self,
        info: Info,
        community_code: str,
        format: ImportFormat,
        data: str,
        crs: Crs = Crs.WGS84,
    ) -> ImportResult:
        async def write(conn: AsyncConnection) -> ImportOutcome:
            return await transfer_import.import_buildings(
                conn, community_code=community_code, fmt=format, crs=crs, data=data
            )

        return _result(*await run_write(info.context.engine, write))

    @strawberry.mutation(
        permission_classes=[GridWriter],
        description="Import zones (Polygon or MultiPolygon; name) into a community; they must "
        "lie inside it and overlap no other zone. Buildings get their zones by the usual rule.",
    )
    async def import_zones(
        self,
        info: Info,
        community_code: str,
        format: ImportFormat,
        data: str,
        crs: Crs = Crs.WGS84,
    ) -> ImportResult:
        async def write(conn: AsyncConnection) -> ImportOutcome:
            return await transfer_import.import_zones(
                conn, community_code=community_code, fmt=format, crs=crs, data=data
            )

        engine = info.context.engine
        return _result(*await run_write(engine, write, upsert.CONSTRAINT_ERRORS))


async def _export(
    info: Info, region_code: str, layer: ExportLayer, fmt: transfer_export.ExportFormat, crs: Crs
) -> str:
    region_code = scoped_code(info, region_code)
    async with info.context.engine.connect() as conn:
        return await transfer_export.export(
            conn, region_code=region_code, layer=layer, fmt=fmt, crs=crs
        )


@strawberry.type
class TransferQueries:
    @strawberry.field(
        name="exportGeoJSON",
        description="A region's (district, street or community) zones, buildings or gaps as "
        "GeoJSON FeatureCollection text, in the requested coordinate system.",
    )
    async def export_geojson(
        self, info: Info, region_code: str, layer: ExportLayer, crs: Crs = Crs.WGS84
    ) -> str:
        return await _export(info, region_code, layer, transfer_export.ExportFormat.GEOJSON, crs)

    @strawberry.field(
        name="exportCSV",
        description="A region's zones, buildings or gaps as CSV text (lon/lat is a point on "
        "each shape, wkt the shape), in the requested coordinate system.",
    )
    async def export_csv(
        self, info: Info, region_code: str, layer: ExportLayer, crs: Crs = Crs.WGS84
    ) -> str:
        return await _export(info, region_code, layer, transfer_export.ExportFormat.CSV, crs)


QUERY_TYPES = (TransferQueries,)
MUTATION_TYPES = (TransferMutations,)
TYPES: tuple[type, ...] = ()
