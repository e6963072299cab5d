"""Whole-run result cache for ``vaultkit check``: an unchanged vault is not re-checked.

What is kept is the rendered report and the exit status, so an identical
re-run (same vault, settings, date, format) only walks the folder and
hashes what it finds: 10k notes in a fraction of a second.

The key covers everything a result depends on: every file's path, size and
modification time (notes, attachments, Obsidian and vaultkit settings), the
effective configuration, the date, whether code runs, and the versions of
vaultkit and torch.  Any change misses, and the per-note parse cache then
keeps the re-check cheap.  The cache is never a source of truth: any problem
reading or writing it means "no cache".
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from .. import __version__
from ..core.cache import cache_dir
from ..core.files import discover

_SETTINGS_FILES = (
    ".obsidian/app.json",
    ".obsidian/plugins/obsidian-spaced-repetition/data.json",
    ".vaultkit.toml",
    "pyproject.toml",
)


def _file(root: Path) -> Path:
    digest = hashlib.sha1(str(root.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return cache_dir() / "results" / f"{digest}.pickle"


def _torch_version() -> str:
    from ..installed import installed_version

    return installed_version("torch") or "none"


def key(root: Path, config, today, run_code: bool, *, output: tuple = ()) -> tuple[str, tuple]:
    """The cache key and the folder listing it was computed from (for ``load_vault``).

    ``output`` names how the report is rendered (format, colour, where paths are shown from)."""
    h = hashlib.sha256()
    listing = discover(root)
    notes, attachments, problems = listing
    for entry in notes + attachments:
        h.update(f"{entry.path}\0{entry.size}\0{entry.mtime_ns}\n".encode("utf-8", "surrogatepass"))
    for problem in problems:
        h.update(f"!{problem.path}\0{problem.kind}\n".encode("utf-8", "surrogatepass"))
    for name in _SETTINGS_FILES:
        try:
            st = os.stat(root / name)
            h.update(f"{name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        except OSError:
            h.update(f"{name}\0-\n".encode())
    settings = {k: v for k, v in vars(config).items() if k != "source"}
    h.update(repr(sorted(settings.items(), key=lambda kv: kv[0])).encode())
    h.update(f"{today.isoformat()}\0{run_code}\0{__version__}\0{_torch_version()}\0{output!r}".encode())
    return h.hexdigest(), listing


def load(root: Path, cache_key: str) -> tuple[str, int] | None:
    """The report text and exit status of the last identical run, or None."""
    try:
        with open(_file(root), "rb") as handle:
            data = pickle.load(handle)
    except Exception:  # noqa: BLE001 - no usable cache
        return None
    if not isinstance(data, dict) or data.get("key") != cache_key:
        return None
    return data["text"], data["status"]


def save(root: Path, cache_key: str, text: str, status: int) -> None:
    path = _file(root)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".results-", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump({"key": cache_key, "text": text, "status": status}, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except Exception:  # noqa: BLE001 - a cache that cannot be written is not an error
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
