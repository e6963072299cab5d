"""The vaultkit side of the warm worker: start it once per process, reuse it.

The language server calls :func:`vaultkit.execute.run_notes` many times; every
call shares one worker (started lazily, restarted if it died, shut down at
exit).  Calls are serialised by a lock.
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import subprocess
import sys
import tempfile
import threading
import time

from . import results as R
from .sandbox import scrubbed_env

STARTUP_TIMEOUT = 180.0  # importing torch on a loaded 2-core machine can take a while


class WorkerError(RuntimeError):
    """The worker could not be started or died; the message says why."""


class Worker:
    def __init__(self):
        self.proc: subprocess.Popen | None = None
        self.info: dict = {}
        self.next_id = 0
        self.buffer = b""

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        env = scrubbed_env()
        # The worker imports vaultkit from wherever this process did.
        package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
        debug = os.environ.get("VAULTKIT_EXEC_DEBUG")
        self.proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "vaultkit.execute.server"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=None if debug else subprocess.DEVNULL,
            env=env, cwd=tempfile.gettempdir(), start_new_session=True,
        )
        self.buffer = b""
        message = self._read(STARTUP_TIMEOUT)
        if message is None or message.get("t") != "ready":
            self.stop()
            raise WorkerError("the code-block worker did not start (python -m vaultkit.execute.server)")
        self.info = message

    def _read(self, timeout: float | None) -> dict | None:
        """The next message, or None on EOF / after ``timeout`` seconds without one."""
        assert self.proc and self.proc.stdout
        fd = self.proc.stdout.fileno()
        end = None if timeout is None else time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self.buffer:
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    return None
                if not selector.select(left):
                    continue
                data = os.read(fd, 1 << 20)
                if not data:
                    return None
                self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def run(self, jobs: list[list[tuple[int, str]]], *, timeout: float, memory_mb: int,
            parallel: int, on_done=None) -> list[dict]:
        """Run every job (a note's blocks); return the worker's "done" messages in job order."""
        if not self.alive:
            self.start()
        ids = []
        for blocks in jobs:
            self.next_id += 1
            ids.append(self.next_id)
            self._send({"op": "run", "id": self.next_id, "blocks": [list(b) for b in blocks],
                        "timeout": timeout, "memory_mb": memory_mb, "jobs": parallel})
        pending = set(ids)
        done: dict[int, dict] = {}
        # The worker enforces block limits; this only guards against a wedged worker.
        silence = timeout * 4 + 60
        while pending:
            message = self._read(silence)
            if message is None:
                self.stop()
                raise WorkerError("the code-block worker stopped answering")
            if message.get("t") == "done" and message["id"] in pending:
                pending.discard(message["id"])
                done[message["id"]] = message
                if on_done:
                    on_done(ids.index(message["id"]), message)
        return [done[i] for i in ids]

    def _send(self, message: dict) -> None:
        assert self.proc and self.proc.stdin
        try:
            self.proc.stdin.write((json.dumps(message) + "\n").encode("utf-8"))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            self.stop()
            raise WorkerError("the code-block worker exited unexpectedly") from None

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            if proc.poll() is None and proc.stdin:
                proc.stdin.write(b'{"op": "shutdown"}\n')
                proc.stdin.close()
                proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired, ValueError):
            pass
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass


_LOCK = threading.Lock()
_WORKER: Worker | None = None


def worker() -> Worker:
    """This process's worker (created on first use; started on first run)."""
    global _WORKER
    if _WORKER is None:
        _WORKER = Worker()
        atexit.register(shutdown)
    return _WORKER


def shutdown() -> None:
    """Stop the worker if one is running (also registered with atexit)."""
    if _WORKER is not None:
        _WORKER.stop()


def results_of(message: dict) -> tuple[list[R.BlockResult], list[str], float]:
    return ([R.block_from_json(b) for b in message.get("blocks", ())],
            list(message.get("sandbox", ())), float(message.get("seconds", 0.0)))
