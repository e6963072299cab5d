"""Small helpers shared by the reporters: coordinates, counts, paths, rule lookup.

Every reporter receives a ``CheckResult`` (see ``vaultkit.runner``); it is
only read through the attributes named there, so tests may pass a stand-in.
"""

from __future__ import annotations

import functools

import os
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Any, Iterable

from ..core.span import Span
from ..diagnostics import Diagnostic, Fix, Severity

SEVERITY_ORDER = ("error", "warning", "info", "hint")


def one_based(span: Span) -> dict[str, int]:
    """A span as humans and most tools count: 1-based, end column exclusive."""
    return {
        "line": span.line + 1,
        "column": span.col + 1,
        "end_line": span.end_line + 1,
        "end_column": span.end_col + 1,
    }


def counts_by_code(diagnostics: Iterable[Diagnostic]) -> dict[str, int]:
    counts = Counter(d.code for d in diagnostics)
    return {code: counts[code] for code in sorted(counts)}


def counts_by_severity(diagnostics: Iterable[Diagnostic]) -> dict[str, int]:
    by_value = Counter(d.severity for d in diagnostics)  # labels once per severity, not per diagnostic
    counts: Counter[str] = Counter()
    for severity, count in by_value.items():
        counts[Severity(severity).label] += count
    return {label: counts.get(label, 0) for label in SEVERITY_ORDER}


def rule_names(diagnostics: Iterable[Diagnostic]) -> dict[str, str]:
    """code -> rule name, as the diagnostics carry them (first seen wins)."""
    names: dict[str, str] = {}
    for d in diagnostics:
        names.setdefault(d.code, d.rule)
    return names


def has_safe_fix(d: Diagnostic) -> bool:
    return d.fix is not None and bool(d.fix.edits) and d.fix.is_safe


def has_unsafe_fix(d: Diagnostic) -> bool:
    return d.fix is not None and bool(d.fix.edits) and not d.fix.is_safe


def help_text(d: Diagnostic) -> str | None:
    """The fix title, else a suggestion the check left in ``data``."""
    if d.fix is not None and d.fix.title:
        return d.fix.title
    suggestion = d.data.get("suggestion") if isinstance(d.data, dict) else None
    if isinstance(suggestion, str) and suggestion:
        return suggestion
    suggestions = d.data.get("suggestions") if isinstance(d.data, dict) else None
    if isinstance(suggestions, (list, tuple)) and suggestions:
        shown = ", ".join(f"`{s}`" for s in list(suggestions)[:3])
        return f"did you mean {shown}?"
    return None


def edit_to_dict(edit) -> dict[str, Any]:
    if edit.span is None:
        where: dict[str, Any] = {"line": None, "column": None, "end_line": None, "end_column": None}
    else:
        where = one_based(edit.span)
    return {"path": edit.path, **where, "new_text": edit.new_text}


def fix_to_dict(fix: Fix | None) -> dict[str, Any] | None:
    if fix is None:
        return None
    return {
        "title": fix.title,
        "applicability": fix.applicability,
        "edits": [edit_to_dict(e) for e in fix.edits],
    }


def display_path(root: Path, path: str, base: Path | None) -> str:
    """Where a note is, as a user or CI runner in ``base`` (the cwd) names it.

    A vault given relative on the command line stays relative (``vault/A.md``);
    an absolute vault under ``base`` is shown relative to it; anything else is
    absolute.  Symlinks are not resolved: the path is the one the user typed.
    """
    return _display_path(os.fspath(root), path, os.getcwd() if base is None else os.fspath(base))


@functools.lru_cache(maxsize=65536)  # a report names each note once per diagnostic
def _display_path(root: str, path: str, base: str) -> str:
    # pathlib and relpath cost ~40 us a note (0.4 s for 10k): work out once per
    # root what goes before a plain vault path, and just prepend it.
    if _plain(path):
        prefix = _prefix(root, base)
        if prefix is not None:
            return prefix + path
    return _display_path_slow(root, path, base)


def _plain(path: str) -> bool:
    """A relative path without empty, ``.`` or ``..`` parts (what vault paths are)."""
    return bool(path) and all(part not in ("", ".", "..") for part in path.split("/"))


@functools.lru_cache(maxsize=64)
def _prefix(root: str, base: str) -> str | None:
    """What ``_display_path_slow(root, path, base)`` puts before any plain ``path``,
    or None when that depends on ``path`` (``base`` inside the vault)."""
    root_path = Path(root)
    if not root_path.is_absolute():
        shown = os.path.normpath(root_path.as_posix())
        return "" if shown == "." else PurePosixPath(shown).as_posix() + "/"
    try:
        rel = Path(os.path.relpath(root_path, base)).as_posix()
        outside = rel == ".." or rel.startswith("../")
        if outside and not Path(os.path.relpath(base, root_path)).as_posix().startswith(".."):
            return None  # base is inside the vault: some notes are under it, some not
    except ValueError:  # another drive on Windows
        return None
    if outside:
        whole = root_path.as_posix()
        return whole if whole.endswith("/") else whole + "/"
    return "" if rel == "." else rel + "/"


def _display_path_slow(root: str, path: str, base: str) -> str:
    root = Path(root)
    full = root / PurePosixPath(path)
    if not full.is_absolute():
        return PurePosixPath(os.path.normpath(full.as_posix())).as_posix()
    try:
        rel = os.path.relpath(full, base)
    except ValueError:  # another drive on Windows
        return full.as_posix()
    rel_posix = Path(rel).as_posix()
    if rel_posix == ".." or rel_posix.startswith("../"):
        return full.as_posix()
    return rel_posix
