"""When `partygrid up` starts a dead process again, and when it gives up.

A policy per watched process (a subgraph, the gateway, the private cluster's postmaster),
fed with clock times so it is tested without waiting: the n-th restart in a row waits
0.5 s, 1 s, 2 s, 4 s, ... up to 30 s; a process that stayed healthy for a minute starts
the count again; a process restarted 10 times within 5 minutes is given up (`up` then
stops everything and exits 1: a process that keeps dying needs a person, not a loop).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

FIRST_DELAY = 0.5
MAX_DELAY = 30.0
HEALTHY_RESET = 60.0  # seconds healthy after which the backoff starts again at FIRST_DELAY
MAX_RESTARTS = 10  # within WINDOW: more, and the process is given up
WINDOW = 300.0


@dataclass
class RestartPolicy:
    first_delay: float = FIRST_DELAY
    max_delay: float = MAX_DELAY
    healthy_reset: float = HEALTHY_RESET
    max_restarts: int = MAX_RESTARTS
    window: float = WINDOW
    streak: int = 0  # restarts in a row, without a healthy minute between them
    _restarts: deque[float] = field(default_factory=deque)  # when each restart was decided
    _healthy_since: float | None = None

    def healthy(self, now: float) -> None:
        """The process answers again (or for the first time)."""
        self._healthy_since = now

    def exited(self, now: float) -> float | None:
        """The process died at `now`: seconds to wait before starting it again, or None to
        give up (MAX_RESTARTS within WINDOW already)."""
        if self._healthy_since is not None and now - self._healthy_since >= self.healthy_reset:
            self.streak = 0
        self._healthy_since = None
        while self._restarts and now - self._restarts[0] > self.window:
            self._restarts.popleft()
        if len(self._restarts) >= self.max_restarts:
            return None
        delay = min(self.first_delay * 2**self.streak, self.max_delay)
        self.streak += 1
        self._restarts.append(now)
        return delay


def exit_reason(returncode: int | None) -> str:
    """How a child ended, as the console says it: `signal 9`, `status 3`."""
    if returncode is None:
        return "unknown status"
    return f"signal {-returncode}" if returncode < 0 else f"status {returncode}"
