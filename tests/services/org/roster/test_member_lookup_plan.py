"""A roster import looks its members' numbers up through the unique index on
(left(community_code, 6), external_id) (org_0006, the only index holding external_id), not by
scanning every member: EXPLAIN of the very query the import runs, on the real database."""

from __future__ import annotations

import json

import psycopg
from sqlalchemy.dialects import postgresql

from infra.setup import Prepared
from services.org.roster.member_rows import STORED_MEMBERS


def _nodes(plan: dict) -> list[dict]:
    return [plan, *(n for child in plan.get("Plans", ()) for n in _nodes(child))]


def test_stored_members_are_found_through_the_district_code_index(prepared: Prepared) -> None:
    compiled = STORED_MEMBERS.compile(dialect=postgresql.psycopg.dialect())
    params = {"codes": ["T00001", "T00002"], "districts": ["410104"], "ids": []}
    # A district's worth of numbered members (the demo's have no 党员编号, which leaves the
    # partial index empty and any plan as cheap as another), counted by ANALYZE; all rolled
    # back.
    with psycopg.connect(prepared.database.admin_conninfo) as admin:
        (columns,) = admin.execute(
            "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) "
            "FROM information_schema.columns WHERE table_schema = 'org' "
            "AND table_name = 'member' AND column_name NOT IN ('id', 'external_id') "
            "AND is_generated = 'NEVER'"
        ).fetchone()
        admin.execute(
            f"INSERT INTO org.member (id, external_id, {columns}) "
            f"SELECT gen_random_uuid(), 'T' || lpad(n::text, 5, '0'), {columns} "
            "FROM (SELECT * FROM org.member WHERE community_code LIKE '410104%' LIMIT 1) one, "
            "generate_series(1, 5000) n"
        )
        admin.execute("ANALYZE org.member")
        admin.execute("SET LOCAL enable_seqscan = off")
        ((plan,),) = admin.execute(
            f"EXPLAIN (FORMAT JSON) {compiled}", compiled.construct_params(params)
        ).fetchall()
        admin.rollback()
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
