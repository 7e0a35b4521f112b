"""Retried roster and region imports write once: org's `POST /imports/{kind}` with an
`Idempotency-Key`, through the gateway (which passes the key on), is answered once per caller
and key — a retry gets the first answer (same status, same body) and writes nothing again; the
same key with another file is IDEMPOTENCY_KEY_REUSED; a check stores no key; the stored answer
commits in the write's own transaction (services/common/import_once.py; grid's kinds:
tests/gateway/test_import_idempotency.py). Real gateway, org, grid and PostGIS."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from placeholder_communities import sql
from test_roster_import import MEMBER_HEADER, _community, _member_row, _xlsx

from infra.demo.model import Demo
from infra.setup import Prepared
from stack import DISTRICT, Running

STREET = "410104096"  # a street office new to the demo district, imported and removed here


def _keys(url: str, schema: str, key: str) -> list:
    return sql(
        url,
        f"SELECT subject, response IS NOT NULL FROM {schema}.idempotency_key WHERE key = :k",
        k=key,
    )


@pytest.fixture
def names(service_urls: dict[str, str]) -> Iterator[list[str]]:
    """Members a test imports, moved away after (later tests count the demo's residents)."""
    made: list[str] = []
    yield made
    sql(
        service_urls["org"],
        "UPDATE org.member SET left_on = current_date WHERE name = ANY(:n)",
        n=made,
    )


def test_a_retried_roster_upload_without_ids_writes_once(
    running: Running, demo: Demo, service_urls: dict[str, str], names: list[str]
) -> None:
    community, top = _community(demo)
    row = _member_row(community, top.name)  # no 党员编号: nothing else tells a retry apart
    names.append(row[MEMBER_HEADER.index("姓名")])
    data = _xlsx(MEMBER_HEADER, [row])
    key = str(uuid.uuid4())
    org = service_urls["org"]

    checked = running.upload("members", data, "党员.xlsx", DISTRICT, key, check="true")
    assert checked.status_code == 200, checked.text
    assert _keys(org, "org", key) == []  # a check writes nothing: no key is kept for it

    first = running.upload("members", data, "党员.xlsx", DISTRICT, key)
    assert first.status_code == 200, first.text
    assert first.json()["imported"] == 1
    again = running.upload("members", data, "党员.xlsx", DISTRICT, key)
    assert (again.status_code, again.content) == (first.status_code, first.content)
    stored = sql(org, "SELECT xmin::text FROM org.member WHERE name = :n", n=names[0])
    assert len(stored) == 1, "a retried upload wrote twice"
    # The answer was stored by the very transaction that wrote the member.
    answer = sql(org, "SELECT xmin::text FROM org.idempotency_key WHERE key = :k", k=key)
    assert answer == stored

    other = _member_row(community, top.name)
    names.append(other[MEMBER_HEADER.index("姓名")])
    reused = running.upload("members", _xlsx(MEMBER_HEADER, [other]), "党员.xlsx", DISTRICT, key)
    assert reused.status_code == 422, reused.text
    (error,) = reused.json()["errors"]
    assert error["code"] == "IDEMPOTENCY_KEY_REUSED" and error["message"] and error["messageEn"]
    assert sql(org, "SELECT 1 FROM org.member WHERE name = :n", n=names[1]) == []


@pytest.fixture
def org_url(prepared: Prepared) -> Iterator[str]:
    org = prepared.database.service_urls["org"]
    yield org
    sql(org, "DELETE FROM org.region WHERE code LIKE :p", p=f"{STREET}%")


def test_a_retried_regions_upload_gets_the_first_answer(running: Running, org_url: str) -> None:
    data = f"代码,名称,上级代码\n{STREET},重试测试街道,410104\n".encode()
    key = str(uuid.uuid4())
    first = running.upload("regions", data, "places.csv", DISTRICT, key)
    assert first.status_code == 200, first.text
    assert first.json()["imported"] == 1
    again = running.upload("regions", data, "places.csv", DISTRICT, key)
    assert (again.status_code, again.content) == (first.status_code, first.content)
    # Without the key the same file is a new request: it finds the place stored already.
    fresh = running.upload("regions", data, "places.csv", DISTRICT, None)
    assert fresh.status_code == 200 and fresh.json()["imported"] == 0


def test_a_malformed_key_is_refused_and_nothing_is_written(running: Running, org_url: str) -> None:
    """At the service itself (the gateway refuses it in front already, gateway/write_keys.py)."""
    org = running.subgraphs["org"]
    refused = httpx.post(
        f"{org.removesuffix('/graphql')}/imports/regions",
        content=f"代码,名称,上级代码\n{STREET},重试测试街道,410104\n".encode(),
        headers={
            **running.headers(org, DISTRICT),
            "x-partygrid-filename": "places.csv",
            "idempotency-key": "two words",
        },
        timeout=30,
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["errors"][0]["code"] == "INVALID_IDEMPOTENCY_KEY"
    assert sql(org_url, "SELECT 1 FROM org.region WHERE code = :c", c=STREET) == []


def test_a_retry_sent_while_the_first_still_runs_gets_its_answer(
    running: Running, demo: Demo, service_urls: dict[str, str], names: list[str]
) -> None:
    """Two uploads with one key at once (a double click, a client retrying on its own
    timeout): one writes, the other waits for it and answers the same."""
    community, top = _community(demo)
    rows = [_member_row(community, top.name) for _ in range(300)]
    names.extend(r[MEMBER_HEADER.index("姓名")] for r in rows)
    data, key = _xlsx(MEMBER_HEADER, rows), str(uuid.uuid4())
    with ThreadPoolExecutor(2) as pool:
        answers = list(
            pool.map(
                lambda _: running.upload("members", data, "党员.xlsx", DISTRICT, key), range(2)
            )
        )
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    assert answers[0].content == answers[1].content
    assert answers[0].json()["imported"] == len(rows)
    written = sql(
        service_urls["org"], "SELECT count(*) FROM org.member WHERE name = ANY(:n)", n=names
    )
    assert written == [(len(rows),)]
