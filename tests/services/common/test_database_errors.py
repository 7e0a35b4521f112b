"""A database failure a caller can act on gets its code; any other stays unexpected
(services/common/database_errors.py), with real driver errors from the test database."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, exc, pool, text

from infra.setup import Prepared
from infra.supervisor import free_port
from services.common.database_errors import MESSAGES, database_code, error_dict

# A write that changes nothing (the connection is closed without a commit anyway).
WRITE = "UPDATE org.facts_version SET version = version WHERE false"


def _failure(url: str, *statements: str) -> exc.DBAPIError:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            for statement in statements[:-1]:
                conn.execute(text(statement))
            with pytest.raises(exc.DBAPIError) as failed:
                conn.execute(text(statements[-1]))
    except exc.OperationalError as unreachable:  # no connection at all
        return unreachable
    finally:
        engine.dispose()
    return failed.value


def test_a_write_in_a_read_only_database_is_database_read_only(prepared: Prepared) -> None:
    url = prepared.database.service_urls["org"]
    failed = _failure(url, "SET TRANSACTION READ ONLY", WRITE)
    assert database_code(failed) == "DATABASE_READ_ONLY"


def test_a_database_that_does_not_answer_is_database_unavailable() -> None:
    nowhere = f"postgresql+psycopg://nobody:secret@127.0.0.1:{free_port()}/nothing"
    assert database_code(_failure(nowhere, "SELECT 1")) == "DATABASE_UNAVAILABLE"


def test_other_database_errors_are_not_told(prepared: Prepared) -> None:
    assert database_code(_failure(prepared.database.service_urls["org"], "SELECT 1/0")) is None
    assert database_code(RuntimeError("not the database")) is None


def test_a_wrapped_failure_is_found_and_the_message_is_ours(prepared: Prepared) -> None:
    url = prepared.database.service_urls["org"]
    failed = _failure(url, "SET TRANSACTION READ ONLY", WRITE)
    wrapped = ValueError("a resolver's own")
    wrapped.__cause__ = failed  # raise ... from failed
    assert database_code(wrapped) == "DATABASE_READ_ONLY"
    error = error_dict("DATABASE_READ_ONLY")
    assert error["message"] == MESSAGES["DATABASE_READ_ONLY"][0]
    assert "UPDATE" not in str(error) and "read-only" in str(error["extensions"])
