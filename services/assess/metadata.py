"""The one SQLAlchemy MetaData of the assess schema.

Each domain package defines its tables on it (`<package>/tables.py`); `all_tables` imports
them all for Alembic and the tests. This module imports no table module, so no package's
tables depend on another's except through a foreign key they name.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from services.common.idempotency import define_table

SCHEMA = "assess"
metadata = MetaData(schema=SCHEMA)
# Answers to retried writes (services/common/idempotency.py).
idempotency_key = define_table(metadata)
