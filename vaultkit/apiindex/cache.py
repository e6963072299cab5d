"""Where index files live and how they get built, without importing the module.

One pair of files per indexed module (torch, numpy, ...), keyed by the
module's installed version, the Python version, the install location and the
vaultkit version, so that a new torch (or a second virtualenv) gets its own
index and an old one is never trusted.  Building runs
``python -m vaultkit.apiindex.build`` in a subprocess: torch's import costs
seconds and hundreds of MB, and the checking process must stay free of it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from .. import __version__ as VAULTKIT_VERSION
from ..installed import distribution_version

# Bumped when the build's output changes meaning: old files are then ignored.
FORMAT = 2
BUILD_TIMEOUT = 600.0  # seconds; torch imports in a few seconds on a quiet machine


def cache_dir() -> Path:
    """The directory holding index files.

    ``VAULTKIT_API_INDEX_DIR`` names it directly (a test session shares one
    build across tests); else ``VAULTKIT_CACHE_DIR``/api-index; else the
    platform's user cache directory.
    """
    direct = os.environ.get("VAULTKIT_API_INDEX_DIR")
    if direct:
        return Path(direct)
    override = os.environ.get("VAULTKIT_CACHE_DIR")
    if override:
        return Path(override) / "api-index"
    import platformdirs

    return Path(platformdirs.user_cache_dir("vaultkit")) / "api-index"


@dataclass(frozen=True)
class ModuleKey:
    module: str
    version: str  # installed distribution version, "" when unknown
    origin: str  # where the module is installed

    @property
    def stem(self) -> str:
        where = hashlib.sha1(f"{self.origin}|{sys.executable}".encode()).hexdigest()[:8]
        py = f"py{sys.version_info[0]}{sys.version_info[1]}"
        version = self.version or "unknown"
        return f"{self.module}-{version}-{py}-vk{VAULTKIT_VERSION}-f{FORMAT}-{where}"


class IndexUnavailable(Exception):
    """The module is not installed or could not be introspected; str() says why."""


def module_key(module: str) -> ModuleKey:
    """Identify the installed module without importing it."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        raise IndexUnavailable(f"module {module!r} is not installed in {sys.executable}")
    origin = spec.origin or ",".join(spec.submodule_search_locations or ())
    return ModuleKey(module, distribution_version(module, spec.origin or ""), origin)


def names_path(key: ModuleKey, directory: Path | None = None) -> Path:
    return (directory or cache_dir()) / f"{key.stem}.names.json"


def details_path(key: ModuleKey, directory: Path | None = None) -> Path:
    return (directory or cache_dir()) / f"{key.stem}.details.json"


def build(key: ModuleKey, directory: Path | None = None, *, timeout: float = BUILD_TIMEOUT) -> Path:
    """Build the index files for ``key`` in a subprocess; return the names file."""
    directory = directory or cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexUnavailable(f"cannot create the API index cache {directory}: {exc.strerror}") from None
    command = [sys.executable, "-m", "vaultkit.apiindex.build", key.module, str(directory), key.stem]
    import subprocess

    env = dict(os.environ, PYTHONWARNINGS="ignore")
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        raise IndexUnavailable(
            f"building the {key.module} API index took longer than {timeout:.0f} s"
        ) from None
    except OSError as exc:
        raise IndexUnavailable(f"cannot run {sys.executable}: {exc.strerror}") from None
    path = names_path(key, directory)
    if done.returncode != 0 or not path.is_file():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise IndexUnavailable(f"building the {key.module} API index failed: {last}")
    return path


def read_json(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        raise IndexUnavailable(f"unreadable API index {path}: {exc}") from None


def ensure(module: str, *, rebuild: bool = False, directory: Path | None = None) -> tuple[Path, ModuleKey, bool]:
    """The names file for ``module``, building it when missing.  Returns (path, key, built_now)."""
    key = module_key(module)
    path = names_path(key, directory)
    if path.is_file() and not rebuild:
        return path, key, False
    return build(key, directory), key, True
