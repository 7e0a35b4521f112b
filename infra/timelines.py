"""Which backups lie on the WAL archive's newest timeline.

Every restore to an earlier moment starts a new timeline, which forks from its parent at
some WAL position (the `.history` file of the timeline says where). A backup taken on the
parent after that fork is not on the new timeline's history: recovery from it along the
newest timeline fails ("could not locate required checkpoint record"). pgBackRest 2.45 picks
the newest backup by label, so the restore picks the set itself, among these.
"""

from __future__ import annotations


def lsn(text: str) -> int:
    """A WAL position written as PostgreSQL does (`0/50048E0`)."""
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def timeline_of(segment: str) -> int:
    """The timeline of a WAL segment file name (its first 8 hex digits)."""
    return int(segment[:8], 16)


def history_ends(text: str) -> dict[int, int]:
    """A timeline history file: each ancestor timeline and the position where it ended."""
    ends: dict[int, int] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].isdigit():
            ends[int(parts[0])] = lsn(parts[1])
    return ends


def on_history(timeline: int, stop_lsn: int, newest: int, ends: dict[int, int]) -> bool:
    """Whether a backup on `timeline`, consistent at `stop_lsn`, can be replayed along the
    newest timeline (whose ancestors ended at `ends`)."""
    if timeline == newest:
        return True
    return timeline in ends and stop_lsn <= ends[timeline]
