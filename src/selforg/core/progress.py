"""Progress bars and graceful Ctrl-C for long loops (training, soup epochs, rollouts)."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class StopFlag:
    """Set by the first Ctrl-C; the loop finishes its current step, checkpoints and stops.

    A second Ctrl-C raises KeyboardInterrupt at once.
    """

    def __init__(self) -> None:
        self.requested = False


@contextmanager
def graceful_interrupt() -> Iterator[StopFlag]:
    """Within the block, Ctrl-C sets ``flag.requested`` instead of raising."""
    flag = StopFlag()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum, frame):  # noqa: ARG001
        if flag.requested:
            raise KeyboardInterrupt
        flag.requested = True
        print("\nstopping after this step (Ctrl-C again to abort at once)", file=sys.stderr)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def make_progress(*, quiet: bool = False, fields: str = "") -> Progress:
    """A rich progress bar: description, bar, done/total, custom `fields`, rate and ETA.

    `fields` is a format string over the task's fields, e.g. ``"loss {task.fields[loss]:.4f}"``.
    With ``quiet`` the bar is disabled (nothing is drawn).
    """
    columns = [
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
    ]
    if fields:
        columns.append(TextColumn(fields))
    columns += [
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    ]
    return Progress(*columns, console=Console(stderr=True), disable=quiet, transient=False)
