"""A roster import looks its members' numbers up through the unique index on
(left(community_code, 6), external_id) (org_0006, the only index holding external_id), not by
scanning every member: EXPLAIN of the very query the import runs, on the real database."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, pool
from sqlalchemy.dialects import postgresql

from services.org.roster_import import STORED_MEMBERS


def _nodes(plan: dict) -> list[dict]:
    return [plan, *(n for child in plan.get("Plans", ()) for n in _nodes(child))]


def test_stored_members_are_found_through_the_district_code_index(
    service_urls: dict[str, str],
) -> None:
    compiled = STORED_MEMBERS.compile(dialect=postgresql.psycopg.dialect())
    params = {"codes": ["A0001", "A0002"], "districts": ["410104"], "ids": []}
    engine = create_engine(service_urls["org"], poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            # The demo's few members fit a page: forbid the scan that a large table would
            # pay for, so the plan shows whether an index can answer at all.
            conn.exec_driver_sql("SET enable_seqscan = off")
            ((plan,),) = conn.exec_driver_sql(
                f"EXPLAIN (FORMAT JSON) {compiled}", compiled.construct_params(params)
            ).all()
    finally:
        engine.dispose()
    nodes = _nodes((plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"])
    by_code = [
        n
        for n in nodes
        if n.get("Index Name") == "member_district_external_id"
        and "external_id" in n.get("Index Cond", "")
        and "community_code" in n.get("Index Cond", "")
    ]
    assert by_code, json.dumps(nodes, ensure_ascii=False, indent=1)
    assert not any(n["Node Type"] == "Seq Scan" for n in nodes)
