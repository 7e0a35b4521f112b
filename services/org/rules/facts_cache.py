"""Communities' facts kept between requests while org's data stays as it was.

Loading a district's facts is most of what `communityCounts` and `findings` cost, and the
console asks for them on every district page (home, overview) and assess on every live
assessment. `org.facts_version` moves at the commit of any transaction that changed a table
the facts are read from (migration org_0008's triggers), so facts loaded at a version are the
facts of any later reader that sees the same version: a reader reads the version first, then
takes what was loaded at it and loads only the rest. Facts loaded after the version was read
are at least as new as it (a commit in between only makes them newer, and the next reader
sees the new version and loads again), so nothing older than the version is ever served.

A version is the counter and the random token every bump draws (migration org_0009): a
database restored to an earlier moment counts up again from there, and the token keeps the same
number from naming the facts of the state that was left. Kept per process, per community, for
the current version only (an older version's entries are dropped as soon as a newer one is
seen; one with the same number and another token replaces it). Grid's part of the facts is not kept: it is
asked for on every load (`load_facts` gives each caller its own copy to fill in).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.common.replica import per_engine
from services.org.models import facts_version

# What is kept, by name only: facts.py and checker.py import this module, so it imports
# neither (no cycle, even for the type checker's sake).
CommunityFacts = Any  # services.org.rules.facts.CommunityFacts
Finding = Any  # services.org.rules.checker.Finding

MAX_COMMUNITIES = 4000  # a city's worth at one version; beyond it nothing more is kept


Version = tuple[int, str]
"""org.facts_version's counter and token."""


class FactsCache:
    def __init__(self) -> None:
        self.version: Version | None = None
        self.facts: dict[str, CommunityFacts] = {}
        # A community's findings of some rules on a day under some settings, at `version`.
        self.findings: dict[Hashable, list[Finding]] = {}

    async def current_version(self, conn: AsyncConnection) -> Version | None:
        """The version `conn` sees; None when its transaction has written something (its
        own changes are not in any version yet: it neither takes nor keeps facts)."""
        version, token, clean = (
            await conn.execute(
                select(
                    facts_version.c.version,
                    facts_version.c.token,
                    func.txid_current_if_assigned().is_(None),
                )
            )
        ).one()
        return (int(version), str(token)) if clean else None

    def kept(self, version: Version | None, codes: Iterable[str]) -> dict[str, CommunityFacts]:
        """The communities among `codes` loaded at `version`."""
        if version is None or version != self.version:
            return {}
        return {code: self.facts[code] for code in codes if code in self.facts}

    def keep(self, version: Version | None, loaded: dict[str, CommunityFacts]) -> None:
        if version is None:
            return
        if self.version is None or _newer(version, self.version):
            self.version, self.facts, self.findings = version, {}, {}
        if version == self.version and len(self.facts) + len(loaded) <= MAX_COMMUNITIES:
            self.facts.update(loaded)

    def findings_of(
        self, version: Version | None, key: Hashable, check: Callable[[], list[Finding]]
    ) -> list[Finding]:
        """`check()` once per `key` at the current version (facts loaded at an older one, or
        inside a transaction that wrote, are checked every time)."""
        if version is None or version != self.version:
            return check()
        found = self.findings.get(key)
        if found is None:
            found = check()
            if len(self.findings) < MAX_COMMUNITIES:
                self.findings[key] = found
        return list(found)


def _newer(seen: Version, kept: Version) -> bool:
    """Whether facts seen at `seen` replace those kept at `kept`: a higher count, or the same
    count drawn again after a restore (another token). A lower count is an older reader's,
    or a restored database's until it counts past `kept`: not kept, never served."""
    return seen[0] > kept[0] or (seen[0] == kept[0] and seen[1] != kept[1])


FACTS = per_engine(FactsCache)  # a replica's older version must not churn the primary's
