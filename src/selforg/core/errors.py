"""Errors that reach the user as one line and an exit code (no traceback)."""


class BadInput(ValueError):
    """A value the user gave is not allowed. The CLI prints the message and exits 2.

    The message names the bad value and says what is allowed, in one line.
    """


def require(condition: bool, message: str) -> None:
    """Raise `BadInput(message)` unless `condition`."""
    if not condition:
        raise BadInput(message)


class TrainingDiverged(RuntimeError):
    """A metric or the trained state became NaN or infinite; nothing after the last finite
    checkpoint was written. Exit 1."""


class Interrupted(Exception):
    """Ctrl-C during a long job, after the current step was finished and checkpointed. Exit 130."""

    def __init__(self, run_dir: str | None = None):
        self.run_dir = run_dir
        super().__init__(run_dir or "")
