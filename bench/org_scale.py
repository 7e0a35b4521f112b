"""The org subgraph at district scale: SQL statements per query and latency.

Builds a synthetic district of 150 communities and 30,000 members in a scratch database
of a private cluster (under .data/bench), runs the org app in this process, and reports for
each query the SQL statements it issued (DataLoaders keep this flat as the district grows)
and its latency, as a ratio to a one-row baseline query run in the same script.

    .venv/bin/python bench/org_scale.py [-n 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx
from sqlalchemy import Engine, create_engine, event, pool, text

from infra.database import role_of
from infra.locking import RunLock
from infra.settings import ROOT, SERVICES, SuiteSettings
from infra.setup import database
from services.org.app import OrgSettings, create_app

COMMUNITIES, MEMBERS_PER_COMMUNITY, GROUPS_PER_COMMUNITY = 150, 200, 20

SEED_SQL = f"""
INSERT INTO org.region (code, name, name_en, level, parent_code)
VALUES ('990001', '基准区', 'Bench District', 'district', NULL);
INSERT INTO org.region (code, name, name_en, level, parent_code)
SELECT '990001' || lpad(s::text, 3, '0'), '街道' || s, 'Street ' || s, 'street', '990001'
FROM generate_series(1, 10) s;
INSERT INTO org.region (code, name, name_en, level, parent_code)
SELECT '990001' || lpad((c % 10 + 1)::text, 3, '0') || lpad(c::text, 3, '0'),
       '社区' || c, 'Community ' || c, 'community',
       '990001' || lpad((c % 10 + 1)::text, 3, '0')
FROM generate_series(1, {COMMUNITIES}) c;
INSERT INTO org.party_organization (id, community_code, name, kind)
SELECT md5('top' || code)::uuid, code, name || '党委', 'community_committee'
FROM org.region WHERE level = 'community';
INSERT INTO org.party_organization (id, community_code, name, kind, parent_id)
SELECT md5('group' || code || g)::uuid, code, name || '第' || g || '党小组', 'party_group',
       md5('top' || code)::uuid
FROM org.region, generate_series(1, {GROUPS_PER_COMMUNITY}) g WHERE level = 'community';
INSERT INTO org.member (id, community_code, name, gender, birth_date, education, joined_on,
                        management, organization_id)
SELECT md5('member' || code || m)::uuid, code, '党员' || m, 'F', date '1970-01-01' + m,
       'bachelor', date '1995-07-01' + m, 'self',
       md5('group' || code || (m % {GROUPS_PER_COMMUNITY} + 1))::uuid
FROM org.region, generate_series(1, {MEMBERS_PER_COMMUNITY}) m WHERE level = 'community';
INSERT INTO org.committee_membership (id, community_code, organization_id, member_id, role)
SELECT md5('seat' || code || m)::uuid, code, md5('top' || code)::uuid,
       md5('member' || code || m)::uuid,
       (ARRAY['secretary', 'fulltime_deputy', 'parttime_deputy', 'member', 'member'])[m]
FROM org.region, generate_series(1, 5) m WHERE level = 'community';
INSERT INTO org.post (id, community_code, member_id, kind, title, claimed_on)
SELECT md5('post' || id)::uuid, community_code, id, 'volunteer', '志愿岗', date '2020-01-01'
FROM org.member WHERE community_code LIKE '990001%';
"""

QUERIES = {
    "baseline: one region": ('{ region(code: "990001") { name } }', 1),
    "organization tree (150 communities, 3 levels, committees)": (
        """{ organizations(regionCode: "990001", kind: COMMUNITY_COMMITTEE, first: 200) {
             totalCount nodes { name community { name } committee { role member { name } }
             children { name children { name } } } } }""",
        COMMUNITIES,
    ),
    "member list (200 of 30,000, with organization and posts)": (
        """{ members(filter: {regionCode: "990001"}, first: 200) { totalCount
             nodes { name organization { name parent { name } } posts { title } categories { category } } } }""",
        200,
    ),
}


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0
        event.listen(Engine, "before_cursor_execute", self._count)

    def _count(self, *_args: object) -> None:
        self.count += 1


def seed(url: str) -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        if conn.execute(text("SELECT 1 FROM org.region WHERE code = '990001'")).first() is None:
            for statement in SEED_SQL.strip().split(";\n"):
                conn.execute(text(statement))
    engine.dispose()


async def measure(org_url: str, n: int) -> None:
    counter = StatementCounter()
    app = create_app(OrgSettings(database_url=org_url, grid_url="http://127.0.0.1:9/graphql"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://org") as client:
            baseline = None
            for name, (query, rows) in QUERIES.items():

                async def run(q: str = query) -> dict:
                    response = await client.post("/graphql", json={"query": q})
                    body = response.json()
                    assert "errors" not in body, body
                    return body

                await run()  # warm
                counter.count = 0
                await run()
                statements = counter.count
                samples = []
                for _ in range(n):
                    started = time.perf_counter()
                    await run()
                    samples.append((time.perf_counter() - started) * 1000)
                p50 = statistics.median(samples)
                baseline = baseline or p50
                print(
                    f"{name:62} SQL statements {statements:3}  p50 {p50:8.1f} ms  "
                    f"x{p50 / baseline:6.1f} of baseline  ({rows} top-level rows)"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=20)
    args = parser.parse_args()
    settings = SuiteSettings(
        data_dir=ROOT / ".data" / "bench", db_name="partygrid_bench", demo=False
    )
    with RunLock(settings.data_dir), database(settings) as prepared:
        urls = prepared.database.service_urls
        assert set(urls) == set(SERVICES) and role_of("org") in urls["org"]
        seed(urls["org"])
        asyncio.run(measure(urls["org"], args.n))


if __name__ == "__main__":
    main()
