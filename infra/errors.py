"""Set-up failures the user must act on: one line of cause, one of fix."""

from __future__ import annotations


class SetupError(RuntimeError):
    """A stop with a one-line cause and the command or setting that fixes it."""

    def __init__(self, cause: str, fix: str) -> None:
        super().__init__(f"{cause}\n  fix: {fix}")
        self.cause = cause
        self.fix = fix
