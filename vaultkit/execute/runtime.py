"""Where the shared warm worker (the daemon) lives, which one a client may reuse,
and who may talk to it.  Used by both sides: :mod:`.daemon` and :mod:`.daemon_client`.

The socket is the only door to the daemon, and it sits in a per-user directory
that must be private (a real directory, owned by the user, mode 0700).  A
directory that fails that check is never used and never "fixed": vaultkit falls
back to its per-process worker.  Both ends also check the other's uid with
``SO_PEERCRED`` (Linux), so a directory swapped under us still cannot put a
stranger on the other end.

A daemon is reusable only by a client that would have started an identical
worker, so the file names are a hash of everything that decides what the worker
imports and what a note sees: the interpreter, vaultkit's version and location,
the sources of ``vaultkit/execute`` (a developer's edit never talks to a stale
daemon), torch's installed version (read from metadata: the client never
imports torch), and the allow-listed environment the worker starts with (PATH,
PYTHONPATH, VIRTUAL_ENV, locale).  Daemons of other keys idle out on their own.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import struct
import sys
import tempfile
import warnings
from functools import lru_cache
from pathlib import Path

DIR_ENV = "VAULTKIT_DAEMON_DIR"  # tests and benchmarks point this at a temporary directory
# sockaddr_un.sun_path holds 108 bytes on Linux, 104 on macOS, including the final NUL.
SUN_PATH_MAX = 103 if sys.platform == "darwin" else 107
PACKAGE_DIR = Path(os.path.abspath(__file__)).parent.parent  # .../vaultkit


def runtime_dir() -> Path:
    """The per-user directory for daemon sockets (not created here)."""
    override = os.environ.get(DIR_ENV)
    if override:
        return Path(override)
    if sys.platform.startswith("linux") and not os.environ.get("XDG_RUNTIME_DIR"):
        # platformdirs would pick /tmp/runtime-UID (and warn); a name of our own under
        # the sticky temp directory is no worse and keeps the path short.
        return Path(tempfile.gettempdir()) / f"vaultkit-{os.getuid()}"
    import platformdirs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Path(platformdirs.user_runtime_dir("vaultkit", appauthor=False))


def private_problem(folder: Path) -> str:
    """Why ``folder`` must not hold a daemon socket ("" when it is fine)."""
    try:
        st = os.lstat(folder)
    except OSError as exc:
        return f"{folder}: {exc.strerror}"
    if not stat.S_ISDIR(st.st_mode):
        return f"{folder} is not a directory (a symlink?)"
    if st.st_uid != os.getuid():
        return f"{folder} is owned by uid {st.st_uid}, not by you"
    if st.st_mode & 0o077:
        return f"{folder} has mode {stat.S_IMODE(st.st_mode):o}; it must be private (700)"
    return ""


def private_dir(create: bool = True) -> tuple[Path | None, str]:
    """``(folder, "")`` when the socket directory is usable, else ``(None, why)``."""
    folder = runtime_dir()
    if create and not os.path.lexists(folder):
        try:
            folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            folder.mkdir(mode=0o700)
        except FileExistsError:
            pass  # another client made it meanwhile; checked below like any other
        except OSError as exc:
            return None, f"cannot create {folder}: {exc.strerror}"
    problem = private_problem(folder)
    if problem:
        return None, problem
    if len(os.fsencode(folder / f"{'0' * 20}.sock")) > SUN_PATH_MAX:
        return None, f"{folder} is too long a path for a Unix socket"
    return folder, ""


def worker_env() -> dict[str, str]:
    """The environment a worker (per-process or daemon) starts with: the allow-listed
    variables, and vaultkit importable from wherever this process imported it."""
    from .sandbox import scrubbed_env

    env = scrubbed_env()
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE_DIR.parent), env.get("PYTHONPATH", "")) if p)
    return env


def _sources_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted((PACKAGE_DIR / "execute").glob("*.py")):
        try:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        except OSError:
            digest.update(path.name.encode() + b"\0?\0")
    return digest.hexdigest()


@lru_cache(maxsize=8)
def _key(env: tuple) -> str:
    from .. import __version__
    from ..installed import installed_version

    torch = installed_version("torch")
    payload = json.dumps([sys.executable, sys.version, __version__, str(PACKAGE_DIR),
                          _sources_digest(), torch, list(env)])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]


def key(env: dict[str, str]) -> str:
    """The name shared by a daemon's socket, lock, info and log files."""
    return _key(tuple(sorted(env.items())))


# -- the other end of a connection ---------------------------------------------------


def peer(sock: socket.socket) -> tuple[int, int] | None:
    """``(pid, uid)`` of the process at the other end (Linux), else None."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    size = struct.calcsize("3i")
    pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, option, size))
    return pid, uid


def peer_is_me(sock: socket.socket) -> bool:
    """The other end runs as this user (always true where the OS cannot tell:
    there the private directory is the whole check)."""
    try:
        found = peer(sock)
    except OSError:
        return False
    return found is None or found[1] == os.getuid()


def same_network_namespace(pid: int) -> bool:
    """``pid`` shares our network namespace.  A note's child runs in a fresh one
    (see sandbox.py); this keeps a note from asking the daemon to run code outside
    its own limits and process group.  True where there are no namespaces."""
    own = "/proc/self/ns/net"
    if not os.path.exists(own):
        return True
    try:
        return os.stat(own).st_ino == os.stat(f"/proc/{pid}/ns/net").st_ino
    except OSError:
        return False
