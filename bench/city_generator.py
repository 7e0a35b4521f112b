"""A synthetic city for grid benchmarks: 50,000 zones and 1,000,000 buildings at scale 1.

The city lives in a scratch database of a private cluster under .data/bench/city (its own
run lock, so other benchmarks can run beside it). Generation is SQL generate_series in one
transaction (bench/city.sql) followed by one zone-driven assignment of every building, so
a 1M city takes minutes, not hours. A city already there at the asked scale is reused.

    from city_generator import city  # bench/ on sys.path, as when run from there
    with city(scale=0.1) as c: ...  # c.grid_url, c.communities, c.cols
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, create_engine, pool, text

from infra.locking import RunLock
from infra.settings import ROOT, SuiteSettings
from infra.setup import database
from services.grid.reassignment import STATEMENTS, sql_sections

COMMUNITIES_AT_SCALE_1 = 2_000  # × 25 zones × 20 buildings each
ZONES_PER_COMMUNITY, BUILDINGS_PER_ZONE = 25, 20
COMMUNITY_SIZE = 0.01  # degrees; the city's south-west corner is (113.4, 34.5)
ORIGIN = (113.4, 34.5)
DATA_DIR = ROOT / ".data" / "bench" / "city"
_HERE = Path(__file__).parent


@dataclass(frozen=True)
class City:
    """A generated city: where it is and how it is laid out."""

    grid_url: str  # SQLAlchemy URL of the grid role
    communities: int
    cols: int  # communities per row

    @property
    def zones(self) -> int:
        return self.communities * ZONES_PER_COMMUNITY

    @property
    def buildings(self) -> int:
        return self.zones * BUILDINGS_PER_ZONE

    @property
    def centre(self) -> tuple[float, float]:
        rows = math.ceil(self.communities / self.cols)
        return (
            ORIGIN[0] + self.cols * COMMUNITY_SIZE / 2,
            ORIGIN[1] + rows * COMMUNITY_SIZE / 2,
        )


REASSIGN = sql_sections(_HERE / "grid_city.sql")


def reassign_all(conn: Connection) -> int:
    """The service's full re-assignment (services/grid/reassignment.py: the same statements,
    here over a synchronous connection); returns the rows changed."""
    everywhere = {"prefix": "%"}
    conn.execute(text(STATEMENTS["assign"]), everywhere)
    conn.execute(text("SELECT set_config('partygrid.bulk_zone_derivation', 'on', true)"))
    changed = conn.execute(text(STATEMENTS["apply"]), everywhere).rowcount
    conn.execute(text("SELECT set_config('partygrid.bulk_zone_derivation', 'off', true)"))
    conn.execute(text("DROP TABLE assignment"))
    return changed


def _generate(conn: Connection, communities: int, cols: int) -> None:
    conn.execute(text("TRUNCATE grid.building, grid.zone, grid.community CASCADE"))
    for statement in (_HERE / "city.sql").read_text().split(";\n"):
        if statement.strip():
            conn.execute(text(statement), {"communities": communities, "cols": cols})


@contextlib.contextmanager
def city(scale: float = 1.0) -> Iterator[City]:
    """Yield a city of `scale` × 50,000 zones, generating it unless it is already there."""
    communities = max(1, round(COMMUNITIES_AT_SCALE_1 * scale))
    cols = math.ceil(math.sqrt(communities))
    settings = SuiteSettings(data_dir=DATA_DIR, db_name="partygrid_city", demo=False)
    with RunLock(settings.data_dir), database(settings) as prepared:
        url = prepared.database.service_urls["grid"]
        made = City(url, communities, cols)
        engine = create_engine(url, poolclass=pool.NullPool)
        try:
            with engine.begin() as conn:
                have = conn.execute(text("SELECT count(*) FROM grid.zone")).scalar_one()
            if have != made.zones:
                started = time.perf_counter()
                with engine.begin() as conn:
                    _generate(conn, communities, cols)
                    reassign_all(conn)
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("VACUUM ANALYZE grid.building"))
                    conn.execute(text("VACUUM ANALYZE grid.zone"))
                print(
                    f"generated {made.zones:,} zones and {made.buildings:,} buildings "
                    f"in {time.perf_counter() - started:.0f} s",
                    flush=True,
                )
        finally:
            engine.dispose()
        yield made
