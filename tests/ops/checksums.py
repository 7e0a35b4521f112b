"""Fingerprints of a PartyGrid database's state, to prove a restore gave back one moment exactly.

A fingerprint is taken in one REPEATABLE READ transaction whose first statement reads the
server's clock: every table is seen by the snapshot of that instant, and the instant is a
recovery target (`partygrid restore --to`) whose state is the fingerprinted one. Commits
visible to the snapshot carry earlier commit times; one still committing while the snapshot is
taken could carry an earlier time and yet be missing, so take fingerprints while nothing writes.

Per table of the product's schemas: its row count and an md5 over the md5 of each row's text
in primary-key order (per-row digests keep the aggregate small whatever the rows hold: evidence
bytes, footprints). Session settings that change how values print are fixed, so two
fingerprints of the same rows are equal whoever takes them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

# The product's schemas: the three services' and the users' (gateway/auth). public holds
# PostGIS's reference tables only, which no restore or write of ours changes.
SCHEMAS = ("org", "grid", "assess", "auth")

# Nothing is left out by default: a point-in-time restore gives back every row, idempotency
# claims, alembic versions and org.facts_version included. What a restore itself then
# changes on purpose (ending sessions, say) is named by the caller in `leave_out`.
Columns = Mapping[str, frozenset[str]]  # "schema.table" -> columns left out


@dataclass(frozen=True)
class TableState:
    rows: int
    digest: str  # md5 of the rows' md5s in primary-key order ("" for an empty table)


@dataclass(frozen=True)
class EvidenceCheck:
    """assess.evidence_blob: every file's bytes against the hash and size stored with it."""

    files: int
    bytes: int
    wrong_hash: int
    wrong_size: int
    unreferenced: int  # blobs no evidence row names (an upload keeps both or neither)


@dataclass(frozen=True)
class Fingerprint:
    taken_at: dt.datetime  # the server's clock at the snapshot: a restore target
    tables: dict[str, TableState]
    evidence: EvidenceCheck
    left_out: dict[str, frozenset[str]] = field(default_factory=dict)

    def differences(self, other: Fingerprint) -> dict[str, tuple[object, object]]:
        """Tables whose state differs (and the evidence check), as (self, other)."""
        found: dict[str, tuple[object, object]] = {}
        for name in sorted(self.tables.keys() | other.tables.keys()):
            mine, theirs = self.tables.get(name), other.tables.get(name)
            if mine != theirs:
                found[name] = (mine, theirs)
        if self.evidence != other.evidence:
            found["evidence"] = (self.evidence, other.evidence)
        return found


_TABLES = """
SELECT n.nspname, c.relname,
       array(SELECT a.attname FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum) AS columns,
       array(SELECT a.attname FROM pg_index i
             CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             WHERE i.indrelid = c.oid AND i.indisprimary
             ORDER BY k.position) AS key
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY 1, 2
"""

_EVIDENCE = """
SELECT count(*), coalesce(sum(octet_length(b.content)), 0),
       count(*) FILTER (WHERE encode(sha256(b.content), 'hex') <> b.sha256),
       count(*) FILTER (WHERE octet_length(b.content) <> b.size),
       count(*) FILTER (WHERE NOT EXISTS
                        (SELECT FROM assess.evidence e WHERE e.sha256 = b.sha256))
FROM assess.evidence_blob b
"""


def _table_state(
    conn: psycopg.Connection, schema: str, table: str, columns: list[str], key: list[str]
) -> TableState:
    if not key:
        raise AssertionError(f"{schema}.{table} has no primary key: its row order is undefined")
    row = sql.SQL("ROW({})").format(sql.SQL(", ").join(sql.Identifier(c) for c in columns))
    query = sql.SQL(
        "SELECT count(*), coalesce(md5(string_agg(md5({row}::text), '' ORDER BY {key})), '')"
        " FROM {table}"
    ).format(
        row=row,
        key=sql.SQL(", ").join(sql.Identifier(c) for c in key),
        table=sql.Identifier(schema, table),
    )
    found = conn.execute(query).fetchone()
    assert found is not None
    return TableState(int(found[0]), str(found[1]))


def fingerprint(conninfo: str, *, leave_out: Columns | None = None) -> Fingerprint:
    """The state of every table of SCHEMAS and the evidence check, as of one instant (the
    superuser's conninfo: it reads every schema)."""
    left_out = dict(leave_out or {})
    leave_out = dict(left_out)  # what is not found is popped: names of missing tables remain
    with psycopg.connect(conninfo) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction():
            # First statement: it takes the snapshot, then reads the clock (a later instant,
            # with nothing committed between when nothing writes).
            (taken_at,) = conn.execute("SELECT clock_timestamp()").fetchone() or (None,)
            assert isinstance(taken_at, dt.datetime)
            for name, value in (
                ("TimeZone", "UTC"),
                ("DateStyle", "ISO, YMD"),
                ("IntervalStyle", "postgres"),
                ("extra_float_digits", "1"),
                ("bytea_output", "hex"),
            ):
                conn.execute("SELECT set_config(%s, %s, true)", (name, value))
            tables: dict[str, TableState] = {}
            for schema, table, columns, key in conn.execute(_TABLES, (list(SCHEMAS),)).fetchall():
                name = f"{schema}.{table}"
                out = leave_out.pop(name, frozenset())
                assert out <= set(columns), f"{name} has no column {sorted(out - set(columns))}"
                kept = [c for c in columns if c not in out]
                tables[name] = _table_state(conn, schema, table, kept, list(key))
            counts = conn.execute(_EVIDENCE).fetchone()
            assert counts is not None
            evidence = EvidenceCheck(*(int(value) for value in counts))
    assert not leave_out, f"left out columns of tables that do not exist: {sorted(leave_out)}"
    return Fingerprint(taken_at, tables, evidence, left_out)
