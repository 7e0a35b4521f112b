"""Places from a district's own files: `partygrid import regions FILE [--check]` and org's
`POST /imports/regions` — XLSX with a title row, merged header cells, Chinese headers and codes
stored as numbers; CSV; a bad file refused as a whole with grouped refusals and nothing
written; re-import idempotent (names updated)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openpyxl import Workbook
from sqlalchemy import create_engine, pool, text

from infra.settings import ROOT
from infra.setup import Prepared
from services.common.auth import Identity, Role
from stack import DISTRICT, Running

# What these tests create, removed after them: the session's database is shared, and other
# tests compare every community's findings (and the demo district's tree) with the demo.
CREATED = ("410122", "410123", "410183", "41010407")


@pytest.fixture(scope="module", autouse=True)
def _remove_created_places(prepared: Prepared) -> Iterator[None]:
    yield
    engine = create_engine(prepared.database.service_urls["org"], poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            for prefix in CREATED:
                conn.execute(text("DELETE FROM org.region WHERE code LIKE :p"), {"p": f"{prefix}%"})
    finally:
        engine.dispose()


def _xlsx(rows: list[list[object]], *, tall_header: bool = False) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["郑州市统计用区划代码（2024年）"])
    sheet.merge_cells("A1:C1")  # a title row above the header, merged across the columns
    sheet.append(["区划代码", "名称", "上级区划代码"])
    if tall_header:  # header cells merged over two rows, as department sheets often have
        sheet.append([None, None, None])
        for column in "ABC":
            sheet.merge_cells(f"{column}2:{column}3")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _partygrid(prepared: Prepared, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PARTYGRID_ORG_DATABASE_URL": prepared.database.service_urls["org"]}
    return subprocess.run(
        [sys.executable, "-m", "infra.cli", "import", "regions", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )


def _names(prepared: Prepared, prefix: str) -> dict[str, tuple[str, str | None]]:
    engine = create_engine(prepared.database.service_urls["org"], poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT code, name, level FROM org.region WHERE code LIKE :p ORDER BY code"),
                {"p": f"{prefix}%"},
            )
            return {code: (name, level) for code, name, level in rows}
    finally:
        engine.dispose()


def _post(running: Running, data: bytes, name: str, identity: Identity, **params: str):
    url = running.subgraphs["org"].removesuffix("/graphql") + "/imports/regions"
    headers = {**running.headers(url, identity), "x-partygrid-filename": name}
    return httpx.post(url, content=data, headers=headers, params=params, timeout=60)


# A new district (the operator's bootstrap), a township and a street office, communities
# and a village; codes as Excel numbers (int), names with spaces and full-width spaces.
NEW_DISTRICT = [
    [410122, "中牟县", None],
    [410122100, "\u3000韩寺镇 ", 410122],
    [410122001, "青年路街道", 410122],
    [410122001001, " 青年路社区", 410122001],
    [410122100200, "韩寺村\u3000", 410122100],
]


def test_the_cli_imports_an_xlsx_then_reimports_idempotently(
    prepared: Prepared, tmp_path: Path
) -> None:
    workbook = tmp_path / "regions.xlsx"
    workbook.write_bytes(_xlsx(NEW_DISTRICT, tall_header=True))
    checked = _partygrid(prepared, str(workbook), "--check")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip().splitlines() == [
        "regions: read 5, imported 0, updated 0, skipped 0, refused 0 — checked"
    ]
    assert _names(prepared, "410122") == {}  # --check writes nothing

    done = _partygrid(prepared, str(workbook))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines() == [
        "regions: read 5, imported 5, updated 0, skipped 0, refused 0 — written"
    ]
    assert _names(prepared, "410122") == {
        "410122": ("中牟县", "district"),
        "410122001": ("青年路街道", "street"),
        "410122001001": ("青年路社区", "community"),
        "410122100": ("韩寺镇", "township"),
        "410122100200": ("韩寺村", "community"),
    }

    again = _partygrid(prepared, str(workbook))
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == (
        "regions: read 5, imported 0, updated 0, skipped 5 (unchanged 5), refused 0 — written"
    )
    renamed = [*NEW_DISTRICT[:3], [410122001001, "青年路第一社区", 410122001], NEW_DISTRICT[4]]
    workbook.write_bytes(_xlsx(renamed, tall_header=True))
    updated = _partygrid(prepared, str(workbook))
    assert "imported 0, updated 1, skipped 4 (unchanged 4)" in updated.stdout
    assert _names(prepared, "410122001001") == {"410122001001": ("青年路第一社区", "community")}


BAD_ROWS = [
    ["410104070", "好街道", "410104"],  # fine alone: written only if the whole file passes
    ["4101040", "七位", "410104"],  # code format
    ["41010407x", "字母", "410104"],  # code format
    ["410104070001", "错位", "410104071"],  # does not nest under its parent
    ["410104072001", "无上级", "410104072"],  # parent neither in the file nor in the system
    ["410104070002", "\u3000", "410104070"],  # empty name
    ["410104070003", "重复一", "410104070"],
    ["410104070003", "重复二", "410104070"],  # duplicate code
]


def test_a_bad_file_is_refused_whole_with_grouped_refusals(
    prepared: Prepared, running: Running, tmp_path: Path
) -> None:
    workbook = tmp_path / "bad.xlsx"
    workbook.write_bytes(_xlsx(BAD_ROWS))
    done = _partygrid(prepared, str(workbook))
    assert done.returncode == 1
    assert done.stdout.strip() == (
        "regions: read 8, imported 0, updated 0, skipped 0, refused 6 — nothing written"
    )
    assert "refused code_format ×2, e.g. row 4 code=4101040" in done.stderr
    assert _names(prepared, "41010407") == {}

    answer = _post(running, workbook.read_bytes(), "bad.xlsx", DISTRICT)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["kind"], report["written"], report["read"], report["imported"]) == (
        "regions",
        False,
        8,
        0,
    )
    grouped = {
        r["rule"]: (r["count"], r["row"], r["column"], r["example"]) for r in report["refused"]
    }
    assert grouped == {
        "code_format": (2, 4, "code", "4101040"),
        "parent_nesting": (1, 6, "parentCode", "410104070001 ← 410104071"),
        "parent_unknown": (1, 7, "parentCode", "410104072"),
        "name_missing": (1, 8, "name", "410104070002"),
        "duplicate_code": (1, 10, "code", "410104070003"),
    }
    assert all(r["message"] and r["messageEn"] for r in report["refused"])
    assert _names(prepared, "41010407") == {}


def test_a_csv_comes_in_through_the_route_for_district_users(
    prepared: Prepared, running: Running, tmp_path: Path
) -> None:
    # The operator brings the district in (bootstrap); its district user adds the rest.
    bootstrap = tmp_path / "district.csv"
    bootstrap.write_text("code,name,parent code\n410183,新密市,\n", encoding="utf-8")
    assert _partygrid(prepared, str(bootstrap)).returncode == 0
    district_user = Identity("xinmi-district", Role.DISTRICT, "410183")
    csv = (
        "新密市区划\n"  # a title line
        "代码,名称,上级代码\n"
        "410183060,测试街道 ,410183\n"
        "410183060001,测试社区,\n"  # a blank parent: the code's prefix
    ).encode("gb18030")  # Chinese CSVs from Excel are often GBK
    checked = _post(running, csv, "places.csv", district_user, check="true")
    assert checked.status_code == 200, checked.text
    assert (checked.json()["checkOnly"], checked.json()["refused"]) == (True, [])
    assert _names(prepared, "410183060") == {}

    done = _post(running, csv, "places.csv", district_user).json()
    assert (done["written"], done["imported"], done["refused"]) == (True, 2, [])
    assert _names(prepared, "410183060") == {
        "410183060": ("测试街道", "street"),
        "410183060001": ("测试社区", "community"),
    }


@pytest.mark.parametrize(
    ("identity", "status", "rule"),
    [
        (Identity("s", Role.STREET, "410104001"), 403, None),
        (Identity("v", Role.VIEWER, "410104"), 403, None),
        (DISTRICT, 200, "out_of_scope"),  # a new district: only the operator's bootstrap
    ],
)
def test_the_route_keeps_to_district_users_and_their_district(
    prepared: Prepared, running: Running, identity: Identity, status: int, rule: str | None
) -> None:
    data = _xlsx([[410123, "新郑市", None], [410123001, "新华路街道", 410123]])
    answer = _post(running, data, "x.xlsx", identity)
    assert answer.status_code == status, answer.text
    if rule:
        assert [r["rule"] for r in answer.json()["refused"]] == [rule]
    assert _names(prepared, "410123") == {}


def test_a_file_without_a_header_is_refused(running: Running) -> None:
    answer = _post(running, b"a,b\n1,2\n", "x.csv", DISTRICT)
    assert answer.status_code == 400
    assert "区划代码" in answer.json()["errors"][0]["message"]


def test_the_route_answers_only_callers_signed_with_the_internal_token(
    prepared: Prepared, running: Running
) -> None:
    url = running.subgraphs["org"].removesuffix("/graphql") + "/imports/regions"
    data = b"code,name,parent code\n410104061,x,410104\n"
    answer = httpx.post(url, content=data, timeout=60)  # no token: not the gateway
    assert answer.status_code in (401, 403), answer.text
    assert _names(prepared, "410104061") == {}
