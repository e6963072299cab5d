"""The warm worker: imports torch once, then forks one confined child per note.

Run as ``python -m vaultkit.execute.server`` by :mod:`vaultkit.execute.client`,
which talks to it in JSON lines over its stdin/stdout::

    -> {"op": "run", "id": 7, "blocks": [[3, "import torch"], ...],
        "timeout": 30.0, "memory_mb": 4096, "jobs": 2}
    <- {"t": "ready", "torch": "2.13.0+cpu", "python": "3.11.7"}
    <- {"t": "done", "id": 7, "blocks": [...], "sandbox": [...], "seconds": 0.26}

The worker enforces each block's wall-clock limit itself (it is the children's
parent): when a child does not finish a block within ``timeout`` + grace it
kills the child's whole process group and reports the line that was running
(from the ``faulthandler`` dump the child writes just before).

Fork safety: the worker never runs a parallel torch op (``OMP_NUM_THREADS=1``,
``torch.set_num_threads(1)``, and the warm-up uses 1-element tensors), because a
child of a process that ran one deadlocks on its first parallel op.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import signal
import sys
import tempfile
import time

from . import results as R

GRACE = 2.0  # seconds past the in-child alarm before the worker kills the child


def warm_up() -> str:
    """Import what notes need, pay torch's lazy imports once; return torch's version."""
    try:
        import torch
    except Exception:  # no torch: notes still run, just without the head start
        return ""
    torch.set_num_threads(1)
    import torch.nn  # noqa: F401
    import torch.nn.functional  # noqa: F401
    import torch.utils.data  # noqa: F401

    # The first optimizer constructor imports torch._dynamo (about 2 s, 800 modules).
    param = torch.zeros(1, requires_grad=True)
    torch.optim.SGD([param], lr=0.1)
    torch.optim.Adam([param], lr=0.1)
    torch.nn.Linear(1, 1)(torch.zeros(1, 1)).sum().backward()
    return torch.__version__


_FRAME = re.compile(r'File "<vaultkit-block-(\d+)>", line (\d+)')


def _hard_timeout_frame(scratch: str, index: int) -> R.Frame:
    """The innermost note line in the child's faulthandler dump (most recent call first)."""
    try:
        with open(os.path.join(scratch, ".timeout-trace"), encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        text = ""
    for match in _FRAME.finditer(text):
        return R.Frame(int(match.group(1)), int(match.group(2)) - 1, 0, 0, "<module>")
    return R.Frame(index, 0, 0, 0, "<module>")


class Job:
    def __init__(self, request: dict):
        self.id = request["id"]
        self.blocks = [(int(i), str(src)) for i, src in request["blocks"]]
        self.timeout = float(request.get("timeout", 30.0))
        self.memory_mb = int(request.get("memory_mb", 4096))
        self.pid = 0
        self.fd = -1
        self.scratch = ""
        self.buffer = b""
        self.results: list[R.BlockResult] = []
        self.sandbox: list[str] = []
        self.current = -1
        self.deadline = float("inf")
        self.started = 0.0
        self.killed_for_time = False
        self.ended = False
        self.crash = ""


class Server:
    def __init__(self, rfd: int, wfd: int):
        self.rfd, self.wfd = rfd, wfd
        self.jobs_limit = max(os.cpu_count() or 1, 1)
        self.queue: list[Job] = []
        self.running: dict[int, Job] = {}  # pipe fd -> job
        self.selector = selectors.DefaultSelector()
        self.inbuf = b""
        self.closing = False
        self.reaping: list[Job] = []

    def send(self, message: dict) -> None:
        data = (json.dumps(message) + "\n").encode("utf-8")
        while data:
            data = data[os.write(self.wfd, data):]

    # -- children ---------------------------------------------------------------
    def start(self, job: Job) -> None:
        from .notebook import child_main

        job.scratch = tempfile.mkdtemp(prefix="vaultkit-exec-")
        read_fd, write_fd = os.pipe()
        job.started = time.monotonic()
        pid = os.fork()
        if pid == 0:  # child
            try:
                os.close(read_fd)
                for fd in [self.rfd, self.wfd, *self.running]:
                    os.close(fd)
                child_main(write_fd, job.scratch, job.blocks, timeout=job.timeout,
                           memory_mb=job.memory_mb)
            finally:
                os._exit(70)
        os.close(write_fd)
        os.set_blocking(read_fd, False)
        job.pid, job.fd = pid, read_fd
        self.running[read_fd] = job
        self.selector.register(read_fd, selectors.EVENT_READ, job)

    def on_child_output(self, job: Job) -> None:
        try:
            data = os.read(job.fd, 1 << 16)
        except BlockingIOError:
            return
        if not data:
            self.finish(job)
            return
        job.buffer += data
        *lines, job.buffer = job.buffer.split(b"\n")
        for line in lines:
            message = json.loads(line)
            kind = message["t"]
            if kind == "start":
                job.current = message["block"]
                job.deadline = time.monotonic() + job.timeout + GRACE
            elif kind == "result":
                job.results.append(R.block_from_json(message["block"]))
                job.current, job.deadline = -1, float("inf")
            elif kind == "sandbox":
                job.sandbox = message["mechanisms"]
            elif kind == "end":
                job.ended = True
                self.finish(job)
                return
            elif kind == "crash":
                job.crash = message["message"]

    def finish(self, job: Job, status: int | None = None) -> None:
        """Report the job.  After a clean "end" the reply goes out before the child
        is reaped: tearing down a forked torch process costs tens of ms."""
        self.selector.unregister(job.fd)
        del self.running[job.fd]
        os.close(job.fd)
        try:
            os.killpg(job.pid, signal.SIGKILL)  # grandchildren left behind by the note
        except (ProcessLookupError, PermissionError):
            pass
        if status is None and not job.ended:
            _, status = os.waitpid(job.pid, 0)
            job.pid = -job.pid  # reaped
        self.complete_results(job, status or 0)
        self.send({"t": "done", "id": job.id, "blocks": [R.block_to_json(b) for b in job.results],
                   "sandbox": job.sandbox, "seconds": time.monotonic() - job.started})
        self.reaping.append(job)

    def reap(self) -> None:
        for job in list(self.reaping):
            if job.pid > 0:
                try:
                    pid, _ = os.waitpid(job.pid, os.WNOHANG)
                except ChildProcessError:
                    pid = job.pid
                if pid == 0:
                    continue
            self.reaping.remove(job)
            shutil.rmtree(job.scratch, ignore_errors=True)

    def complete_results(self, job: Job, status: int) -> None:
        """Turn an abnormal end into a result for the running block; the rest did not run."""
        done = {b.index for b in job.results}
        if job.ended and len(done) == len(job.blocks):
            return
        index = job.current if job.current >= 0 else next(
            (i for i, _ in job.blocks if i not in done), -1)
        signum = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        if job.killed_for_time:
            kind, exc, message = R.TIMEOUT, "Timeout", f"still running after {job.timeout:g} s"
            frames = (_hard_timeout_frame(job.scratch, index),)
        elif signum == signal.SIGXCPU:
            kind, exc, message = R.TIMEOUT, "Timeout", "the CPU time limit was reached"
            frames = (R.Frame(index, 0, 0, 0, "<module>"),)
        elif signum == signal.SIGKILL:
            kind, exc, message = R.MEMORY, "Killed", "the process was killed (out of memory?)"
            frames = (R.Frame(index, 0, 0, 0, "<module>"),)
        else:
            how = f"signal {signal.Signals(signum).name}" if signum else f"exit status {os.WEXITSTATUS(status)}"
            kind, exc = R.ERROR, "ProcessExit"
            message = job.crash or f"the code ended the Python process ({how})"
            frames = (R.Frame(index, 0, 0, 0, "<module>"),)
        if index >= 0 and index not in done:
            job.results.append(R.BlockResult(index, R.FAILED, kind, exc, message, frames))
            done.add(index)
        reason = f"not run: the process ended in an earlier block ({message})"
        for i, _ in job.blocks:
            if i not in done:
                job.results.append(R.BlockResult(i, R.NOT_RUN, message=reason))

    # -- loop -------------------------------------------------------------------
    def on_request(self) -> None:
        data = os.read(self.rfd, 1 << 20)
        if not data:
            self.closing = True
            return
        self.inbuf += data
        *lines, self.inbuf = self.inbuf.split(b"\n")
        for line in lines:
            if not line.strip():
                continue
            request = json.loads(line)
            if request.get("op") == "shutdown":
                self.closing = True
            elif request.get("op") == "run":
                if request.get("jobs"):
                    self.jobs_limit = max(int(request["jobs"]), 1)
                self.queue.append(Job(request))

    def check_deadlines(self) -> None:
        now = time.monotonic()
        for job in list(self.running.values()):
            if job.deadline <= now and not job.killed_for_time:
                job.killed_for_time = True
                try:
                    os.killpg(job.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    os.kill(job.pid, signal.SIGKILL)

    def serve(self) -> None:
        self.selector.register(self.rfd, selectors.EVENT_READ, None)
        while not (self.closing and not self.running and not self.reaping):
            while self.queue and len(self.running) < self.jobs_limit and not self.closing:
                self.start(self.queue.pop(0))
            deadlines = [j.deadline for j in self.running.values()]
            if self.reaping:
                deadlines.append(time.monotonic() + 0.05)
            wait = max(min(deadlines) - time.monotonic(), 0) + 0.01 if deadlines else None
            if wait is not None and wait == float("inf"):
                wait = None
            for key, _ in self.selector.select(wait):
                if key.data is None:
                    self.on_request()
                    if self.closing:
                        self.selector.unregister(self.rfd)
                        for job in self.running.values():
                            job.killed_for_time = True
                            try:
                                os.killpg(job.pid, signal.SIGKILL)
                            except (ProcessLookupError, PermissionError):
                                pass
                else:
                    self.on_child_output(key.data)
            self.check_deadlines()
            self.reap()


def main() -> None:
    # The protocol owns the original stdin/stdout; stray prints go to stderr.
    rfd, wfd = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the client, which shuts us down
    torch_version = warm_up()
    from . import notebook, sandbox  # noqa: F401  (imported once, before any fork)

    server = Server(rfd, wfd)
    server.send({"t": "ready", "torch": torch_version, "python": sys.version.split()[0]})
    server.serve()


if __name__ == "__main__":
    main()
