"""``vaultkit api-index``: show (or rebuild) the cached index of real API names."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from ..errors import UsageError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "api-index",
        help="show or rebuild the index of real torch API names",
        description="Show where the index of real API names (VK2xx) is cached, the indexed "
        "module versions, how many names each holds and how long the build took. The index is "
        "built once per installed version, in a separate process; --rebuild builds it again.",
    )
    parser.add_argument(
        "path", nargs="?", default=".", help="vault whose [api] settings to use (default: current directory)"
    )
    parser.add_argument("--rebuild", action="store_true", help="build the index again")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.set_defaults(handler=run)


def run(args) -> int:
    from ..apiindex import cache, configured_modules, forget_loaded, load_index
    from ..config import ConfigError, load_config

    root = Path(args.path)
    if not root.is_dir():
        raise UsageError(f"{args.path}: not a directory")
    try:
        config = load_config(root)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    modules, _, _ = configured_modules(config)
    built_now: dict[str, bool] = {}
    failures: list[str] = []
    if args.rebuild:
        forget_loaded()
    for module in modules:
        if not args.json and (args.rebuild or not _cached(module)):
            print(f"building the {module} API index (this imports {module} once)...", file=sys.stderr)
        try:
            _, _, built_now[module] = cache.ensure(module, rebuild=args.rebuild)
        except cache.IndexUnavailable as exc:
            failures.append(str(exc))
    started = time.perf_counter()
    forget_loaded()
    index = load_index(config)
    load_ms = (time.perf_counter() - started) * 1000
    problems = list(dict.fromkeys([*failures, *index.problems]))
    if args.json:
        report = {
            "cache_dir": str(cache.cache_dir()),
            "modules": [
                {
                    "module": info.module,
                    "version": info.version,
                    "names": info.name_count,
                    "build_seconds": info.build_seconds,
                    "built_at": info.built_at,
                    "built_now": built_now.get(info.module, False),
                    "file": str(info.names_file),
                    "import_errors": list(info.errors),
                }
                for info in index.modules.values()
            ],
            "aliases": index.aliases,
            "load_ms": round(load_ms, 1),
            "problems": problems,
        }
        print(json.dumps(report, indent=2))
    else:
        print(f"cache: {cache.cache_dir()}")
        for info in index.modules.values():
            when = "built now" if built_now.get(info.module) else f"built {info.built_at}"
            print(f"{info.module} {info.version}: {info.name_count:,} names ({when}, "
                  f"build took {info.build_seconds:.1f} s)")
            print(f"  {info.names_file}")
        aliases = ", ".join(
            alias if alias == target else f"{alias} -> {target}" for alias, target in index.aliases.items()
        )
        print(f"aliases: {aliases or '(none)'}")
        print(f"load time: {load_ms:.1f} ms")
        for problem in problems:
            print(f"vaultkit: warning: {problem}", file=sys.stderr)
    return 1 if problems else 0


def _cached(module: str) -> bool:
    from ..apiindex import cache

    try:
        return cache.names_path(cache.module_key(module)).is_file()
    except cache.IndexUnavailable:
        return True  # the failure is reported after
