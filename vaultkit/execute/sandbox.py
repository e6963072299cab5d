"""Confinement of one forked child that runs a note's code (Linux first).

Called in the child right after ``fork()``, before any note code runs.  Each
step fails soft and ``confine`` returns the mechanisms actually in force, so a
report can say what was isolated:

=================  ==========================================================
``setsid``         the child leads its own process group; the worker kills
                   the whole group (children and grandchildren) when the note
                   ends or times out.
``netns``          a fresh network namespace (``unshare(CLONE_NEWNET)``; as
                   non-root with a user namespace): no interface, not even
                   loopback.  Covers subprocesses and C code too.
``landlock``       the kernel refuses writes, deletes and renames anywhere
                   but the scratch directory and ``/dev``; the vault is
                   read-only for the child and everything it starts.  With no
                   netns, Landlock also refuses TCP connect/bind (ABI 4+).
``audit-guard``    a Python audit hook refuses sockets to the network with a
                   clear message and, without Landlock, file writes outside
                   the scratch directory.  Python-level only: ctypes or a
                   subprocess get past it, which is why the kernel layers
                   come first.
``rlimits``        CPU seconds, address space (memory-mb on top of what the
                   worker already maps), file size, open files, no core dumps.
=================  ==========================================================

Always: a fresh scratch working directory, ``HOME`` and ``TMPDIR`` inside it, and
an environment rebuilt from an allow-list (no tokens or keys).  macOS and other
platforms without namespaces or Landlock get rlimits, the audit guard and the
scratch directory, and the report says "not network-isolated".
"""

from __future__ import annotations

import ctypes
import os
import resource
import sys

from . import landlock

_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000
_PR_SET_PDEATHSIG = 1

# Environment variables the code may see; everything else is dropped.
ENV_ALLOW = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "TERM", "PYTHONPATH",
             "VIRTUAL_ENV", "SYSTEMROOT")


def scrubbed_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The allow-listed part of this process's environment plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k in ENV_ALLOW or k.startswith("LC_")}
    # The worker must never run parallel torch work (fork-safety deadlock).
    env.update({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"})
    env.update(extra or {})
    return env


class NetworkRefused(PermissionError):
    """Raised by the audit guard for any attempt to reach the network."""


class _Guard:
    """The audit hook.  Records network attempts (the report uses them to tell a
    refused download from other errors) and refuses them."""

    def __init__(self, scratch: str, guard_files: bool):
        self.scratch = os.path.realpath(scratch)
        self.guard_files = guard_files
        self.network_attempts: list[str] = []

    def _writable(self, path) -> bool:
        if isinstance(path, int):
            return True
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(path, str):
            return True
        full = os.path.realpath(os.path.join(os.getcwd(), path))
        return full == self.scratch or full.startswith(self.scratch + os.sep) or full.startswith("/dev/")

    def __call__(self, event: str, args) -> None:
        if event.startswith("socket."):
            target = None
            if event in ("socket.connect", "socket.sendto", "socket.bind") and len(args) > 1:
                if isinstance(args[1], tuple):  # AF_INET / AF_INET6 (AF_UNIX is a str)
                    target = args[1][0]
            elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
                           "socket.gethostbyaddr"):
                target = args[0] if args else "?"
            if target is not None:
                if isinstance(target, bytes):
                    target = target.decode("ascii", "replace")
                self.network_attempts.append(str(target))
                raise NetworkRefused(
                    f"network access refused by vaultkit's sandbox ({event.split('.', 1)[1]} {target})"
                )
            return
        if not self.guard_files:
            return
        if event == "open" and len(args) >= 3:
            path, mode, flags = args[0], args[1], args[2]
            writing = (
                any(c in mode for c in "wax+") if isinstance(mode, str)
                else bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND))
            )
            if writing and not self._writable(path):
                raise PermissionError(f"writing outside the scratch directory is refused: {path}")
        elif event in ("os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.truncate", "os.symlink",
                       "os.link", "os.chmod", "os.chown", "os.utime", "shutil.rmtree", "shutil.move"):
            for path in args[:2] if event in ("os.rename", "os.link", "os.symlink") else args[:1]:
                if not self._writable(path):
                    raise PermissionError(f"changing files outside the scratch directory is refused: {path}")


def _unshare_net(libc) -> bool:
    for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET):
        if libc.unshare(flags) == 0:
            return True
    return False


def _vm_size_bytes() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 1 << 30


def _lower(limit: int, value: int) -> None:
    try:
        soft, hard = resource.getrlimit(limit)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(limit, (value, hard if hard != resource.RLIM_INFINITY else value))
    except (ValueError, OSError):
        pass


def confine(scratch: str, *, memory_mb: int, cpu_seconds: int, file_mb: int = 256) -> tuple[list[str], _Guard]:
    """Confine the calling (freshly forked, single-threaded) process."""
    mechanisms = []
    os.setsid()
    mechanisms.append("setsid")
    libc = None
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, 9, 0, 0, 0)  # die with the worker
        except OSError:
            libc = None
    netns = bool(libc) and _unshare_net(libc)
    if netns:
        mechanisms.append("netns")
    home, tmp = os.path.join(scratch, "home"), os.path.join(scratch, "tmp")
    os.makedirs(home, exist_ok=True)
    os.makedirs(tmp, exist_ok=True)
    locked = landlock.restrict_writes([scratch, "/dev"], deny_tcp=not netns)
    if locked:
        mechanisms.append("landlock")
    guard = _Guard(scratch, guard_files=not locked)
    sys.addaudithook(guard)
    mechanisms.append("audit-guard")
    os.environ.clear()
    os.environ.update(scrubbed_env({"HOME": home, "TMPDIR": tmp, "USER": "vaultkit", "MPLBACKEND": "Agg"}))
    os.chdir(scratch)
    import tempfile

    tempfile.tempdir = tmp
    _lower(resource.RLIMIT_AS, _vm_size_bytes() + memory_mb * 1024 * 1024)
    _lower(resource.RLIMIT_CPU, max(1, int(cpu_seconds)))
    _lower(resource.RLIMIT_FSIZE, file_mb * 1024 * 1024)
    _lower(resource.RLIMIT_NOFILE, 1024)
    _lower(resource.RLIMIT_CORE, 0)
    mechanisms.append("rlimits")
    return mechanisms, guard
