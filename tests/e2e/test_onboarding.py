"""Issue 13's "Done when": a district starts from its own files alone.

A second suite runs here with PARTYGRID_DEMO=false semantics: a new database on the test
server, migrated, with no demo district and no demo accounts, and its own org, grid, assess
and gateway processes. A district not in the demo (410105 金水区) is brought in from files:
places from XLSX (`partygrid import regions`), community boundaries as a GeoPackage in
EPSG:4547, zones as GeoJSON in EPSG:4490, buildings as a zipped Shapefile in EPSG:3857 and as
an OSM PBF, organizations and members filled into the templates the org service hands out —
first with bad rows (refused whole, with row reports, nothing written), then corrected. Then
the district's own user reads coverage, findings, the map pages and a grading preview through
the gateway.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import shapely
from onboarding_files import (
    filled_template,
    geometry_file,
    osm_extract,
    projected,
    regions_xlsx,
    zipped,
)
from openpyxl import load_workbook
from shapely.geometry import box
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

from infra.cli import main as partygrid_main
from infra.database import Database, external_database, role_of
from infra.settings import AUTH_SCHEMA, ROOT, SERVICES, SuiteSettings
from infra.setup import Prepared, prepare_and_migrate, token_keys
from services.common.auth import Identity, Role
from stack import Running, scratch_database, started

EMPTY_DB = "partygrid_onboarding_test"
DISTRICT, STREET = "410105", "410105001"
WEST, EAST = "410105001001", "410105001002"
NAMES = {DISTRICT: "金水区", STREET: "经八路街道", WEST: "西苑社区", EAST: "东园社区"}
# Two neighbouring communities in Zhengzhou's north (3-degree Gauss-Krüger zone 38, 114°E).
AREAS = {WEST: box(113.660, 34.800, 113.670, 34.810), EAST: box(113.670, 34.800, 113.680, 34.810)}
USER = Identity("jinshui-district", Role.DISTRICT, DISTRICT)
PASSWORD = "金水区组织部-Granite-Harbour-2026"
LOGIN = """mutation ($u: String!, $p: String!) { login(username: $u, password: $p) {
  session { accessToken } errors { code } } }"""


@pytest.fixture(scope="module")
def empty(prepared: Prepared, suite_settings: SuiteSettings) -> Iterator[Database]:
    """A brand-new database beside the session's, migrated but never given the demo (what
    `PARTYGRID_DEMO=false ./partygrid up` prepares); dropped afterwards."""
    with scratch_database(prepared.database.admin_conninfo, EMPTY_DB):
        cluster = prepared.cluster
        if cluster is None:  # DATABASE_URL: its server, the same roles
            url = make_url(suite_settings.database_url).set(database=EMPTY_DB)
            db = external_database(
                url.render_as_string(hide_password=False),
                role_password=prepared.database.role_password,
            )
        else:
            db = Database(
                admin_conninfo=cluster.conninfo(database=EMPTY_DB),
                service_urls={s: cluster.url(user=role_of(s), database=EMPTY_DB) for s in SERVICES},
                role_password=cluster.role_password,
                auth_url=cluster.url(user=role_of(AUTH_SCHEMA), database=EMPTY_DB),
            )
        prepare_and_migrate(db, what="the test cluster")
        yield db


@pytest.fixture(scope="module")
def suite(
    empty: Database, suite_settings: SuiteSettings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    """org, grid, assess and the gateway on the empty database; stopped at the end."""
    keys = token_keys(suite_settings)
    os.environ["PARTYGRID_INTERNAL_TOKEN_KEY"] = keys["internal"]
    with started(empty, keys, tmp_path_factory.mktemp("onboarding-logs")) as running:
        yield running


def _count(url: str, query: str) -> int:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text(query)).scalar_one()
    finally:
        engine.dispose()


def _rows(url: str, query: str, **params: Any) -> list[Any]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(query), params).all())
    finally:
        engine.dispose()


def _partygrid(db: Database, *argv: str, stdin: str = "") -> subprocess.CompletedProcess:
    """`partygrid ARGV` as its own process, pointed at the empty suite's database."""
    env = {
        **os.environ,
        "PARTYGRID_ORG_DATABASE_URL": db.service_urls["org"],
        "PARTYGRID_GRID_DATABASE_URL": db.service_urls["grid"],
        "PARTYGRID_AUTH_DATABASE_URL": db.auth_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "infra.cli", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )


def _cli(capsys: pytest.CaptureFixture, *argv: str) -> str:
    code = partygrid_main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def _org_route(suite: Running, path: str, data: bytes | None = None, **params: str):
    url = suite.subgraphs["org"].removesuffix("/graphql") + path
    headers = suite.headers(suite.subgraphs["org"], USER)
    if data is None:
        return httpx.get(url, headers=headers, params=params, timeout=60)
    headers |= {"x-partygrid-filename": path.rsplit("/", 1)[-1] + ".xlsx"}
    return httpx.post(url, content=data, headers=headers, params=params, timeout=60)


def _rules(report: dict) -> dict[str, int]:
    return {r["rule"]: r["count"] for r in report["refused"]}


def _refused_rows(report: dict) -> list[tuple]:
    """The refused rows the report hands back as a workbook, below its header."""
    book = load_workbook(io.BytesIO(base64.b64decode(report["refusedRowsFile"])))
    return list(book.worksheets[0].iter_rows(min_row=2, values_only=True))


def _gateway(suite: Running, token: str, query: str, variables: dict[str, Any]) -> dict:
    response = httpx.post(
        suite.gateway,
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    return response.json()["data"]


def _page(suite: Running, token: str, path: str) -> httpx.Response:
    return httpx.get(
        suite.gateway.replace("/graphql", path),
        headers={"authorization": f"Bearer {token}"},
        timeout=60,
    )


# --- the steps, in the order the README's "Bring your district" gives them ---------------


def _places(db: Database, tmp_path: Path) -> None:
    assert _count(db.service_urls["org"], "SELECT count(*) FROM org.region") == 0  # no demo
    workbook = tmp_path / "区划.xlsx"
    workbook.write_bytes(
        regions_xlsx(
            [
                [int(DISTRICT), NAMES[DISTRICT], None],
                [int(STREET), NAMES[STREET], int(DISTRICT)],
                [int(WEST), NAMES[WEST], int(STREET)],
                [int(EAST), NAMES[EAST], int(STREET)],
            ]
        )
    )
    done = _partygrid(db, "import", "regions", str(workbook))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines() == [
        "regions: read 4, imported 4, updated 0, skipped 0, refused 0 — written"
    ]


def _first_user(suite: Running, db: Database, *, before_places: bool) -> str:
    """`partygrid user add` for the new district; after the places, its access token."""
    add = ("user", "add", USER.subject, "--role", "district", "--region", DISTRICT)
    done = _partygrid(db, *add, stdin=PASSWORD + "\n")
    if before_places:  # a user is given only a place that exists
        assert done.returncode != 0 and DISTRICT in done.stderr, done.stdout
        return ""
    assert done.returncode == 0, done.stderr
    login = httpx.post(
        suite.gateway,
        json={"query": LOGIN, "variables": {"u": USER.subject, "p": PASSWORD}},
        timeout=60,
    ).json()
    assert login["data"]["login"]["errors"] == [], login
    return login["data"]["login"]["session"]["accessToken"]


def _geometry(db: Database, tmp_path: Path, capsys: pytest.CaptureFixture) -> int:
    """Boundaries, zones and buildings; the number of buildings stored."""
    grid, org = db.service_urls["grid"], db.service_urls["org"]
    target = ["--database-url", grid]
    boundaries = geometry_file(
        tmp_path / "社区边界.gpkg",
        [projected(4547, a) for a in AREAS.values()],
        {"社区代码": list(AREAS), "名称": [NAMES[c] for c in AREAS]},
        "EPSG:4547",
        "GPKG",
    )
    out = _cli(capsys, "import", "boundaries", str(boundaries), *target, "--org-database-url", org)
    assert "read 2, imported 2" in out
    for code, area in AREAS.items():  # stored in WGS-84 where the file put it, within 1 m
        ((wkt,),) = _rows(
            grid, "SELECT ST_AsText(boundary) FROM grid.community WHERE code = :c", c=code
        )
        assert projected(4547, shapely.from_wkt(wkt)).hausdorff_distance(projected(4547, area)) < 1
    # A zone in each: the west one over half of 西苑 (its east half is in no zone).
    zones = geometry_file(
        tmp_path / "片区.geojson",
        [box(113.6605, 34.8005, 113.6650, 34.8095), box(113.6705, 34.8005, 113.6795, 34.8095)],
        {"名称": ["西苑一片", "东园一片"]},
        "EPSG:4490",
        "GeoJSON",
    )
    assert "read 2, imported 2" in _cli(capsys, "import", "zones", str(zones), *target)

    west = [box(113.661 + 0.001 * i, 34.801, 113.6615 + 0.001 * i, 34.8015) for i in range(3)]
    west.append(box(113.667, 34.805, 113.6675, 34.8055))  # east of the zone: a gap
    folder = tmp_path / "shp"
    folder.mkdir()
    geometry_file(
        folder / "楼栋.shp",
        [projected(3857, b) for b in west],
        {
            "name": [f"{i}号楼" for i in range(1, 5)],
            "address": [f"西苑路{i}号" for i in range(1, 5)],
        },
        "EPSG:3857",
        "ESRI Shapefile",
    )
    (tmp_path / "楼栋.zip").write_bytes(zipped(folder))
    out = _cli(capsys, "import", "buildings", str(tmp_path / "楼栋.zip"), *target)
    assert "read 4, imported 4" in out
    query = "SELECT ST_AsText(footprint) FROM grid.building WHERE name = '4号楼'"
    ((wkt,),) = _rows(grid, query)
    assert projected(3857, shapely.from_wkt(wkt)).hausdorff_distance(projected(3857, west[3])) < 1

    east = [
        (1001 + i, box(113.672 + 0.002 * i, 34.802, 113.6725 + 0.002 * i, 34.8025), tags)
        for i, tags in enumerate(
            [
                {"building": "residential", "name": "东园1栋"},
                {"building": "yes", "addr:street": "东园路", "addr:housenumber": "8"},
                {"building": "apartments"},
            ]
        )
    ]
    extract = osm_extract(tmp_path / "东园.osm.pbf", east)
    out = _cli(
        capsys, "import", "buildings", str(extract), "--format", "osm", "--community", EAST, *target
    )
    assert "imported 3" in out
    stored = {
        code: _count(grid, f"SELECT count(*) FROM grid.building WHERE community_code = '{code}'")
        for code in AREAS
    }
    assert stored == {WEST: 4, EAST: 3}
    return 7


def _organizations(suite: Running, db: Database) -> None:
    template = _org_route(suite, "/templates/organizations.xlsx")
    assert template.status_code == 200, template.text

    def row(code: str, name: str, kind: str, community: str, parent: str | None = None, **more):
        return {
            "组织编码": code,
            "组织名称": name,
            "组织类别": kind,
            "上级组织": parent,
            "所在社区（区划代码）": community,
            "成立日期": "2019-03-01",
        } | more

    good = [
        row("JS-W", "西苑社区党委", "社区党委", WEST),
        row("JS-W1", "西苑一片网格党支部", "网格党支部", WEST, "西苑社区党委"),
        row("JS-E", "东园社区党委", "社区党委", EAST),
    ]
    bad = [
        good[0],
        row("JS-W1", "西苑一片网格党支部", "联合党委", WEST, "西苑社区党委"),
        row("JS-E", "东园社区党委", "社区党委", "410105001099"),
        row(
            "JS-X", "西苑二片网格党支部", "网格党支部", WEST, "西苑社区党委", 成立日期="2019-13-45"
        ),
    ]
    count = "SELECT count(*) FROM org.party_organization"
    refused = _org_route(suite, "/imports/organizations", filled_template(template.content, bad))
    assert refused.status_code == 422, refused.text
    report = refused.json()
    assert report["written"] is False and report["read"] == 4
    assert _rules(report) == {"value.kind": 1, "community.unknown": 1, "value.date": 1}
    date = next(r for r in report["refused"] if r["rule"] == "value.date")
    assert (
        date["row"] == 5 and date["column"] == "成立日期" and "Unreadable date" in date["messageEn"]
    )
    assert [r[0] for r in _refused_rows(report)] == ["JS-W1", "JS-E", "JS-X"]
    assert _count(db.service_urls["org"], count) == 0  # nothing written, not even row 1

    corrected = filled_template(template.content, good)
    checked = _org_route(suite, "/imports/organizations", corrected, check="true")
    assert checked.status_code == 200, checked.text
    assert checked.json()["checkOnly"] is True and checked.json()["imported"] == 3
    assert _count(db.service_urls["org"], count) == 0  # a check writes nothing
    done = _org_route(suite, "/imports/organizations", corrected)
    assert done.status_code == 200, done.text
    assert done.json()["imported"] == 3 and done.json()["refused"] == []
    assert _count(db.service_urls["org"], count) == 3


def _members(suite: Running, db: Database) -> list[str]:
    """Members imported; the names of those housed in a building."""
    template = _org_route(suite, "/templates/members.xlsx")
    assert template.status_code == 200, template.text

    def row(name: str, organization: str, community: str, home: str | None = None, **more):
        return {
            "党员编号": f"JS-{name}",
            "姓名": name,
            "性别": "女",
            "民族": "汉族",
            "出生日期": "1980-05-01",
            "学历": "大学本科",
            "入党日期": "2005.7.1",
            "转正日期": "2006年7月1日",
            "人员类别": "正式党员",
            "管理方式": "自管",
            "所在党组织": organization,
            "所在社区（区划代码）": community,
            "居住地址或楼栋": home,
            "联系电话": "13800000000",
        } | more

    good = [
        row("王芳", "西苑一片网格党支部", WEST, "西苑路1号"),
        row("李娜", "西苑一片网格党支部", WEST, "西苑路2号"),
        row("张伟", "西苑社区党委", WEST),
        row("刘洋", "东园社区党委", EAST, "东园1栋"),
    ]
    bad = [
        good[0],
        row("李娜", "西苑一片网格党支部", WEST, 出生日期="1980-02-30"),
        row("张伟", "没有这个支部", WEST),
        row("刘洋", "东园社区党委", EAST, 学历="留学"),
    ]
    count = "SELECT count(*) FROM org.member"
    refused = _org_route(suite, "/imports/members", filled_template(template.content, bad))
    assert refused.status_code == 422, refused.text
    report = refused.json()
    assert report["written"] is False and report["read"] == 4
    assert _rules(report) == {"value.date": 1, "organization.unknown": 1, "value.education": 1}
    assert {(r["rule"], r["row"]) for r in report["refused"]} == {
        ("value.date", 3),
        ("organization.unknown", 4),
        ("value.education", 5),
    }
    assert [r[1] for r in _refused_rows(report)] == ["李娜", "张伟", "刘洋"]
    assert _count(db.service_urls["org"], count) == 0

    done = _org_route(suite, "/imports/members", filled_template(template.content, good))
    assert done.status_code == 200, done.text
    assert done.json()["imported"] == 4 and done.json()["refused"] == []
    assert done.json()["unmatchedHomes"] == []
    assert _count(db.service_urls["org"], count) == 4
    housed = "SELECT count(*) FROM org.member WHERE home_building_id IS NOT NULL"
    assert _count(db.service_urls["org"], housed) == 3
    return ["王芳", "李娜", "刘洋"]


COVERAGE = """
query($code: String!) {
  coverage(regionCode: $code) {
    regionCode residentsKnown buildings covered orphans zones residentMembers memberBuildings
  }
}"""

FINDINGS = """
query($code: String!) {
  findings(regionCode: $code, first: 100) { totalCount nodes { rule community { code } } }
}"""

PREVIEW = """
query($code: String!, $year: Int!) {
  gradingPreview(communityCode: $code, year: $year) {
    score grade { minScore } passed results { passed detail }
  }
}"""


def _district_reads(
    suite: Running, token: str, grid: str, buildings: int, housed: list[str]
) -> None:
    coverage = _gateway(suite, token, COVERAGE, {"code": DISTRICT})["coverage"]
    assert coverage["residentsKnown"] is True
    assert coverage["buildings"] == buildings and coverage["zones"] == 2
    assert coverage["orphans"] == 1  # 西苑's 4号楼, east of its only zone
    assert coverage["residentMembers"] == coverage["memberBuildings"] == len(housed)
    west = _gateway(suite, token, COVERAGE, {"code": WEST})["coverage"]
    assert west["buildings"] == 4 and west["residentMembers"] == 2

    findings = _gateway(suite, token, FINDINGS, {"code": DISTRICT})["findings"]
    assert findings["totalCount"] > 0
    assert {n["community"]["code"] for n in findings["nodes"]} <= {WEST, EAST}

    year = dt.date.today().year
    for code in AREAS:
        preview = _gateway(suite, token, PREVIEW, {"code": code, "year": year})["gradingPreview"]
        assert preview is not None and 0 <= preview["score"] <= 100
        assert preview["score"] >= preview["grade"]["minScore"]
        assert preview["results"] and preview["passed"] == sum(
            r["passed"] for r in preview["results"]
        )

    for path, names in (
        (f"/maps/coverage/{WEST}", [NAMES[WEST]]),
        (f"/maps/coverage/{EAST}", [NAMES[EAST]]),
        (f"/maps/coverage/{DISTRICT}", [NAMES[WEST], NAMES[EAST], "西苑一片"]),
        (f"/maps/coverage/{WEST}/print?size=A4", [NAMES[WEST]]),
    ):
        page = _page(suite, token, path)
        assert page.status_code == 200, (path, page.text[:500])
        for name in names:  # in the page's text, or in its map data as JSON writes it
            assert name in page.text or json.dumps(name)[1:-1] in page.text, (path, name)
    # The maps' building popups: the file's names, their zone, and who lives there.
    for name, zone, residents in (
        ("1号楼", "西苑一片", "1人"),
        ("4号楼", "无", "0"),  # east of 西苑's only zone
        ("东园1栋", "东园一片", "1人"),
    ):
        (building_id,) = _rows(grid, "SELECT id FROM grid.building WHERE name = :n", n=name)
        popup = _page(suite, token, f"/maps/buildings/{building_id[0]}")
        assert popup.status_code == 200, popup.text
        assert (popup.json()["name"], popup.json()["zone"]) == (name, zone)
        assert popup.json()["residents"].startswith(residents)


def test_a_district_onboards_from_its_own_files(
    suite: Running, empty: Database, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert _count(empty.auth_url, "SELECT count(*) FROM auth.user_account") == 0  # no demo
    _first_user(suite, empty, before_places=True)
    _places(empty, tmp_path)
    token = _first_user(suite, empty, before_places=False)
    buildings = _geometry(empty, tmp_path, capsys)
    _organizations(suite, empty)
    housed = _members(suite, empty)
    _district_reads(suite, token, empty.service_urls["grid"], buildings, housed)
