"""Every table of the assess schema on its one metadata, for Alembic and the tests."""

from __future__ import annotations

from services.assess.commendations import tables as commendation_tables
from services.assess.grading import tables as grading_tables
from services.assess.metadata import metadata
from services.assess.milestones import tables as milestone_tables
from services.assess.records import tables as record_tables
from services.assess.reports import tables as report_tables
from services.assess.standard import tables as standard_tables

# The table modules register their tables on `metadata` when imported.
TABLE_MODULES = (
    standard_tables,
    record_tables,
    grading_tables,
    milestone_tables,
    report_tables,
    commendation_tables,
)

__all__ = ["TABLE_MODULES", "metadata"]
