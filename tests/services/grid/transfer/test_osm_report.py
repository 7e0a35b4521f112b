"""OSM imports report every building they could not build — ways cut at the extract's edge
(nodes missing), unclosed ways, multipolygons missing members — with a count and an example
OSM id, in the reader's result and the CLI's summary; none is dropped silently."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import osmium
import pytest
from shapely.geometry import box
from sqlalchemy import create_engine, pool, text

from infra.cli import main as partygrid_main
from infra.setup import Prepared
from services.grid.transfer import osm as transfer_osm

COMMUNITY = "990000000013"
BOUNDARY = box(10.0, 50.0, 10.01, 50.01)


def _square(x: float, y: float, d: float = 0.0005) -> list[tuple[float, float]]:
    return [(x, y), (x + d, y), (x + d, y + d), (x, y + d)]


def _extract(path: Path) -> Path:
    """An extract with 2 whole buildings, 3 ways cut at its edge (their nodes 900..902 are
    not in it), one unclosed building way, and a multipolygon whose outer way is missing."""
    nodes: dict[int, tuple[float, float]] = {}
    ways: list[tuple[int, list[int], dict]] = []
    next_node = 1
    for way_id, (x, y) in ((101, (10.001, 50.001)), (102, (10.003, 50.003))):
        refs = []
        for point in _square(x, y):
            nodes[next_node] = point
            refs.append(next_node)
            next_node += 1
        ways.append((way_id, [*refs, refs[0]], {"building": "yes"}))
    for way_id, (x, y) in (
        (201, (10.005, 50.001)),
        (202, (10.006, 50.002)),
        (203, (10.007, 50.003)),
    ):
        refs = []
        for point in _square(x, y)[:2]:  # two nodes in the extract, two beyond its edge
            nodes[next_node] = point
            refs.append(next_node)
            next_node += 1
        refs += [900, 901 + way_id % 2]
        ways.append((way_id, [*refs, refs[0]], {"building": "yes"}))
    open_refs = []
    for point in _square(10.008, 50.008)[:3]:
        nodes[next_node] = point
        open_refs.append(next_node)
        next_node += 1
    ways.append((301, open_refs, {"building": "house"}))
    writer = osmium.SimpleWriter(str(path))
    try:
        for node_id, (x, y) in sorted(nodes.items()):
            writer.add_node(osmium.osm.mutable.Node(id=node_id, location=(x, y), version=1))
        for way_id, refs, tags in ways:
            writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags, version=1))
        writer.add_relation(
            osmium.osm.mutable.Relation(
                id=401,
                members=[("w", 999, "outer")],  # a way beyond the extract
                tags={"type": "multipolygon", "building": "yes"},
                version=1,
            )
        )
    finally:
        writer.close()
    return path


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    return _extract(tmp_path / "cut.osm.pbf")


def test_the_reader_counts_every_building_it_could_not_build(extract: Path) -> None:
    found = transfer_osm.read_buildings(extract, BOUNDARY)
    assert sorted(r.source_key for r in found.records) == ["osm:way/101", "osm:way/102"]
    report = {p.reason: (p.count, p.example) for p in found.unbuilt.values()}
    assert report["missing_nodes"][0] == 3
    assert report["missing_nodes"][1] in {"osm:way/201", "osm:way/202", "osm:way/203"}
    assert report["unclosed_way"] == (1, "osm:way/301")
    assert report["missing_members"] == (1, "osm:relation/401")
    assert found.skipped == 5
    skipped = {s["reason"]: s for s in found.skipped_groups()}
    assert skipped["missing_nodes"]["count"] == 3 and skipped["missing_nodes"]["example"]


@pytest.fixture
def community(prepared: Prepared) -> Iterator[str]:
    """A community around the made-up extract; removed afterwards with what was imported."""
    engine = create_engine(prepared.database.service_urls["grid"], poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO grid.community (code, street_code, district_code, boundary) "
                "VALUES (:c, :s, :d, ST_GeomFromText(:b, 4326))"
            ),
            {"c": COMMUNITY, "s": COMMUNITY[:9], "d": COMMUNITY[:6], "b": BOUNDARY.wkt},
        )
    try:
        yield COMMUNITY
    finally:
        with engine.begin() as conn:
            for table, column in (("building", "community_code"), ("community", "code")):
                conn.execute(
                    text(f"DELETE FROM grid.{table} WHERE {column} = :c"), {"c": COMMUNITY}
                )
        engine.dispose()


def test_the_cli_summary_reports_them(
    prepared: Prepared, community: str, extract: Path, capsys: pytest.CaptureFixture
) -> None:
    argv = [
        "import",
        "buildings",
        str(extract),
        "--community",
        community,
        "--format",
        "osm",
        "--database-url",
        prepared.database.service_urls["grid"],
    ]
    assert partygrid_main(argv) == 0
    out = capsys.readouterr()
    assert "imported 2, updated 0, skipped 5" in out.out
    assert "3 ways cut at the extract's edge" in out.err and "osm:way/20" in out.err
    assert "osm:way/301" in out.err and "osm:relation/401" in out.err
