"""The vaultkit side of the warm worker: start it once per process, reuse it.

The language server calls :func:`vaultkit.execute.run_notes` many times; every
call shares one worker (started lazily, restarted if it died, shut down at
exit).  Calls are serialised by a lock.

The worker is either this process's own (``python -m vaultkit.execute.server``
on pipes) or, when the caller allows it, a connection to the shared daemon
(:mod:`.daemon`), which speaks the same protocol on a Unix socket.  Whenever
the daemon cannot be reached or dies mid-run, the notes not yet done run on a
worker of our own: the daemon only ever saves time.
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import socket
import subprocess
import sys
import tempfile
import threading
import time

from . import results as R
from .runtime import worker_env

STARTUP_TIMEOUT = 180.0  # importing torch on a loaded 2-core machine can take a while


class WorkerError(RuntimeError):
    """The worker could not be started or died; the message says why."""


class Worker:
    def __init__(self):
        self.proc: subprocess.Popen | None = None
        self.conn: socket.socket | None = None  # to the daemon, instead of proc
        self.info: dict = {}
        self.next_id = 0
        self.buffer = b""
        self.daemon_failed = False  # then this process keeps to its own worker

    @property
    def alive(self) -> bool:
        if self.conn is not None:
            return True  # a dead daemon shows on the next read or write
        return self.proc is not None and self.proc.poll() is None

    @property
    def shared(self) -> bool:
        return self.conn is not None

    def start(self, keep_warm: float | None = None) -> None:
        """Connect to the daemon when ``keep_warm`` is given (starting it with that
        idle timeout if needed), else, or when that fails, start our own worker."""
        env = worker_env()
        if keep_warm is not None and not self.daemon_failed:
            from .daemon_client import connect

            got = connect(env, keep_warm, STARTUP_TIMEOUT)
            if got is not None:
                self.conn, self.info, self.buffer = got
                return
            self.daemon_failed = True
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
        if self.conn is not None:
            fd = self.conn.fileno()
        else:
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
                try:
                    data = os.read(fd, 1 << 20)
                except OSError:  # a reset connection to the daemon
                    return None
                if not data:
                    return None
                self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def run(self, jobs: list[list[tuple[int, str]]], *, timeout: float, memory_mb: int,
            parallel: int, on_done=None, keep_warm: float | None = None) -> list[dict]:
        """Run every job (a note's blocks); return the worker's "done" messages in job order.

        ``keep_warm`` (seconds) allows the shared daemon; None keeps to our own worker.
        """
        want_shared = keep_warm is not None and not self.daemon_failed
        if self.alive and self.shared != want_shared:
            self.stop()
        if not self.alive:
            self.start(keep_warm)
        done: dict[int, dict] = {}

        def record(position: int, message: dict) -> None:
            done[position] = message
            if on_done:
                on_done(position, message)

        limits = {"timeout": timeout, "memory_mb": memory_mb, "parallel": parallel}
        shared = self.shared  # (a failure stops the worker, which forgets the connection)
        try:
            self._run(list(enumerate(jobs)), record, **limits)
        except WorkerError:
            if not shared:
                raise
            # The daemon (or its handler) went away: finish the rest on our own worker.
            self.stop()
            self.daemon_failed = True
            self.start()
            self._run([(p, job) for p, job in enumerate(jobs) if p not in done], record, **limits)
        return [done[p] for p in range(len(jobs))]

    def _run(self, jobs: list[tuple[int, list[tuple[int, str]]]], record, *, timeout: float,
             memory_mb: int, parallel: int) -> None:
        ids = {}
        out = bytearray()
        for position, blocks in jobs:
            self.next_id += 1
            ids[self.next_id] = position
            out += (json.dumps({"op": "run", "id": self.next_id, "blocks": [list(b) for b in blocks],
                                "timeout": timeout, "memory_mb": memory_mb, "jobs": parallel}) + "\n").encode("utf-8")
        pending = set(ids)
        # Requests go out while replies come in: writing them all first deadlocks
        # once both pipes are full (the worker blocks sending results nobody reads
        # while we block sending requests it does not read).
        if self.conn is not None:
            rfd = wfd = self.conn.fileno()
        else:
            assert self.proc and self.proc.stdin and self.proc.stdout
            rfd, wfd = self.proc.stdout.fileno(), self.proc.stdin.fileno()
        # The worker enforces block limits; this only guards against a wedged worker.
        silence = timeout * 4 + 60
        os.set_blocking(wfd, False)
        try:
            with selectors.DefaultSelector() as selector:
                while pending:
                    message = self._next_message()
                    if message is not None:
                        if message.get("t") == "done" and message["id"] in pending:
                            pending.discard(message["id"])
                            record(ids[message["id"]], message)
                        continue
                    self._pump(selector, rfd, wfd, out, silence)
        finally:
            if self.conn is not None or self.proc is not None:
                try:
                    os.set_blocking(wfd, True)
                except OSError:
                    pass

    def _next_message(self) -> dict | None:
        if b"\n" not in self.buffer:
            return None
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def _pump(self, selector, rfd: int, wfd: int, out: bytearray, silence: float) -> None:
        """Write what the worker takes of ``out`` and read what it sent, waiting up to
        ``silence`` seconds for either; WorkerError when it is gone or silent."""
        events = {rfd: selectors.EVENT_READ}
        if out:
            events[wfd] = events.get(wfd, 0) | selectors.EVENT_WRITE
        for fd, mask in events.items():
            selector.register(fd, mask)
        try:
            ready = selector.select(silence)
        finally:
            for fd in events:
                selector.unregister(fd)
        if not ready:
            self.stop()
            raise WorkerError("the code-block worker stopped answering")
        for key, mask in ready:
            try:
                if mask & selectors.EVENT_WRITE and out:
                    del out[: os.write(wfd, out[: 1 << 16])]
                if mask & selectors.EVENT_READ:
                    data = os.read(rfd, 1 << 20)
                    if not data:
                        raise OSError("end of file")
                    self.buffer += data
            except BlockingIOError:
                pass
            except OSError:  # the worker exited, or the daemon reset the connection
                self.stop()
                raise WorkerError("the code-block worker stopped answering") from None

    def stop(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:  # the handler sees EOF, stops this run's notes and exits
            try:
                conn.close()
            except OSError:
                pass
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
        _WORKER.daemon_failed = False  # a fresh start may try the daemon again


def results_of(message: dict) -> tuple[list[R.BlockResult], list[str], float]:
    return ([R.block_from_json(b) for b in message.get("blocks", ())],
            list(message.get("sandbox", ())), float(message.get("seconds", 0.0)))
