"""Which timeline the database ran on at a moment, and which backups lie on a timeline.

Every restore to an earlier moment starts a new timeline, which forks from its parent at
some WAL position (the `.history` file of the timeline says where). A backup taken on the
parent after that fork is not on the new timeline's history: recovery from it along the
new timeline fails ("could not locate required checkpoint record"). pgBackRest 2.45 picks
the newest backup by label, so the restore picks the set itself, among these.
"""

from __future__ import annotations

import itertools


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


class UndecidableError(ValueError):
    """The archive's file times cannot say which timeline ran at a moment."""


def in_use_at(began: dict[int, float], moment: float, backups: dict[int, float]) -> int:
    """The timeline the cluster ran on at `moment` (seconds since the epoch).

    A restore starts timeline N, whose history file reaches the repository when the restored
    cluster is promoted, before anything is committed on N and after the last commit on the
    timeline before it (the suite was stopped for the restore). So timeline N ran from its
    history file's time (`began`, the file's modification time in the repository) until the
    next timeline's; timeline 1 from the start. `backups`: the earliest start of a backup on
    each timeline, which must be after that timeline began; when it is not (a repository
    copied without its file times, say), or the times do not rise with the timelines, the
    times say nothing and UndecidableError is raised."""
    order = sorted(began)
    times = [began[n] for n in order]
    if any(later <= earlier for earlier, later in itertools.pairwise(times)):
        raise UndecidableError("the timelines' history files were not stored in their order")
    for timeline, start in backups.items():
        if timeline in began and start < began[timeline]:
            raise UndecidableError(
                f"a backup on timeline {timeline} began before its history file was stored"
            )
    return max((n for n in order if began[n] <= moment), default=1)


SEGMENTS_PER_LOG = 0x100  # 16 MiB segments: a log file number holds 256 of them


def _position(segment: str) -> int:
    return int(segment[8:16], 16) * SEGMENTS_PER_LOG + int(segment[16:24], 16)


def _name(timeline: int, position: int) -> str:
    log, seg = divmod(position, SEGMENTS_PER_LOG)
    return f"{timeline:08X}{log:08X}{seg:08X}"


def gaps(segments: list[str]) -> list[tuple[str, str]]:
    """The holes in an archive's WAL: on each timeline, the first and last segment missing
    between its first and last archived one. WAL dropped while the repository could not be
    reached (archive-push-queue-max) leaves such a hole, and pgBackRest calls the push a
    success: no moment in or after it can be restored from a backup older than it."""
    by_timeline: dict[int, set[int]] = {}
    for name in segments:
        by_timeline.setdefault(timeline_of(name), set()).add(_position(name))
    holes: list[tuple[str, str]] = []
    for timeline, present in sorted(by_timeline.items()):
        ordered = sorted(present)
        for before, after in itertools.pairwise(ordered):
            if after > before + 1:
                holes.append((_name(timeline, before + 1), _name(timeline, after - 1)))
    return holes
