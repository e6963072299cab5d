"""``vaultkit check``: run the rules on a vault and report, for people and for CI."""

from __future__ import annotations

import datetime as _dt
import os
import sys
from contextlib import ExitStack
from pathlib import Path

from ..errors import UsageError

FORMATS = ("text", "json", "sarif", "github", "junit")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "check",
        help="check links, PyTorch API names, review schedules and code blocks",
        description="Check every note of an Obsidian vault: broken links (VK1xx), unknown PyTorch "
        "API names (VK2xx), spaced-repetition schedules (VK3xx), Python code blocks that fail "
        "(VK4xx) and unreadable files (VK9xx). Exit status: 0 clean, 1 findings at or above "
        "--fail-on, 2 usage error.",
    )
    parser.add_argument("vault", nargs="?", default=".", metavar="VAULT",
                        help="the vault's root folder (default: the current folder)")
    parser.add_argument("--format", "-f", choices=FORMATS, default="text", help="output format (default text)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    parser.add_argument("--select", metavar="CODES", help="comma-separated codes or prefixes to run (e.g. VK1,VK301)")
    parser.add_argument("--extend-select", metavar="CODES", help="codes or prefixes to add to the selection")
    parser.add_argument("--ignore", metavar="CODES", help="comma-separated codes or prefixes to skip")
    parser.add_argument("--exclude", metavar="GLOBS", help="comma-separated globs of notes not to report on")
    parser.add_argument("--today", metavar="YYYY-MM-DD", help="the date schedules are checked against (default: today)")
    parser.add_argument("--fail-on", choices=("error", "warning", "info", "hint"), default=None,
                        help="lowest severity that makes the exit status 1 (default: warning)")
    parser.add_argument("--no-exec", action="store_true", help="do not run the notes' Python code blocks")
    parser.add_argument("--exec-timeout", type=float, metavar="SECONDS", help="wall-clock limit per code block (default 30)")
    parser.add_argument("--jobs", "-j", type=int, metavar="N",
                        help="worker processes for parsing, checking and running notes (default: CPUs; 1: none)")
    parser.add_argument("--no-cache", action="store_true", help="ignore and do not update vaultkit's caches")
    parser.add_argument("--fix", action="store_true", help="apply safe fixes (writes files atomically)")
    parser.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff, also apply unsafe fixes")
    parser.add_argument("--diff", action="store_true", help="show the fixes as a diff without writing anything")
    parser.set_defaults(handler=run)


def _codes(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [c.strip().upper() for c in text.split(",") if c.strip()]


def _parse_today(text: str | None) -> _dt.date:
    if text is None:
        return _dt.date.today()
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--today {text!r}: expected a date as YYYY-MM-DD") from None


def _overrides(args) -> dict:
    out: dict = {}
    if args.select is not None:
        out["select"] = _codes(args.select)
    if args.extend_select is not None:
        out["extend-select"] = _codes(args.extend_select)
    if args.ignore is not None:
        out["extend-ignore"] = _codes(args.ignore)
    if args.exclude is not None:
        out["exclude"] = [g.strip() for g in args.exclude.split(",") if g.strip()]
    if args.fail_on is not None:
        out["fail-on"] = args.fail_on
    exec_section: dict = {}
    if args.no_exec:
        exec_section["enabled"] = False
    if args.exec_timeout is not None:
        if args.exec_timeout <= 0:
            raise UsageError("--exec-timeout must be a positive number of seconds")
        exec_section["timeout"] = args.exec_timeout
    if args.jobs is not None:
        if args.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        exec_section["jobs"] = args.jobs
    if args.no_cache:
        exec_section["cache"] = False
    if exec_section:
        out["exec"] = exec_section
    return out


def run(args) -> int:
    from ..config import ConfigError, load_config
    from ..report import render
    from ..report.color import use_color
    from . import _results_cache

    today = _parse_today(args.today)
    root = Path(args.vault)
    if not root.exists():
        raise UsageError(f"{args.vault}: no such folder")
    if not root.is_dir():
        raise UsageError(f"{args.vault}: not a folder (give the vault's root folder)")
    if args.unsafe_fixes and not (args.fix or args.diff):
        raise UsageError("--unsafe-fixes needs --fix or --diff")
    try:
        config = load_config(root, _overrides(args))
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    use_cache = not args.no_cache
    run_code = config.option("exec", "enabled") is not False

    if args.fix or args.diff:
        result = _check(root, config, today, run_code, use_cache, args.jobs)
        return _fix(args, root, config, today, run_code, use_cache, result)

    color = args.output is None and use_color(sys.stdout)
    cache_key = listing = None
    if use_cache:
        output = (args.format, color, os.getcwd(), str(root))
        cache_key, listing = _results_cache.key(root, config, today, run_code, output=output)
        cached = _results_cache.load(root, cache_key)
        if cached is not None:
            text, status = cached
            _write(args.output, text)
            return status
    with ExitStack() as stack:
        result = _check(root, config, today, run_code, use_cache, args.jobs, listing, stack)
        text = render(args.format, result, color=color)
        status = 1 if any(d.severity >= config.fail_on for d in result.diagnostics) else 0
        _write(args.output, text)
    from ..cli import keep_until_exit

    keep_until_exit(result)  # the diagnostics and the vault: freed by the exit, not one by one
    # A timeout may not repeat (a busy machine): such a run is not replayed.
    if cache_key is not None and not any(d.code == "VK403" for d in result.diagnostics):
        _results_cache.save(root, cache_key, text, status)
    return status


def _check(root: Path, config, today, run_code: bool, use_cache: bool, jobs, listing=None, stack=None):
    """Check the vault.  Worker processes of a sharded load are stopped on return,
    or when ``stack`` (an ExitStack) closes, if given: they finish writing the
    parse cache while the caller renders the report."""
    from .. import __version__
    from ..core.vault import load_vault
    from ..runner import CheckResult, api_index, reported_paths
    from ._load import open_vault, sharded_or_none
    from ._progress import LazyProgress

    # Loaded before any worker forks, so that the workers share it.
    index = api_index(config)
    progress = LazyProgress()
    try:
        vault, sharded = open_vault(root, config, use_cache=use_cache, jobs=jobs,
                                    progress=progress.task("Reading notes"), listing=listing,
                                    meanwhile=_import_for_later)
    except BaseException:
        progress.close()
        raise
    try:
        diagnostics = None
        if sharded is not None:
            diagnostics = sharded_or_none(
                lambda s: _diagnostics(root, vault, config, today, run_code, use_cache, jobs, listing,
                                       progress, s),
                sharded,
            )
    except BaseException:
        if sharded is not None:
            sharded.close(save=False)
        raise
    if sharded is not None:
        if stack is not None:
            stack.enter_context(sharded)
        else:
            sharded.close()
    if diagnostics is None:
        if sharded is not None:  # a worker failed: start again in this process
            vault = load_vault(root, config=config, use_cache=use_cache, jobs=jobs, listing=listing)
        diagnostics = _diagnostics(root, vault, config, today, run_code, use_cache, jobs, listing, progress, None)
    paths = reported_paths(vault, config)
    for problem in getattr(index, "problems", ()):
        print(f"vaultkit: warning: API names not checked: {problem}", file=sys.stderr)
    return CheckResult(
        root=root, today=today, notes=len(paths), diagnostics=diagnostics, config=config,
        read_lines=vault.read_lines, version=__version__, paths=paths,
    )


def _import_for_later() -> None:
    """What this process needs after the workers parse (imported while they do)."""
    import vaultkit.checks  # noqa: F401
    import vaultkit.report  # noqa: F401


def _diagnostics(root, vault, config, today, run_code, use_cache, jobs, listing, progress, sharded):
    """Every diagnostic of the vault, sorted; the note rules run in ``sharded``'s
    workers when it is given (``vault`` then holds outlines, plus the full notes
    whose code runs)."""
    from ..diagnostics import Diagnostic
    from ..runner import check_notes, check_vault_files, prepare_services, reported_paths

    paths = reported_paths(vault, config)
    try:
        if sharded is not None and run_code:
            vault.notes.update(sharded.full_notes(p for p in paths if p in sharded.with_code))
        services = prepare_services(vault, config, paths, run_code=run_code, use_cache=use_cache,
                                    progress=progress.task("Running code blocks"))
    finally:
        progress.close()  # its threads must be gone before the check forks workers
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if sharded is not None:
        def check(todo):
            found = sharded.check_notes(config, today, services, todo)
            sharded.save_cache()  # written by the workers while this process goes on
            return found
    else:
        def check(todo):
            return check_notes(vault, config, today, services, todo, jobs=workers), None
    if use_cache and listing is not None:
        from ._note_results import check_notes_cached

        by_note = check_notes_cached(root, vault, config, today, services, paths, listing,
                                     run_code=run_code, jobs=workers, check=check)
    else:
        by_note = check(paths)[0]
    diagnostics = [d for path in paths for d in by_note[path]]
    diagnostics.extend(check_vault_files(vault, config, today, services))
    diagnostics.sort(key=Diagnostic.sort_key)
    return diagnostics


def _fix(args, root, config, today, run_code, use_cache, result) -> int:
    from ..fixes import apply_fixes

    outcome = apply_fixes(root, result.diagnostics, unsafe=args.unsafe_fixes, write=args.fix)
    for problem in outcome.problems:
        print(f"vaultkit: {problem}", file=sys.stderr)
    if args.diff:
        _write(args.output, outcome.diff)
        print(outcome.summary(write=False), file=sys.stderr)
        return 1 if outcome.diff else 0
    # Report what is left after fixing, as ruff does.
    from ..report import render
    from ..report.color import use_color

    remaining = _check(root, config, today, run_code, use_cache, args.jobs)
    text = render(args.format, remaining, color=args.output is None and use_color(sys.stdout))
    _write(args.output, text)
    print(outcome.summary(write=True), file=sys.stderr)
    return 1 if any(d.severity >= config.fail_on for d in remaining.diagnostics) else 0


def _write(path: str | None, text: str) -> None:
    if path is None or path == "-":
        try:
            sys.stdout.reconfigure(encoding="utf-8")
        except (AttributeError, ValueError):
            pass
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
