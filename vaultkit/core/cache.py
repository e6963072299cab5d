"""The parse cache: notes keyed by (path, size, mtime), kept per vault.

Like Obsidian's metadataCache and zk, an entry is reused while a file's size
and modification time are unchanged, so a warm run costs a directory walk
plus one unmarshal.  Any problem with the cache (corrupt, unwritable, another
version) silently falls back to parsing: the cache is never a source of truth.

A vault's cache is a folder of *parts* whose entries together make the cache:
a run that parses in one process writes a single part, and the workers of a
sharded run (:mod:`vaultkit.core.shards`) each write the part of the notes they
own, so no process has to gather every parsed note just to save it.
"""

from __future__ import annotations

import hashlib
import os
import marshal
import tempfile
from pathlib import Path
from typing import Any

from .. import __version__

# Bumped when the layout changes or the parser's results do (3: a '!' that starts
# nothing no longer hides the character after it), within one vaultkit version.
_FORMAT = 3
_SINGLE = "all"


def cache_dir() -> Path:
    override = os.environ.get("VAULTKIT_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("vaultkit", appauthor=False))


def _vault_dir(root: Path) -> Path:
    digest = hashlib.sha1(str(root.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return cache_dir() / "parse" / digest


def _part_file(root: Path, name: str) -> Path:
    return _vault_dir(root) / f"{name}.marshal"


def _key(options: Any) -> str:
    return repr((_FORMAT, __version__, repr(options)))


def load(root: Path, options: Any) -> dict[str, tuple[int, int, Any]]:
    """path -> (size, mtime_ns, note as plain tuples; see vaultkit.core.plain)."""
    entries: dict[str, tuple[int, int, Any]] = {}
    key = _key(options)
    try:
        names = sorted(os.listdir(_vault_dir(root)))
    except OSError:
        return entries
    for name in names:
        if not name.endswith(".marshal"):
            continue
        try:
            with open(_vault_dir(root) / name, "rb") as handle:
                data = marshal.loads(handle.read())
        except Exception:  # noqa: BLE001 - an unreadable part means "not cached"
            continue
        if isinstance(data, dict) and data.get("key") == key and isinstance(data.get("entries"), dict):
            entries.update(data["entries"])
    return entries


def save(root: Path, options: Any, entries: dict[str, tuple[int, int, Any]]) -> None:
    """Replace the whole cache with ``entries`` (one part)."""
    if save_part(root, options, _SINGLE, entries):
        remove_parts(root, keep={_SINGLE})


def save_part(root: Path, options: Any, name: str, entries: dict[str, tuple[int, int, Any]]) -> bool:
    """Write one part atomically; False when it could not be written."""
    path = _part_file(root, name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(marshal.dumps({"key": _key(options), "entries": entries}))
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except Exception:  # noqa: BLE001 - a cache that cannot be written is not an error
        return False
    return True


def remove_parts(root: Path, keep: set[str]) -> None:
    """Delete the parts not named in ``keep`` (left by a run with other workers)."""
    folder = _vault_dir(root)
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.endswith(".marshal") and name[: -len(".marshal")] not in keep:
            try:
                os.unlink(folder / name)
            except OSError:
                pass
