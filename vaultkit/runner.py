"""The single entry point for checking, shared by the CLI, the LSP and tests.

``check_vault`` and ``check_note`` are pure functions of (vault, config,
today, services).  ``prepare_services`` is where the world comes in: it loads
the API-name index and runs code blocks (when asked), so that the checks
themselves never touch a clock, a subprocess or a global.
"""

from __future__ import annotations

import datetime as _dt
import marshal
import os
import pickle
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from .config import Config
from .core.span import Span
from .diagnostics import Diagnostic, Edit, Fix, Related, Severity


@dataclass
class CheckResult:
    root: Path
    today: _dt.date
    notes: int
    diagnostics: list[Diagnostic]
    config: Config
    read_lines: Callable[[str], list[str]]
    version: str
    paths: list[str] = field(default_factory=list)


def _checkers():
    from . import checks  # noqa: F401  (registers every rule)
    from .checks.registry import CHECKERS

    return CHECKERS


def reported_paths(vault, config: Config) -> list[str]:
    """Notes that are reported on: not excluded by config nor hidden by userIgnoreFilters."""
    from .suppress import is_excluded

    return [
        path for path in vault.notes
        if not vault.is_ignored(path) and not (config.exclude and is_excluded(path, config.exclude))
    ]


def prepare_services(
    vault,
    config: Config,
    paths: Iterable[str] | None = None,
    *,
    run_code: bool = False,
    use_cache: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Compute what checks need from the world: the API-name index (when VK2 is
    selected) and code-block results (when ``run_code``)."""
    services: dict[str, Any] = {}
    index = api_index(config)
    if index is not None:
        services["api_index"] = index
    if run_code and config.option("exec", "enabled") is not False and config.is_enabled("VK4"):
        from .execute import run_notes

        notes = [vault.notes[p] for p in (paths if paths is not None else reported_paths(vault, config))]
        services["exec"] = run_notes(vault, notes, config, use_cache=use_cache, progress=progress)
    return services


def api_index(config: Config):
    """The API-name index when an API-name rule is selected, else None (loaded once
    per process: a caller about to fork workers loads it first so they share it)."""
    if not (config.is_enabled("VK201") or config.is_enabled("VK202")):
        return None
    from .apiindex import load_index

    return load_index(config)


def _active(config: Config, scope: str) -> list:
    """The checkers of ``scope`` that can emit at least one selected code."""
    return [c for c in _checkers() if c.scope == scope and any(config.is_enabled(code) for code in c.codes)]


def _run_checkers(vault, note, ctx, checkers) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    enabled = ctx.config.is_enabled
    target = note if note is not None else vault
    for checker in checkers:
        for diagnostic in checker.func(target, ctx):
            if enabled(diagnostic.code):
                out.append(diagnostic)
    return out


# Below this many notes, forking costs more than it saves.
_PARALLEL_MIN_NOTES = 1500
# What a forked worker checks with: set just before the pool forks, read by
# _check_chunk in the child.  Never used for anything else.
_FORKED: tuple | None = None


def _check_notes(vault, ctx, checkers, paths) -> dict[str, list[Diagnostic]]:
    from .suppress import filter_suppressed

    out: dict[str, list[Diagnostic]] = {}
    for path in paths:
        note = vault.notes[path]
        out[path] = filter_suppressed(note, _run_checkers(vault, note, ctx, checkers))
    return out


def _check_chunk(paths: list[str]) -> bytes:
    vault, ctx, checkers = _FORKED
    return to_wire(_check_notes(vault, ctx, checkers, paths))


# Diagnostics cross from a worker to the parent as marshal bytes of plain tuples:
# pickling 41k dataclass instances (slots, nested spans and fixes) cost 1.9 s of
# CPU for the round trip, this 0.9 s.


def _fix_wire(fix):
    if fix is None:
        return None
    return (fix.title, fix.applicability,
            tuple((e.path, tuple(e.span) if e.span is not None else None, e.new_text) for e in fix.edits))


def _fix_back(wire):
    if wire is None:
        return None
    title, applicability, edits = wire
    return Fix(title, tuple(Edit(p, Span(*s) if s is not None else None, t) for p, s, t in edits), applicability)


def to_rows(diagnostics: list[Diagnostic]) -> list[tuple]:
    """Diagnostics as plain tuples (marshal can carry them unless a check put
    something else in ``data``)."""
    return [
        (d.path, tuple(d.span), d.code, d.rule, int(d.severity), d.message, _fix_wire(d.fix),
         tuple((r.path, tuple(r.span), r.message) for r in d.related),
         tuple(_fix_wire(f) for f in d.alternatives), d.data)
        for d in diagnostics
    ]


def from_rows(rows) -> list[Diagnostic]:
    return [
        Diagnostic(path, Span(*span), code, rule, Severity(severity), message, _fix_back(fix),
                   tuple(Related(p, Span(*s), m) for p, s, m in related),
                   tuple(_fix_back(f) for f in alternatives), data)
        for path, span, code, rule, severity, message, fix, related, alternatives, data in rows
    ]


def to_wire(by_note: dict[str, list[Diagnostic]]) -> bytes:
    try:
        return b"M" + marshal.dumps([(path, to_rows(ds)) for path, ds in by_note.items()])
    except ValueError:  # a check put something marshal cannot carry in ``data``
        return b"P" + pickle.dumps(by_note, protocol=pickle.HIGHEST_PROTOCOL)


def from_wire(data: bytes) -> dict[str, list[Diagnostic]]:
    if data[:1] == b"P":
        return pickle.loads(data[1:])
    return {path: from_rows(rows) for path, rows in marshal.loads(data[1:])}


def rows_from_wire(data: bytes) -> dict[str, list[tuple]] | None:
    """The rows :func:`to_wire` sent, or None when it had to pickle diagnostics."""
    if data[:1] == b"P":
        return None
    return dict(marshal.loads(data[1:]))


def _check_parallel(vault, ctx, checkers, paths, jobs) -> dict[str, list[Diagnostic]]:
    global _FORKED
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = max(200, len(paths) // (jobs * 4))
    chunks = [paths[i : i + size] for i in range(0, len(paths), size)]
    _FORKED = (vault, ctx, checkers)
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            out: dict[str, list[Diagnostic]] = {}
            for part in pool.map(_check_chunk, chunks):
                out.update(from_wire(part))
            return out
    finally:
        _FORKED = None


def check_note(
    vault,
    path: str,
    config: Config | None = None,
    today: _dt.date | None = None,
    services: Mapping[str, Any] | None = None,
) -> list[Diagnostic]:
    """Diagnostics of one note (including file problems recorded for its path)."""
    from .checks.context import Context
    from .suppress import filter_suppressed

    config = config or Config()
    today = today or _dt.date.today()
    ctx = Context(vault, config, today, services or {})
    note = vault.notes.get(path)
    out: list[Diagnostic] = []
    if note is not None:
        out.extend(_run_checkers(vault, note, ctx, _active(config, "note")))
    out.extend(d for d in _run_checkers(vault, None, ctx, _active(config, "vault")) if d.path == path)
    out = filter_suppressed(note, out)
    out.sort(key=Diagnostic.sort_key)
    return out


def check_vault(
    vault,
    config: Config | None = None,
    today: _dt.date | None = None,
    services: Mapping[str, Any] | None = None,
    paths: Iterable[str] | None = None,
    jobs: int = 1,
) -> list[Diagnostic]:
    """Every diagnostic of the vault, sorted by path, line, column and code.

    With ``jobs`` > 1 and a large vault, notes are checked in forked worker
    processes that share the loaded vault copy-on-write; the result is the same.
    """
    config = config or Config()
    today = today or _dt.date.today()
    paths = list(paths) if paths is not None else reported_paths(vault, config)
    by_note = check_notes(vault, config, today, services, paths, jobs=jobs)
    out = [d for path in paths for d in by_note[path]]
    out.extend(check_vault_files(vault, config, today, services))
    out.sort(key=Diagnostic.sort_key)
    return out


def check_notes(
    vault,
    config: Config,
    today: _dt.date,
    services: Mapping[str, Any] | None,
    paths: Iterable[str],
    jobs: int = 1,
) -> dict[str, list[Diagnostic]]:
    """The note rules' diagnostics of each of ``paths`` (suppressions applied),
    by note.  What one note gets depends on that note and on what the others
    offer as link targets (paths, aliases, headings, block ids), never on the
    rest of their text: see :mod:`vaultkit.commands._note_results`."""
    from .checks.context import Context

    ctx = Context(vault, config, today, services or {})
    paths = list(paths)
    note_checkers = _active(config, "note")
    # Workers share the loaded vault by forking, which is only safe while this
    # process runs no other thread (see core.vault._parse_parallel).
    if jobs > 1 and len(paths) >= _PARALLEL_MIN_NOTES and hasattr(os, "fork") and threading.active_count() == 1:
        return _check_parallel(vault, ctx, note_checkers, paths, jobs)
    return _check_notes(vault, ctx, note_checkers, paths)


def check_vault_files(
    vault,
    config: Config,
    today: _dt.date,
    services: Mapping[str, Any] | None = None,
) -> list[Diagnostic]:
    """The vault-wide rules' diagnostics (files that cannot be read, settings),
    without those on ignored or excluded paths."""
    from .checks.context import Context
    from .suppress import is_excluded

    ctx = Context(vault, config, today, services or {})
    return [
        d for d in _run_checkers(vault, None, ctx, _active(config, "vault"))
        if not vault.is_ignored(d.path) and not (config.exclude and is_excluded(d.path, config.exclude))
    ]
