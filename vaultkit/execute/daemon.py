"""The shared warm worker: one per user and configuration, outliving a CLI run.

    python -m vaultkit.execute.daemon SOCKET KEEP_WARM

Without it every ``vaultkit check`` pays torch's import in a fresh worker
(about 4.5 s, most of a cold run).  The daemon pays it once and then, for each
connection, forks a *handler* that runs the unchanged :class:`.server.Server`
loop on the connection (``ready`` first), so the protocol, the limits, the
timeouts, the sandbox and the per-note children are exactly those of the
per-process worker.  The daemon itself never runs a torch op after warm-up
(fork safety, see server.py), never reads a request and so never holds vault
data or code.

Life cycle (started on demand by :mod:`.daemon_client`):

1. The *launcher* (the process the client starts) takes ``KEY.lock`` — one
   daemon per key, even when two clients start one at once — removes a socket
   left by a killed daemon, binds and listens *before* warming up (a client can
   connect at once and simply waits for ``ready``), then forks and exits.  The
   client reaps it, so the daemon is nobody's child and holds none of the
   client's pipes (pytest or CI waiting on them never hangs).
2. The daemon warms up, then accepts connections from the same user (and, on
   Linux, the same network namespace: not from a sandboxed note).
3. It exits after KEEP_WARM seconds with no connection and no handler running,
   on SIGTERM (``vaultkit daemon stop``), or when its socket file is gone or
   replaced; it removes its socket and info file on the way out.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import sys
import time

from . import runtime

TICK = 5.0  # seconds between checks that the socket file is still ours


def _log(message: str) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} [{os.getpid()}] {message}", file=sys.stderr, flush=True)


def _take_lock(path: str, wait: float) -> int | None:
    """The lock fd, or None when another daemon holds the lock for ``wait`` seconds
    (a daemon that is just exiting lets go within milliseconds)."""
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    end = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= end:
                os.close(fd)
                return None
            time.sleep(0.05)


class Daemon:
    def __init__(self, listener: socket.socket, lock_fd: int, path: str, keep_warm: float):
        self.listener, self.lock_fd, self.path, self.keep_warm = listener, lock_fd, path, keep_warm
        self.inode = os.stat(path).st_ino
        self.info_path = path[: -len(".sock")] + ".json"
        self.handlers: dict[int, float] = {}  # pid -> start time
        self.torch = ""
        self.stopping = False
        self.serving = False
        self.last = time.monotonic()

    def write_info(self, warm: bool) -> None:
        info = {"pid": os.getpid(), "socket": self.path, "torch": self.torch, "keep_warm": self.keep_warm,
                "started": time.time(), "warm": warm, "python": sys.version.split()[0],
                "executable": sys.executable, "log": self.path[: -len(".sock")] + ".log"}
        tmp = f"{self.info_path}.{os.getpid()}.tmp"
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as f:
            json.dump(info, f)
        os.replace(tmp, self.info_path)

    def on_term(self, signum, frame) -> None:
        self.stopping = True
        if not self.serving:  # still warming up: nothing to finish
            raise SystemExit(0)

    def run(self) -> None:
        from .sandbox import scrubbed_env
        from .server import warm_up

        env = scrubbed_env()  # the client scrubbed it already; a hand-started daemon too
        os.environ.clear()
        os.environ.update(env)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_r, False)
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGTERM, self.on_term)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes the loop when a handler ends
        self.wake = (wake_r, wake_w)
        reason = "stopped"
        try:
            self.write_info(warm=False)
            _log(f"warming up for {self.path}")
            self.torch = warm_up()
            from . import notebook, sandbox  # noqa: F401  (imported once, before any fork)

            self.write_info(warm=True)
            self.serving = True
            self.last = time.monotonic()
            _log(f"ready (torch {self.torch or 'not installed'}, keep-warm {self.keep_warm:g} s)")
            reason = self.loop(wake_r)
        finally:
            self.cleanup()
            _log(f"exiting: {reason}")

    def loop(self, wake_r: int) -> str:
        self.selector = selector = selectors.DefaultSelector()
        selector.register(self.listener, selectors.EVENT_READ, "accept")
        selector.register(wake_r, selectors.EVENT_READ, "signal")
        while True:
            self.reap()
            if self.stopping:
                return "SIGTERM"
            idle = time.monotonic() - self.last
            if not self.handlers and idle >= self.keep_warm:
                return f"idle for {idle:.0f} s"
            if not self.socket_is_ours():
                return "the socket file was removed or replaced"
            wait = TICK if self.handlers else min(TICK, self.keep_warm - idle)
            for key, _ in selector.select(max(wait, 0.01)):
                if key.data == "signal":
                    try:
                        os.read(wake_r, 512)
                    except BlockingIOError:
                        pass
                else:
                    self.accept()

    def socket_is_ours(self) -> bool:
        try:
            return os.stat(self.path).st_ino == self.inode
        except OSError:
            return False

    def accept(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return
        self.last = time.monotonic()
        try:
            who = runtime.peer(conn)
        except OSError:
            who = (0, -1)
        if who is not None and (who[1] != os.getuid() or not runtime.same_network_namespace(who[0])):
            _log(f"refused a connection from pid {who[0]} uid {who[1]}")
            conn.close()
            return
        pid = os.fork()
        if pid == 0:
            self.handle(conn)  # never returns
        conn.close()
        self.handlers[pid] = time.monotonic()

    def handle(self, conn: socket.socket) -> None:
        """In the forked handler: serve one client with the per-process protocol."""
        code = 1
        try:
            signal.set_wakeup_fd(-1)
            for signum in (signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP):
                signal.signal(signum, signal.SIG_DFL)
            self.selector.close()
            self.listener.close()
            for fd in (self.lock_fd, *self.wake):  # a note must never inherit the lock
                os.close(fd)
            from .server import Server

            conn.setblocking(True)
            rfd = conn.detach()
            server = Server(rfd, os.dup(rfd))  # Server closes both in its children
            server.send({"t": "ready", "torch": self.torch, "python": sys.version.split()[0],
                         "daemon": os.getppid()})
            server.serve()
            code = 0
        finally:
            os._exit(code)

    def reap(self) -> None:
        for pid in list(self.handlers):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                del self.handlers[pid]
                self.last = time.monotonic()

    def cleanup(self) -> None:
        if self.socket_is_ours():
            try:
                os.unlink(self.path)
            except OSError:
                pass
        self.listener.close()
        try:
            with open(self.info_path, encoding="utf-8") as f:
                mine = json.load(f).get("pid") == os.getpid()
        except (OSError, ValueError):
            mine = False
        if mine:
            try:
                os.unlink(self.info_path)
            except OSError:
                pass
        # Stopped while serving: the handlers' clients see EOF and finish on their own worker.
        for pid in self.handlers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        # The lock is released when this process exits (never unlinked: that would race).


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path, keep_warm = argv[0], float(argv[1])
    problem = runtime.private_problem(os.path.dirname(path))
    if problem:
        _log(f"not starting: {problem}")
        return 2
    lock_fd = _take_lock(path[: -len(".sock")] + ".lock", wait=2.0)
    if lock_fd is None:
        return 3  # another daemon serves this key
    try:
        os.unlink(path)  # left behind by a killed daemon (we hold the lock: no live one owns it)
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        listener.bind(path)
    finally:
        os.umask(old)
    listener.listen(64)
    if os.fork():
        os._exit(0)  # the launcher: the client waits for this, then connects
    Daemon(listener, lock_fd, path, keep_warm).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
