"""Linux Landlock through raw syscalls: make the file system read-only except
for a few directories, for the calling process and everything it starts.

Python 3.11 has no binding, and the PyPI ``landlock`` package is not among the
project's dependencies; the kernel ABI is three syscalls and two structs.
Everything here fails soft: ``restrict_writes`` returns False when the kernel
(or the architecture) has no Landlock, and the sandbox says so.
"""

from __future__ import annotations

import ctypes
import os
import platform

_SYSCALLS = {  # create_ruleset, add_rule, restrict_self
    "x86_64": (444, 445, 446),
    "aarch64": (444, 445, 446),
}
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# Access rights (linux/landlock.h)
WRITE_FILE = 1 << 1
REMOVE_DIR = 1 << 4
REMOVE_FILE = 1 << 5
MAKE_CHAR = 1 << 6
MAKE_DIR = 1 << 7
MAKE_REG = 1 << 8
MAKE_SOCK = 1 << 9
MAKE_FIFO = 1 << 10
MAKE_BLOCK = 1 << 11
MAKE_SYM = 1 << 12
REFER = 1 << 13  # ABI 2
TRUNCATE = 1 << 14  # ABI 3
NET_BIND_TCP = 1 << 0  # ABI 4
NET_CONNECT_TCP = 1 << 1


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def abi_version() -> int:
    """The kernel's Landlock ABI version, 0 when unavailable."""
    numbers = _SYSCALLS.get(platform.machine())
    if os.name != "posix" or not numbers:
        return 0
    try:
        version = _libc().syscall(numbers[0], None, ctypes.c_size_t(0), _CREATE_RULESET_VERSION)
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def restrict_writes(writable: list[str], *, deny_tcp: bool = False) -> bool:
    """Forbid creating, writing, truncating and deleting files outside ``writable``.

    With ``deny_tcp`` (ABI 4+) TCP connect and bind are refused too.  Irreversible.
    """
    abi = abi_version()
    if abi < 1:
        return False
    create, add_rule, restrict = _SYSCALLS[platform.machine()]
    write_access = (
        WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_CHAR | MAKE_DIR | MAKE_REG
        | MAKE_SOCK | MAKE_FIFO | MAKE_BLOCK | MAKE_SYM
    )
    if abi >= 2:
        write_access |= REFER
    if abi >= 3:
        write_access |= TRUNCATE
    attr = _RulesetAttr(write_access, NET_BIND_TCP | NET_CONNECT_TCP if deny_tcp and abi >= 4 else 0)
    size = ctypes.sizeof(_RulesetAttr) if abi >= 4 else 8
    libc = _libc()
    ruleset = libc.syscall(create, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    if ruleset < 0:
        return False
    try:
        for path in writable:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                rule = _PathBeneath(write_access, fd)
                if libc.syscall(add_rule, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0) < 0:
                    return False
            finally:
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return False
        return libc.syscall(restrict, ruleset, 0) == 0
    finally:
        os.close(ruleset)
