"""Facts kept between requests (services/org/rules/facts_cache.py) never outlive a change.

org keeps communities' facts at `org.facts_version`, which every committed change to a table
the facts are read from moves (migration org_0008). These tests hold the triggers to the
tables `load_facts` reads, and show that a change committed behind the graph's back (plain
SQL, as an import or a console write would commit it) is in the very next `communityCounts`
and `findings`, and that undoing it gives back the first answer exactly.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

from org_api import query
from sqlalchemy import Connection, Table, create_engine, pool, text

from services.org.rules import facts as facts_module
from stack import Running

COMMUNITY = "410104001001"
COUNTS = """query ($codes: [String!]!) { communityCounts(communityCodes: $codes) {
  code reportingDue reportedIn specialCategoryMembers helpedMembers
  postDuties { duty owed held } findings { rule message } } }"""
FINDINGS = """query ($c: String!) { findings(regionCode: $c, first: 500) {
  totalCount nodes { rule message } } }"""


def _read(running: Running) -> tuple[dict, dict]:
    counts = query(running, COUNTS, {"codes": [COMMUNITY]})["communityCounts"]
    found = query(running, FINDINGS, {"c": COMMUNITY})["findings"]
    return counts[0], found


@contextlib.contextmanager
def _committed(url: str) -> Iterator[Connection]:
    """One committed transaction as org's role."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def _version(url: str) -> int:
    with _committed(url) as conn:
        return int(conn.execute(text("SELECT version FROM org.facts_version")).scalar_one())


def _report_in(conn: Connection) -> uuid.UUID:
    """A non-self-managed member of COMMUNITY pending 报到 reports in; its id."""
    member_id = conn.execute(
        text(
            "SELECT id FROM org.member WHERE community_code = :c AND left_on IS NULL"
            " AND management <> 'self' AND reporting_status = 'pending' ORDER BY id LIMIT 1"
        ),
        {"c": COMMUNITY},
    ).scalar_one()
    conn.execute(
        text("UPDATE org.member SET reporting_status = 'reported' WHERE id = :id"),
        {"id": member_id},
    )
    return member_id


def _put_back(conn: Connection, member_id: uuid.UUID) -> None:
    conn.execute(
        text("UPDATE org.member SET reporting_status = 'pending' WHERE id = :id"),
        {"id": member_id},
    )


def test_every_table_the_facts_are_read_from_moves_the_version(
    service_urls: dict[str, str],
) -> None:
    read = {t.name for t in vars(facts_module).values() if isinstance(t, Table)}
    with _committed(service_urls["org"]) as conn:
        rows = conn.execute(
            text(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'org' AND t.tgname IN ('facts_changed', 'facts_truncated')"
            )
        ).all()
    assert read >= {"member", "post", "region"}  # the module's tables were found
    assert {name for name, trigger in rows if trigger == "facts_changed"} == read
    assert {name for name, trigger in rows if trigger == "facts_truncated"} == read


def test_the_version_moves_once_per_committed_change_and_not_otherwise(
    service_urls: dict[str, str],
) -> None:
    url = service_urls["org"]
    before = _version(url)
    with _committed(url) as conn:  # two statements, many rows: one move
        conn.execute(
            text("UPDATE org.member SET name = name WHERE community_code = :c"), {"c": COMMUNITY}
        )
        conn.execute(
            text("UPDATE org.post SET kind = kind WHERE community_code = :c"), {"c": COMMUNITY}
        )
    assert _version(url) == before + 1
    with _committed(url) as conn:  # a read, and a write elsewhere: no move
        conn.execute(text("SELECT count(*) FROM org.member"))
        conn.execute(text("UPDATE org.evaluation SET reason = reason WHERE false"))
    assert _version(url) == before + 1
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:  # rolled back: no move
            conn.execute(
                text("UPDATE org.member SET name = name WHERE community_code = :c"),
                {"c": COMMUNITY},
            )
            conn.rollback()
    finally:
        engine.dispose()
    assert _version(url) == before + 1


def test_a_committed_change_is_in_the_next_read_and_undoing_it_restores_it(
    running: Running, service_urls: dict[str, str]
) -> None:
    url = service_urls["org"]
    first = _read(running)
    assert _read(running) == first  # read again at the same version: the same answer
    # A non-self-managed member pending 报到 reports in (then is put back): one more reported,
    # one `reporting.pending` finding fewer, in counts and findings alike.
    with _committed(url) as conn:
        member_id = _report_in(conn)
    try:
        counts, found = _read(running)
        assert counts["reportedIn"] == first[0]["reportedIn"] + 1
        pending = [f for f in found["nodes"] if f["rule"] == "reporting.pending"]
        before = [f for f in first[1]["nodes"] if f["rule"] == "reporting.pending"]
        assert len(pending) == len(before) - 1
        counted = [f for f in counts["findings"] if f["rule"] == "reporting.pending"]
        assert counted == pending  # counts' findings moved with the data too
    finally:
        with _committed(url) as conn:
            _put_back(conn, member_id)
    assert _read(running) == first


def test_a_restored_database_counting_up_again_is_never_served_the_facts_it_left(
    running: Running, service_urls: dict[str, str]
) -> None:
    """Restored to an earlier moment, the counter counts up again from there: the same number
    then names another state. Here the change is undone and the counter set back in one
    transaction, as a restore followed by one change would leave them (the same number as the
    facts org keeps, other data); the token drawn at the bump (org_0009) tells them apart."""
    url = service_urls["org"]
    first = _read(running)
    with _committed(url) as conn:
        member_id = _report_in(conn)
    try:
        changed = _read(running)  # kept by org at this version
        assert changed[0]["reportedIn"] == first[0]["reportedIn"] + 1
        version = _version(url)
        with _committed(url) as conn:  # the earlier state, counted up to the same number
            _put_back(conn, member_id)
            conn.execute(text("UPDATE org.facts_version SET version = version - 1"))
        assert _version(url) == version
        assert _read(running) == first
    finally:
        with _committed(url) as conn:
            _put_back(conn, member_id)
