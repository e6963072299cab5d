"""The index of real API names (torch by default), built once per installed version.

``load_index(config)`` is the entry point for the check, the CLI and the
language server.  It reads the cached index files of every module listed in
the ``[api] modules`` option, building a missing one in a subprocess, and
never imports the indexed module itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from .cache import IndexUnavailable, cache_dir, details_path, ensure, read_json
from .index import ApiEntry, ApiIndex, ModuleInfo

__all__ = [
    "ApiEntry", "ApiIndex", "ModuleInfo", "IndexUnavailable", "load_index", "cache_dir",
    "configured_modules", "forget_loaded",
]

# Parsed names files by (path, mtime): the language server re-checks often and
# must not re-read 400 KB of JSON each time.
_LOADED: dict[tuple[str, float], dict] = {}
# Whole indexes by configuration, so that checking 10k notes loads once.
_INDEXES: dict[tuple, ApiIndex] = {}


def configured_modules(config: Any) -> tuple[dict[str, list[str]], dict[str, str], list[str]]:
    """(module -> aliases, alias -> module path, problems) from the ``api`` section."""
    problems: list[str] = []
    if config is None:
        from ..config import Config

        config = Config()
    raw_modules = config.option("api", "modules")
    raw_aliases = config.option("api", "aliases")
    modules: dict[str, list[str]] = {}
    if raw_modules is None:
        raw_modules = {"torch": ["torch"]}
    if not isinstance(raw_modules, Mapping):
        problems.append(f"[api] modules must be a table of module = [aliases], got {raw_modules!r}")
        raw_modules = {}
    for module, names in raw_modules.items():
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
            problems.append(f"[api] modules.{module} must be a list of alias names, got {names!r}")
            continue
        modules[str(module)] = list(names)
    aliases: dict[str, str] = {}
    if raw_aliases is None:
        raw_aliases = {}
    if not isinstance(raw_aliases, Mapping):
        problems.append(f"[api] aliases must be a table of alias = \"module.path\", got {raw_aliases!r}")
        raw_aliases = {}
    for alias, target in raw_aliases.items():
        if not isinstance(target, str):
            problems.append(f"[api] aliases.{alias} must be a dotted module path, got {target!r}")
            continue
        aliases[str(alias)] = target
    return modules, aliases, problems


def load_index(config: Any = None, *, rebuild: bool = False, directory: Path | None = None) -> ApiIndex:
    """The index for the configured modules; builds what is missing (subprocess).

    A module that cannot be indexed (not installed, build failed) is left out
    and explained in ``ApiIndex.problems``; references to it are then not judged.
    """
    modules, configured_aliases, problems = configured_modules(config)
    memo_key = (repr(sorted(modules.items())), repr(sorted(configured_aliases.items())), str(directory))
    if not rebuild and memo_key in _INDEXES:
        return _INDEXES[memo_key]
    index = _load(modules, configured_aliases, problems, rebuild, directory)
    _INDEXES[memo_key] = index
    return index


def forget_loaded() -> None:
    """Drop in-process copies (after a rebuild, or in tests)."""
    _LOADED.clear()
    _INDEXES.clear()


def _load(modules, configured_aliases, problems, rebuild, directory) -> ApiIndex:
    names: dict[str, str] = {}
    namespaces: list[str] = []
    primary: list[str] = []
    deprecated: dict[str, str] = {}
    single = len(modules) == 1  # the usual case: use the loaded dicts as they are
    infos: dict[str, ModuleInfo] = {}
    for module in modules:
        try:
            path, key, _ = ensure(module, rebuild=rebuild, directory=directory)
            data = _read_names(path)
        except IndexUnavailable as exc:
            problems.append(str(exc))
            continue
        if single:
            names, deprecated = data["names"], data.get("deprecated", {})
        else:
            names.update(data["names"])
            deprecated.update(data.get("deprecated", {}))
        namespaces.extend(data.get("namespaces", []))
        primary.extend(data.get("primary", data.get("namespaces", [])))
        infos[module] = ModuleInfo(
            module=module,
            version=str(data.get("version") or key.version),
            names_file=path,
            details_file=details_path(key, directory),
            name_count=len(data.get("names", {})),
            build_seconds=float(data.get("build_seconds") or 0.0),
            built_at=str(data.get("built_at") or ""),
            errors=tuple(data.get("errors", ())),
        )
    aliases: dict[str, str] = {}
    for module, module_aliases in modules.items():
        if module in infos:
            for alias in module_aliases:
                aliases[alias] = module
            aliases.setdefault(module, module)
    for alias, target in configured_aliases.items():
        # An alias for a module that is not indexed (nn without torch) is ignored.
        if target.split(".", 1)[0] in infos:
            aliases[alias] = target
    return ApiIndex(names, namespaces, deprecated, infos, aliases, problems, primary)


def _read_names(path: Path) -> dict:
    try:
        stamp = path.stat().st_mtime
    except OSError as exc:
        raise IndexUnavailable(f"cannot read the API index {path}: {exc.strerror}") from None
    key = (str(path), stamp)
    data = _LOADED.get(key)
    if data is None:
        data = read_json(path)
        if not isinstance(data.get("names"), dict):
            raise IndexUnavailable(f"the API index {path} is damaged; run `vaultkit api-index --rebuild`")
        for old in [k for k in _LOADED if k[0] == key[0]]:
            del _LOADED[old]  # an older build of the same file
        _LOADED[key] = data
    return data
