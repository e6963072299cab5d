"""A progress bar for long commands: rich, on stderr, only on a terminal, only after a second."""

from __future__ import annotations

import sys
import threading


class LazyProgress:
    """A rich progress bar on stderr that appears only after the work has taken
    a second, and only when stderr is a terminal."""

    DELAY = 1.0

    def __init__(self) -> None:
        self._progress = None
        self._timer = None
        self._lock = threading.Lock()
        if not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=Console(stderr=True), transient=True,
        )
        self._timer = threading.Timer(self.DELAY, self._start)
        self._timer.daemon = True
        self._timer.start()
        self._started = False

    def _start(self) -> None:
        with self._lock:
            if self._progress is not None and not self._started:
                self._progress.start()
                self._started = True

    def task(self, description: str):
        """A ``(done, total)`` callback updating one line of the bar (None when off)."""
        if self._progress is None:
            return None
        task_id = self._progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            self._progress.update(task_id, completed=done, total=total)

        return update

    def close(self) -> None:
        if self._progress is None:
            return
        self._timer.cancel()
        with self._lock:
            if self._started:
                self._progress.stop()
            self._progress = None
