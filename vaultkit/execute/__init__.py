"""Run the Python code blocks of notes, notebook-style, in a sandbox.

The service the runner calls before checking (its result goes into
``ctx.services["exec"]`` and :mod:`vaultkit.checks.code_blocks` turns it into
VK4xx diagnostics)::

    runs = run_notes(vault, notes, config, use_cache=True, progress=None)
    runs["Folder/Note.md"].blocks  # one BlockResult per Python block

Pieces: :mod:`.select` (which blocks, skip rules), :mod:`.server` (warm worker
that forks one child per note), :mod:`.daemon` (the same worker shared by
successive runs, found and started by :mod:`.daemon_client` through
:mod:`.runtime`), :mod:`.sandbox` and :mod:`.landlock` (what a
child may do), :mod:`.notebook` (the child running blocks), :mod:`.consequences`
(follow-on NameErrors), :mod:`.cache` (results by block sources and versions).
``SANDBOX.md`` next to this file says what is isolated on which platform.
"""

from __future__ import annotations

import os
import time
from typing import Callable, Iterable

from . import cache as _cache
from . import results as R
from .results import BlockResult, Frame, NoteRun, WarningRecord
from .select import plan_note

__all__ = ["run_notes", "shutdown", "NoteRun", "BlockResult", "Frame", "WarningRecord"]


def shutdown() -> None:
    """Stop the warm worker (also done automatically at exit)."""
    from .client import shutdown as _shutdown

    _shutdown()


def _limits(config) -> tuple[float, int, int, bool]:
    def number(key, default, kind):
        value = config.option("exec", key) if config is not None else None
        try:
            value = kind(value)
        except (TypeError, ValueError):
            return default
        return value if value > 0 else default

    timeout = number("timeout", 30.0, float)
    memory = number("memory-mb", 4096, int)
    jobs = number("jobs", os.cpu_count() or 1, int)
    use = config.option("exec", "cache") if config is not None else True
    return timeout, memory, jobs, use is not False


_FALSE = ("0", "false", "no", "off")


def daemon_keep_warm(config) -> float | None:
    """The shared daemon's idle timeout when this run may use it, else None.

    ``VAULTKIT_EXEC_DAEMON=0/1`` wins; then ``[exec] daemon = true|false``; the
    default ("auto") is on, except when the ``CI`` environment variable is set:
    a CI job runs once, so a daemon left behind only costs memory (Gradle advises
    the same for its daemon).
    """
    env = os.environ.get("VAULTKIT_EXEC_DAEMON", "").strip().lower()
    if env:
        on = env not in _FALSE
    else:
        value = config.option("exec", "daemon") if config is not None else "auto"
        if isinstance(value, bool):
            on = value
        else:
            ci = os.environ.get("CI", "").strip().lower()
            on = not ci or ci in _FALSE
    if not on:
        return None
    value = config.option("exec", "keep-warm") if config is not None else None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return 600.0
    return seconds if seconds > 0 else 600.0


def run_notes(
    vault,
    notes: Iterable,
    config,
    *,
    use_cache: bool = True,
    progress: Callable[[int, int], None] | None = None,
    shared: bool = True,
) -> dict[str, NoteRun]:
    """Run the Python blocks of ``notes`` (Note objects or vault paths).

    Returns a NoteRun per note that has at least one Python block, keyed by
    note path.  Notes whose result is cached (same block sources, limits and
    Python/torch/vaultkit versions) run nothing.  Never raises for a note's
    code; if the worker cannot start, each NoteRun carries ``problem``.
    ``shared=False`` never uses the shared daemon (see :func:`daemon_keep_warm`).
    """
    if config is not None and config.option("exec", "enabled") is False:
        return {}  # [exec] enabled = false / --no-exec
    timeout, memory_mb, jobs, cache_on = _limits(config)
    use_cache = use_cache and cache_on
    out: dict[str, NoteRun] = {}
    todo = []  # (path, planned, key)
    for note in notes:
        if isinstance(note, str):
            note = vault.notes[note]
        planned = plan_note(note, config)
        if not planned:
            continue
        key = _cache.key_for(planned, timeout=timeout, memory_mb=memory_mb)
        if not any(not p.skip for p in planned):
            out[note.path] = NoteRun(note.path, _skipped(planned), key=key)
            continue
        hit = _cache.load(key) if use_cache else None
        if hit is not None:
            out[note.path] = hit._replace(path=note.path, cached=True)
            continue
        todo.append((note.path, planned, key))
    total, done = len(todo), 0
    if progress:
        progress(0, total)
    if not todo:
        return out

    from .client import WorkerError, results_of, worker
    from .consequences import mark

    def finished(position: int, message: dict) -> None:
        nonlocal done
        path, planned, key = todo[position]
        blocks, sandbox, seconds = results_of(message)
        by_index = {b.index: b for b in blocks}
        merged = [
            by_index.get(p.index) or R.BlockResult(p.index, R.SKIPPED if p.skip else R.NOT_RUN,
                                                   message=p.skip or "not run")
            for p in planned
        ]
        merged = mark(merged, {p.index: p.source for p in planned})
        run = NoteRun(path, tuple(merged), tuple(sandbox), False, seconds, key)
        if not any(b.kind == R.TIMEOUT for b in merged):  # a loaded machine must not stick
            _cache.store(run)
        out[path] = run
        done += 1
        if progress:
            progress(done, total)

    from .client import _LOCK

    started = time.monotonic()
    try:
        with _LOCK:
            worker().run(
                [[(p.index, p.source) for p in planned if not p.skip] for _, planned, _ in todo],
                timeout=timeout, memory_mb=memory_mb, parallel=jobs, on_done=finished,
                keep_warm=daemon_keep_warm(config) if shared else None,
            )
    except WorkerError as exc:
        for path, planned, key in todo:
            if path not in out:
                out[path] = NoteRun(path, _skipped(planned, "not run"), key=key,
                                    seconds=time.monotonic() - started, problem=str(exc))
    return out


def _skipped(planned, reason: str = "") -> tuple[BlockResult, ...]:
    return tuple(
        BlockResult(p.index, R.SKIPPED if p.skip else R.NOT_RUN, message=p.skip or reason)
        for p in planned
    )
