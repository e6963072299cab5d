"""The client side of the shared warm worker (:mod:`.daemon`): find it, start it,
see it, stop it.

:func:`connect` never raises: ``None`` means "run your own per-process worker",
whatever went wrong (no private directory, the daemon would not start, died,
or is someone else's).  A daemon is a speed-up, never a new way to fail.
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from . import runtime

log = logging.getLogger(__name__)

LAUNCH_TIMEOUT = 60.0  # the launcher exits once its socket listens (a Python start-up)


def _connect(path: Path, retry: float = 0.0) -> socket.socket | None:
    end = time.monotonic() + retry
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(os.fspath(path))
            return sock
        except OSError:
            sock.close()
        if time.monotonic() >= end:
            return None
        time.sleep(0.05)


def _ready(sock: socket.socket, timeout: float) -> tuple[dict, bytes] | None:
    """The handler's ``ready`` message (and any bytes after it), or None."""
    buffer = b""
    end = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        while b"\n" not in buffer:
            left = end - time.monotonic()
            if left <= 0 or not selector.select(left):
                if time.monotonic() >= end:
                    return None
                continue
            try:
                data = sock.recv(1 << 16)
            except OSError:
                return None
            if not data:
                return None  # the daemon went away (idle exit, stop, crash)
            buffer += data
    line, rest = buffer.split(b"\n", 1)
    try:
        message = json.loads(line)
    except ValueError:
        return None
    return (message, rest) if message.get("t") == "ready" else None


def _launch(folder: Path, key: str, env: dict[str, str], keep_warm: float) -> bool:
    """Start a daemon for ``key`` and wait for its launcher (not for the warm-up)."""
    log_path = folder / f"{key}.log"
    try:
        if log_path.stat().st_size > 1 << 16:
            log_path.unlink()
    except OSError:
        pass
    try:
        out = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
    except OSError:
        out = subprocess.DEVNULL
    try:
        # -P: never import from the working directory; detached: own session, no
        # inherited stdio, so nothing waiting on this process's pipes waits on it.
        proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "vaultkit.execute.daemon", str(folder / f"{key}.sock"), f"{keep_warm:g}"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env, cwd="/",
            start_new_session=True, close_fds=True,
        )
    except OSError as exc:
        log.info("cannot start the vaultkit daemon: %s", exc)
        return False
    finally:
        if out != subprocess.DEVNULL:
            os.close(out)
    try:
        proc.wait(timeout=LAUNCH_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return False
    return proc.returncode in (0, 3)  # 3: another client's daemon won the race: use it


def connect(env: dict[str, str], keep_warm: float, startup_timeout: float):
    """``(socket, ready message, bytes already read)`` from a daemon for this
    configuration, starting one when none runs; None when none can be used."""
    folder, problem = runtime.private_dir(create=True)
    if folder is None:
        log.info("no vaultkit daemon: %s", problem)
        return None
    key = runtime.key(env)
    path = folder / f"{key}.sock"
    for _attempt in range(2):  # a daemon may exit between our connect and its accept
        sock = _connect(path)
        if sock is None:
            if not _launch(folder, key, env, keep_warm):
                return None
            sock = _connect(path, retry=2.5)
            if sock is None:
                return None
        if not runtime.peer_is_me(sock):
            log.warning("refusing %s: it is served by another user", path)
            sock.close()
            return None
        got = _ready(sock, startup_timeout)
        if got is not None:
            return sock, got[0], got[1]
        sock.close()
    return None


# -- vaultkit daemon status | stop ---------------------------------------------------------


def current_key() -> str:
    return runtime.key(runtime.worker_env())


def _locked(lock_path: Path) -> bool:
    """Some daemon holds this lock (it holds it for its whole life)."""
    import fcntl

    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also lets go of the lock if we got it


def running() -> tuple[Path | None, str, list[dict]]:
    """``(socket directory, why it is unusable, the daemons running in it)``."""
    folder, problem = runtime.private_dir(create=False)
    if folder is None:
        return None, problem, []
    found = []
    for info_path in sorted(folder.glob("*.json")):
        key = info_path.stem
        if not _locked(folder / f"{key}.lock"):
            continue  # left by a killed daemon
        try:
            info = json.loads(info_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        info["key"] = key
        found.append(info)
    return folder, "", found


def _is_daemon(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"vaultkit.execute.daemon" in f.read()
    except FileNotFoundError:
        return not os.path.isdir("/proc/self")  # no procfs: trust the lock holder's info
    except OSError:
        return False


def _signal(info: dict, signum: int) -> None:
    """Send ``signum`` to the daemon ``info`` describes, if that pid still is one."""
    if _is_daemon(int(info["pid"])):
        try:
            os.kill(int(info["pid"]), signum)
        except ProcessLookupError:
            pass


def stop(timeout: float = 10.0) -> tuple[str, list[dict]]:
    """Stop every running daemon of this user (SIGTERM, then SIGKILL).
    Returns ``(why the socket directory is unusable, the daemons stopped)``."""
    folder, problem, daemons = running()
    if folder is None:
        return problem, []
    for info in daemons:
        _signal(info, signal.SIGTERM)
    end = time.monotonic() + timeout
    left = list(daemons)
    while left and time.monotonic() < end:
        time.sleep(0.05)
        left = [d for d in left if _locked(folder / f"{d['key']}.lock")]
    for info in left:
        _signal(info, signal.SIGKILL)
    for info in left:  # a killed daemon cannot clean up after itself
        for _ in range(100):
            if not _locked(folder / f"{info['key']}.lock"):
                for suffix in (".sock", ".json"):
                    try:
                        (folder / f"{info['key']}{suffix}").unlink()
                    except OSError:
                        pass
                break
            time.sleep(0.05)
    return "", daemons
