"""A progress bar for long commands: rich, on stderr, only on a terminal, only after a second."""

from __future__ import annotations

import sys
import time

# Refresh the bar at most this often (it is redrawn from the updates, not by a thread).
_REFRESH = 0.1


class LazyProgress:
    """A rich progress bar on stderr that appears once the work has taken a
    second, and only when stderr is a terminal.

    It starts no thread: the bar is drawn from the progress callbacks
    themselves.  A thread would make forking worker processes unsafe (a lock
    held by the thread at the fork stays locked in the child), and the loaders
    fork only while the process runs no other thread.
    """

    DELAY = 1.0

    def __init__(self) -> None:
        self._progress = None
        self._started = False
        self._born = time.monotonic()
        self._drawn = 0.0
        if not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=Console(stderr=True), transient=True, auto_refresh=False,
        )

    def task(self, description: str):
        """A ``(done, total)`` callback updating one line of the bar (None when off)."""
        if self._progress is None:
            return None
        task_id = self._progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            if self._progress is None:
                return
            self._progress.update(task_id, completed=done, total=total)
            now = time.monotonic()
            if now - self._born < self.DELAY or now - self._drawn < _REFRESH:
                return
            if not self._started:
                self._progress.start()  # with auto_refresh off, rich starts no thread
                self._started = True
            self._progress.refresh()
            self._drawn = now

        return update

    def close(self) -> None:
        if self._progress is None:
            return
        if self._started:
            self._progress.stop()
        self._progress = None
