"""Importing the organization and member rosters (组织、党员花名册) from Excel.

The whole file is checked first, every row and column, without writing; then, only when every
row passes (or the caller asked for `partial`: the valid rows, the rest sent back as a file of
refused rows), everything is written in the caller's one transaction. A row whose external id
(组织编码 / 党员编号: the roster system's own key, or the id an export wrote) names a stored one
updates it; an unchanged row is skipped as unchanged, so export → import changes nothing.
External ids are unique per district (two districts' systems may number alike): a row matches
the stored rows of its own district (its community's first six digits), and a code held only
in another district is no clash.

Members' homes are buildings of their community, named by building id or by address (matched
against grid's buildings, `homes_of`); addresses that match none are listed, not refused.
身份证号 columns are read past and never stored. Personal fields (birth date, phone) left blank
on a member that exists keep what is stored: an export withholds them from callers who may not
read them, and re-importing such a file must not erase them.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.errors import DomainError, UserErrorCode
from services.org.roster.columns import COLUMNS, MEMBERS, ORGANIZATIONS
from services.org.roster.member_rows import members_roster
from services.org.roster.organization_rows import organizations_roster
from services.org.roster.report import Report
from services.org.roster.rows import HomesOf, ImportOptions
from services.org.roster.workbook import workbook


async def import_roster(
    conn: AsyncConnection,
    kind: str,
    data: bytes,
    options: ImportOptions,
    *,
    homes_of: HomesOf | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Check (and unless `check_only` or refused, write) one roster file in `conn`'s
    transaction. Raises DomainError only for a file that is not a roster at all."""
    try:
        if kind == ORGANIZATIONS:
            return await organizations_roster(conn, data, options, progress)
        if kind == MEMBERS:
            return await members_roster(conn, data, options, homes_of, progress)
    except IntegrityError as clash:
        # The checks mirror the constraints; what slips past (a write racing this import, a
        # community organization demoted and replaced in one file) refuses the whole file.
        name = getattr(getattr(clash.orig, "diag", None), "constraint_name", None) or "?"
        raise DomainError(
            UserErrorCode.CONFLICT,
            f"写入时与已存数据冲突（{name}），未写入任何数据",
            f"The write clashed with stored data ({name}); nothing was written",
            ["file"],
        ) from None
    raise ValueError(f"unknown roster kind {kind!r}")


def refused_rows_file(report: Report) -> bytes | None:
    """The refused rows as the same roster with an error column, or None when none."""
    if not report.refused_rows:
        return None
    columns = COLUMNS[report.kind]
    rows = [
        [r.values.get(c.key) for c in columns]
        + ["；".join(f"{report.headers.get(p.column or '', '')}：{p.message}" for p in r.problems)]
        for r in report.refused_rows
    ]
    return workbook(report.kind, rows, errors=True)
