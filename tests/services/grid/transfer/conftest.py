"""Every import test leaves grid's places as it found them: a community, zone or building
left behind is read by later tests (e.g. planner's "a community without zones") in whatever
order the suite runs them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from placeholder_communities import sql

from infra.setup import Prepared

PLACES = """SELECT
  (SELECT coalesce(string_agg(code || ' ' || md5(ST_AsEWKB(boundary)), ',' ORDER BY code), '')
     FROM grid.community),
  (SELECT coalesce(string_agg(id::text || ' ' || md5(ST_AsEWKB(boundary)), ',' ORDER BY id), '')
     FROM grid.zone),
  (SELECT coalesce(string_agg(id::text || ' ' || coalesce(zone_id::text, ''), ',' ORDER BY id),
     '') FROM grid.building)"""


def _places(url: str) -> dict[str, set[str]]:
    (row,) = sql(url, PLACES)
    return {
        table: set(filter(None, listed.split(",")))
        for table, listed in zip(("community", "zone", "building"), row, strict=True)
    }


@pytest.fixture(autouse=True)
def _places_restored(prepared: Prepared) -> Iterator[None]:
    url = prepared.database.service_urls["grid"]
    before = _places(url)
    yield
    after = _places(url)
    left = {
        t: (after[t] - before[t], before[t] - after[t]) for t in before if after[t] != before[t]
    }
    assert not left, f"grid places not restored (added, removed): {left}"
