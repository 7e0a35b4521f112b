"""What a retried roster import is answered (services/common/import_once.py): a check is a
check however the flag is written (`check=1` stores no key, so the real import with that key
runs); the stored answer keeps no personal data (the refused rows' file and the unmatched
addresses are withheld from it, and a retry's answer says so); and a caller who may no
longer import gets the route's own 403, not the stored answer. Real gateway, org, PostGIS."""

from __future__ import annotations

import uuid

import httpx
import orjson
import pytest
from placeholder_communities import sql
from test_import_retries import _keys, names
from test_roster_import import MEMBER_HEADER, _community, _member_row, _refused_rows, _xlsx

from infra.demo.model import Demo
from services.common.auth import Identity, Role
from stack import DISTRICT, Running

__all__ = ["names"]  # the fixture, shared with test_import_retries

NAME = MEMBER_HEADER.index("姓名")


@pytest.mark.parametrize("written", ["1", "yes", "TRUE"])
def test_a_check_however_written_keeps_no_key_and_the_import_with_it_runs(
    running: Running, demo: Demo, service_urls: dict[str, str], names: list[str], written: str
) -> None:
    community, top = _community(demo)
    row = _member_row(community, top.name)
    names.append(row[NAME])
    data, key = _xlsx(MEMBER_HEADER, [row]), str(uuid.uuid4())
    checked = running.upload("members", data, "党员.xlsx", DISTRICT, key, check=written)
    assert checked.status_code == 200, checked.text
    assert checked.json()["checkOnly"] is True
    assert _keys(service_urls["org"], "org", key) == []
    imported = running.upload("members", data, "党员.xlsx", DISTRICT, key)
    assert imported.status_code == 200, imported.text
    assert imported.json()["imported"] == 1


def test_the_stored_answer_withholds_personal_data_and_is_not_replayed_to_a_lost_role(
    running: Running, demo: Demo, service_urls: dict[str, str], names: list[str]
) -> None:
    community, top = _community(demo)
    address = f"不存在的小区 {uuid.uuid4().hex[:6]}号楼"
    good = _member_row(community, top.name, 居住地址或楼栋=address)
    bad = _member_row(community, top.name, 性别="未知", 联系电话="13912345678")
    names.extend([good[NAME], bad[NAME]])
    data, key = _xlsx(MEMBER_HEADER, [good, bad]), str(uuid.uuid4())
    params = {"partial": "true", "community": community}
    first = running.upload("members", data, "党员.xlsx", DISTRICT, key, **params)
    assert first.status_code == 200, first.text
    answer = first.json()
    assert answer["imported"] == 1
    (refused,) = _refused_rows(answer)  # the first answer carries the file and addresses
    assert refused[NAME] == bad[NAME]
    assert answer["unmatchedHomes"] == [{"row": 2, "value": address}]

    ((stored,),) = sql(
        service_urls["org"], "SELECT response FROM org.idempotency_key WHERE key = :k", k=key
    )
    kept = orjson.loads(orjson.loads(stored)["body"])
    assert kept["refusedRowsFile"] is None and kept["refusedRowsFileWithheld"] is True
    assert kept["unmatchedHomes"] == [] and kept["unmatchedHomesWithheld"] is True
    assert address not in bytes(stored).decode()

    again = running.upload("members", data, "党员.xlsx", DISTRICT, key, **params)
    assert again.status_code == 200, again.text
    assert again.json() == kept  # the retry's answer says the file was withheld

    # The same caller, now a viewer, at the subgraph itself: the route's 403, not the answer.
    viewer = Identity(DISTRICT.subject, Role.VIEWER, DISTRICT.region)
    org = running.subgraphs["org"].removesuffix("/graphql")
    lost = httpx.post(
        f"{org}/imports/members",
        content=data,
        params=params,
        headers={
            **running.headers(running.subgraphs["org"], viewer),
            "x-partygrid-filename": "%E5%85%9A%E5%91%98.xlsx",
            "idempotency-key": key,
        },
        timeout=60,
    )
    assert lost.status_code == 403, lost.text
    assert lost.json()["errors"][0]["code"] == "FORBIDDEN"
