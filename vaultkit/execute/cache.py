"""Results cache: re-checking an unchanged vault runs zero blocks.

A note's result is stored under a hash of what decides it: the Python blocks'
sources and skip decisions, the limits, and the Python, torch and vaultkit
versions.  Prose edits do not change the key (results are block-relative).
Directory: ``$VAULTKIT_CACHE_DIR/exec`` else ``platformdirs.user_cache_dir("vaultkit")/exec``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from functools import lru_cache
from pathlib import Path

from . import results as R

SCHEMA = 1


def cache_dir() -> Path:
    root = os.environ.get("VAULTKIT_CACHE_DIR")
    if not root:
        import platformdirs

        root = platformdirs.user_cache_dir("vaultkit")
    return Path(root) / "exec"


@lru_cache(maxsize=1)
def versions() -> tuple[str, str, str]:
    from .. import __version__
    from ..installed import installed_version

    return sys.version, installed_version("torch"), __version__


def key_for(planned, *, timeout: float, memory_mb: int) -> str:
    payload = json.dumps(
        [SCHEMA, versions(), float(timeout), int(memory_mb),
         [[p.index, p.source, p.skip] for p in planned]],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def load(key: str) -> R.NoteRun | None:
    try:
        data = json.loads((cache_dir() / f"{key}.json").read_text(encoding="utf-8"))
        return R.run_from_json(data)
    except (OSError, ValueError, TypeError, KeyError):
        return None  # missing or unreadable entries are simply re-run


def store(run: R.NoteRun) -> None:
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{run.key}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(R.run_to_json(run._replace(cached=False))), encoding="utf-8")
        os.replace(tmp, folder / f"{run.key}.json")
    except OSError:
        pass  # a read-only cache only costs speed
