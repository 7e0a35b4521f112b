"""Files of real size through the gateway: `POST /imports/{kind}` streams the body to the
service owning the kind (org: regions, organizations, members; grid: boundaries, zones,
buildings) under the caller's identity, capped (PARTYGRID_GATEWAY_MAX_IMPORT_BYTES, 50 MiB by
default); `GET /templates/{organizations|members}.xlsx` is org's. Real gateway, real services,
real PostGIS: files are made here (a CSV of places, a GeoPackage and a zipped Shapefile of
buildings with pyogrio/shapely)."""

from __future__ import annotations

import io
import select
import socket
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import numpy as np
import pytest
import shapely
from openpyxl import load_workbook
from placeholder_communities import placeholder_communities, sql
from pyogrio.raw import write
from shapely.geometry import box

from infra.setup import Prepared
from infra.supervisor import free_port, gateway_env
from services.common.auth import Identity, Role
from stack import DISTRICT, Running

# Communities north of the demo district, a district of their own (grid only: buildings need
# a boundary to fall in); removed afterwards, as the places imported under the demo district.
WEST, EAST = "990000000201", "990000000202"
AREAS = {WEST: box(114.40, 35.60, 114.41, 35.61), EAST: box(114.41, 35.60, 114.42, 35.61)}
IMPORTER = Identity("import-route-test", Role.DISTRICT, "990000")
STREET = "410104097"  # a street office new to the demo district, imported here
SMALL_CAP = 1024 * 1024  # the cap of the second gateway started below


@pytest.fixture
def grid_url(prepared: Prepared) -> Iterator[str]:
    with placeholder_communities(prepared.database.service_urls["grid"], AREAS) as grid:
        yield grid


@pytest.fixture
def org_url(prepared: Prepared) -> Iterator[str]:
    org = prepared.database.service_urls["org"]
    yield org
    sql(org, "DELETE FROM org.region WHERE code LIKE :p", p=f"{STREET}%")


@pytest.fixture(scope="module")
def small_gateway(running: Running, prepared: Prepared) -> str:
    """A second gateway over the same services whose import cap is SMALL_CAP."""
    port = free_port()
    env = gateway_env(
        running.subgraphs, port, keys=running.keys, auth_url=prepared.database.auth_url
    )
    env["PARTYGRID_GATEWAY_MAX_IMPORT_BYTES"] = str(SMALL_CAP)
    running.supervisor.start("gateway", port, env)
    running.supervisor.wait_healthy(60)
    return f"http://127.0.0.1:{port}"


def _base(running: Running) -> str:
    return running.gateway.removesuffix("/graphql")


def _footprints(count: int, area: Any, y: float = 0.002) -> list:
    x0, y0 = area.bounds[0], area.bounds[1]
    return [
        box(x0 + 0.001 + 0.002 * i, y0 + y, x0 + 0.0018 + 0.002 * i, y0 + y + 0.0008)
        for i in range(count)
    ]


def _write(path: Path, shapes: list, names: list[str], **kw: Any) -> None:
    geometry = np.array([shapely.to_wkb(s) for s in shapes], dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        write(
            str(path),
            geometry,
            [np.array(names, dtype=object)],
            ["名称"],
            geometry_type="Polygon",
            crs="EPSG:4326",
            **kw,
        )


def _buildings(url: str) -> list[str]:
    rows = sql(
        url,
        "SELECT name FROM grid.building WHERE community_code LIKE '9900000002%' ORDER BY name",
    )
    return [r[0] for r in rows]


def test_a_csv_of_places_comes_in_through_the_gateway(running: Running, org_url: str) -> None:
    csv = f"代码,名称,上级代码\n{STREET},导入测试街道,410104\n{STREET}001,导入测试社区,\n"
    data = csv.encode("gb18030")
    checked = running.upload("regions", data, "places.csv", DISTRICT, check="true")
    assert checked.status_code == 200, checked.text
    report = checked.json()
    assert (report["kind"], report["checkOnly"], report["written"]) == ("regions", True, False)
    assert report["read"] == 2 and report["refused"] == []
    assert sql(org_url, "SELECT code FROM org.region WHERE code LIKE :p", p=f"{STREET}%") == []

    done = running.upload("regions", data, "places.csv", DISTRICT)
    assert done.status_code == 200, done.text
    assert (done.json()["written"], done.json()["imported"]) == (True, 2)
    stored = sql(
        org_url,
        "SELECT code, name FROM org.region WHERE code LIKE :p ORDER BY code",
        p=f"{STREET}%",
    )
    assert [tuple(r) for r in stored] == [
        (STREET, "导入测试街道"),
        (f"{STREET}001", "导入测试社区"),
    ]


def test_a_geopackage_of_buildings_is_checked_refused_then_imported(
    running: Running, grid_url: str, tmp_path: Path
) -> None:
    good = _footprints(2, AREAS[WEST])
    outside = box(114.60, 35.80, 114.601, 35.801)  # in no community: the file is refused
    path = tmp_path / "楼栋.gpkg"
    _write(path, [*good, outside], ["一号楼", "二号楼", "远楼"], driver="GPKG")
    refused = running.upload("buildings", path.read_bytes(), "楼栋.gpkg", IMPORTER, check="true")
    assert refused.status_code == 422, refused.text
    (group,) = refused.json()["refused"]
    assert group["rule"] == "inside_community" and group["count"] == 1
    assert group["message"] and group["messageEn"]

    path.unlink()
    _write(path, good, ["一号楼", "二号楼"], driver="GPKG")
    data = path.read_bytes()
    checked = running.upload("buildings", data, "楼栋.gpkg", IMPORTER, check="true")
    assert checked.status_code == 200, checked.text
    assert (checked.json()["checkOnly"], checked.json()["imported"]) == (True, 2)
    assert _buildings(grid_url) == []
    done = running.upload("buildings", data, "楼栋.gpkg", IMPORTER)
    assert done.status_code == 200, done.text
    assert (done.json()["written"], done.json()["imported"]) == (True, 2)
    assert _buildings(grid_url) == ["一号楼", "二号楼"]


def test_a_zipped_shapefile_with_a_community_and_a_policy(
    running: Running, grid_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "shp"
    folder.mkdir()
    _write(
        folder / "b.shp", _footprints(2, AREAS[EAST]), ["东一楼", "东二楼"], driver="ESRI Shapefile"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, part.name)
    data = buffer.getvalue()
    params = {"community": EAST, "crs": "WGS84", "policy": "skip"}
    done = running.upload("buildings", data, "楼栋.zip", IMPORTER, **params)
    assert done.status_code == 200, done.text
    assert done.json()["imported"] == 2
    again = running.upload("buildings", data, "楼栋.zip", IMPORTER, **params)
    assert again.status_code == 200, again.text
    assert again.json()["imported"] == 0 and sum(s["count"] for s in again.json()["skipped"]) == 2
    assert _buildings(grid_url) == ["东一楼", "东二楼"]
    # Another district's community: grid refuses the caller (scope travels with the token).
    other = running.upload("buildings", data, "楼栋.zip", DISTRICT, community=EAST)
    assert other.status_code == 403


def test_callers_the_services_refuse_and_nobody(running: Running, org_url: str) -> None:
    csv = f"代码,名称,上级代码\n{STREET},导入测试街道,410104\n".encode()
    viewer = Identity("viewer", Role.VIEWER, "410104")
    for kind in ("regions", "buildings"):
        answer = running.upload(kind, csv, "x.csv", viewer)
        assert answer.status_code == 403, answer.text
        assert answer.json()["errors"][0]["code"] == "FORBIDDEN"
    anonymous = running.upload("regions", csv, "x.csv", None)
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["code"] == "UNAUTHENTICATED"
    assert running.upload("parcels", csv, "x.csv", DISTRICT).status_code == 404
    # The sign-in cookie from another site, or a form: never an import.
    cookie = {"partygrid_access": running.headers(running.gateway, DISTRICT)["authorization"][7:]}
    url = f"{_base(running)}/imports/regions"
    cross = httpx.post(
        url,
        content=csv,
        cookies=cookie,
        timeout=30,
        headers={"content-type": "application/octet-stream", "sec-fetch-site": "cross-site"},
    )
    assert cross.status_code == 403
    form = httpx.post(
        url,
        content=csv,
        cookies=cookie,
        timeout=30,
        headers={"content-type": "text/plain", "sec-fetch-site": "same-origin"},
    )
    assert form.status_code == 415
    assert sql(org_url, "SELECT code FROM org.region WHERE code LIKE :p", p=f"{STREET}%") == []


def _cells(data: bytes) -> list:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return [list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets]


def test_templates_are_orgs(running: Running) -> None:
    """Whatever org answers for a template, the gateway passes on (bytes, type, status)."""
    org = running.subgraphs["org"].removesuffix("/graphql")
    for name in ("organizations.xlsx", "members.xlsx"):
        path = f"/templates/{name}"
        through = httpx.get(
            _base(running) + path, headers=running.headers(running.gateway, DISTRICT)
        )
        direct = httpx.get(org + path, headers=running.headers(org, DISTRICT))
        assert through.status_code == direct.status_code
        assert through.headers.get("content-type") == direct.headers.get("content-type")
        if direct.status_code == 200:  # a workbook made per request: its cells, not its dates
            assert _cells(through.content) == _cells(direct.content) != []
            assert through.headers["content-disposition"] == direct.headers["content-disposition"]
        else:
            assert through.content == direct.content
        assert httpx.get(_base(running) + path).status_code == 401
    unknown = httpx.get(
        _base(running) + "/templates/regions.xlsx",
        headers=running.headers(running.gateway, DISTRICT),
    )
    assert unknown.status_code == 404


def _streamed_status(
    base: str, path: str, headers: dict[str, str], total: int
) -> tuple[int, int, bytes]:
    """POST `total` bytes chunked, stopping as soon as an answer arrives: (status, bytes sent,
    body)."""
    where = urlsplit(base)
    sock = socket.create_connection((where.hostname, where.port), timeout=10)
    lines = [f"POST {path} HTTP/1.1", f"host: {where.netloc}"]
    if "content-length" not in headers:
        lines.append("transfer-encoding: chunked")
    lines += [f"{k}: {v}" for k, v in headers.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    chunk = b"x" * 65536
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent = 0
    try:
        while sent < total:
            if select.select([sock], [], [], 0)[0]:
                break  # the gateway answered before the body ended
            try:
                sock.sendall(frame)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                break
            sent += len(chunk)
        answer = b""
        while b"\r\n\r\n" not in answer and (part := sock.recv(65536)):
            answer += part
        head, _, body = answer.partition(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        while len(body) < length and (part := sock.recv(65536)):
            body += part
    finally:
        sock.close()
    return int(head.split(b" ", 2)[1]), sent, body


def test_a_file_over_the_cap_is_refused_before_it_is_read(
    running: Running, small_gateway: str
) -> None:
    auth = running.headers(running.gateway, IMPORTER)
    # The documented cap (50 MiB): a body declared larger is refused before any of it comes.
    status, sent, body = _streamed_status(
        _base(running),
        "/imports/buildings",
        {**auth, "content-type": "application/octet-stream", "content-length": str(50 * 2**20 + 1)},
        total=0,
    )
    assert (status, sent) == (413, 0)
    assert b"messageEn" in body  # the route's typed answer
    sock_headers = {
        **auth,
        "content-type": "application/octet-stream",
        "x-partygrid-filename": "big.gpkg",
    }
    total = 64 * SMALL_CAP
    status, sent, body = _streamed_status(
        small_gateway, "/imports/buildings?check=true", sock_headers, total
    )
    # The route or, when one piece of body crosses both caps, the gateway's floor beneath it.
    assert status == 413, body
    assert sent < total // 4, f"the gateway read {sent} of {total} bytes before refusing"
    # Under the cap the same gateway takes the file (and the service judges it).
    small = httpx.post(
        f"{small_gateway}/imports/buildings",
        content=b"x" * (SMALL_CAP // 2),
        headers={
            **auth,
            "content-type": "application/octet-stream",
            "x-partygrid-filename": "b.gpkg",
        },
        params={"check": "true"},
        timeout=30,
    )
    assert small.status_code == 400, small.text  # not a geometry file: grid says so
