"""The parse cache: notes keyed by (path, size, mtime), one file per vault.

Like Obsidian's metadataCache and zk, an entry is reused while a file's size
and modification time are unchanged, so a warm run costs a directory walk
plus one unpickle.  Any problem with the cache (corrupt, unwritable, another
version) silently falls back to parsing: the cache is never a source of truth.
"""

from __future__ import annotations

import hashlib
import os
import marshal
import tempfile
from pathlib import Path
from typing import Any

from .. import __version__

_FORMAT = 1


def cache_dir() -> Path:
    override = os.environ.get("VAULTKIT_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("vaultkit", appauthor=False))


def _cache_file(root: Path) -> Path:
    digest = hashlib.sha1(str(root.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return cache_dir() / "parse" / f"{digest}.marshal"


def _key(options: Any) -> tuple:
    return (_FORMAT, __version__, repr(options))


def load(root: Path, options: Any) -> dict[str, tuple[int, int, Any]]:
    """path -> (size, mtime_ns, note as plain tuples; see vaultkit.core.plain)."""
    path = _cache_file(root)
    try:
        with open(path, "rb") as handle:
            data = marshal.loads(handle.read())
    except Exception:  # noqa: BLE001 - any unreadable cache means "no cache"
        return {}
    if not isinstance(data, dict) or data.get("key") != repr(_key(options)):
        return {}
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else {}


def save(root: Path, options: Any, entries: dict[str, tuple[int, int, Any]]) -> None:
    path = _cache_file(root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".parse-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(marshal.dumps({"key": repr(_key(options)), "entries": entries}))
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except Exception:  # noqa: BLE001 - a cache that cannot be written is not an error
        return
