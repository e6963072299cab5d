"""Apply the fixes diagnostics carry: ``--fix``, ``--unsafe-fixes``, ``--diff``.

A fix is data (:class:`vaultkit.diagnostics.Fix`); this module is the only
place that turns it into bytes on disk, and only when asked (``write=True``).

Rules, as in ruff:

* safe fixes are applied; unsafe ones only with ``unsafe=True``;
* a fix is all-or-nothing: when one of its edits overlaps an edit already
  accepted (fixes are taken in order of position), the whole fix is skipped
  and counted in ``skipped``; the user runs ``--fix`` again for the rest;
* the same edit offered by two diagnostics (two links to one missing note
  both offering to create it) is applied once and fixes both.

Coordinates are those of :class:`vaultkit.core.span.Span` in the file as it
is on disk: lines end at ``\\n``, ``\\r\\n`` or ``\\r`` and a leading BOM is
not part of line 0, as in ``vaultkit.core.parse``.  Files keep their BOM and
their line endings: new text written into a CRLF file gets CRLF.  An edit with
``span=None`` creates a file and never overwrites one.  Paths that leave the
vault (``..``, absolute paths, symlinks pointing outside) are refused, and so
are read-only files.  Writes
are atomic: a temporary file in the same directory, then ``os.replace``, with
the original file's permission bits.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterable

from .diagnostics import Diagnostic, Edit

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BOM = "\ufeff"


@dataclass
class FixOutcome:
    applied: int  # diagnostics whose fix was applied (or would be, without write)
    skipped: int  # eligible fixes left out: conflicts, stale or refused edits
    diff: str  # unified diff of every change, "" when nothing changes
    changed_paths: list[str]  # vault-relative paths written (or that would be)
    hidden_unsafe: int = 0  # unsafe fixes not applied because unsafe=False
    problems: list[str] = field(default_factory=list)  # why fixes were skipped, located

    def summary(self, *, write: bool) -> str:
        """One line for the end of ``--fix`` / ``--diff`` output."""
        verb = "Fixed" if write else "Would fix"
        parts = [f"{verb} {self.applied} problem{'' if self.applied == 1 else 's'}"]
        if self.skipped:
            parts.append(f"{self.skipped} fix{'' if self.skipped == 1 else 'es'} skipped")
        line = ", ".join(parts) + "."
        if self.hidden_unsafe:
            n = self.hidden_unsafe
            line += f" {n} more fix{'' if n == 1 else 'es'} available with --unsafe-fixes."
        return line


class _Refused(Exception):
    """An edit that cannot be applied; the message says why, for the user."""


@dataclass
class _File:
    path: str
    disk: Path  # where the bytes are read from and written to (symlinks resolved)
    exists: bool
    original: bytes = b""
    text: str = ""  # decoded, without BOM
    bom: bool = False
    newline: str = "\n"
    line_starts: list[int] = field(default_factory=list)
    line_ends: list[int] = field(default_factory=list)  # offset where each line's text ends
    # accepted edits: (start, end, new_text); created content for a new file
    edits: list[tuple[int, int, str]] = field(default_factory=list)
    created: str | None = None
    diagnostics: int = 0  # diagnostics applied into this file, for accounting on write errors

    def offset(self, line: int, col: int) -> int:
        if not (0 <= line < len(self.line_starts)):
            raise _Refused(f"{self.path}:{line + 1}: the file has only {len(self.line_starts)} lines")
        start, end = self.line_starts[line], self.line_ends[line]
        if not (0 <= col <= end - start):
            raise _Refused(f"{self.path}:{line + 1}:{col + 1}: past the end of the line")
        return start + col


def _load(root: Path, path: str) -> _File:
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or ".." in pure.parts or "\\" in path or ":" in pure.parts[0]:
        raise _Refused(f"{path}: refusing a path outside the vault")
    real_root = root.resolve()
    disk = (root / pure).resolve()
    try:
        disk.relative_to(real_root)
    except ValueError:
        raise _Refused(f"{path}: refusing a path outside the vault") from None
    if not disk.exists():
        return _File(path, disk, exists=False)
    if not disk.is_file():
        raise _Refused(f"{path}: not a regular file")
    # os.replace would go round a read-only mode; the user set it for a reason.
    if not disk.stat().st_mode & 0o222:
        raise _Refused(f"{path}: read-only, left untouched")
    try:
        data = disk.read_bytes()
    except OSError as exc:
        raise _Refused(f"{path}: cannot read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Refused(f"{path}: not UTF-8 (byte {exc.start}), left untouched") from None
    bom = text.startswith(_BOM)
    if bom:
        text = text[1:]
    first = _LINE_BREAK.search(text)
    starts, ends = [0], []
    for match in _LINE_BREAK.finditer(text):
        ends.append(match.start())
        starts.append(match.end())
    ends.append(len(text))
    return _File(
        path,
        disk,
        exists=True,
        original=data,
        text=text,
        bom=bom,
        newline=first.group() if first else "\n",
        line_starts=starts,
        line_ends=ends,
    )


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Ranges that cannot both be applied without an ambiguous result.

    Two replacements may touch (one ends where the next begins); an insertion
    conflicts with anything at or around its point, as the order would be a guess.
    """
    (a0, a1), (b0, b1) = a, b
    if a0 == a1 or b0 == b1:
        return a0 <= b1 and b0 <= a1
    return a0 < b1 and b0 < a1


def _in_file_newlines(text: str, newline: str) -> str:
    if newline == "\n":
        return text
    return _LINE_BREAK.sub(newline, text)


def _fix_order(d: Diagnostic) -> tuple:
    def key(edit: Edit) -> tuple:
        if edit.span is None:
            return (edit.path, -1, -1)
        return (edit.path, edit.span.line, edit.span.col)

    return (min(key(e) for e in d.fix.edits), d.sort_key())


def _new_content(f: _File) -> str:
    if f.created is not None:
        return f.created
    out, pos = [], 0
    for start, end, new in sorted(f.edits, key=lambda e: (e[0], e[1])):
        out.append(f.text[pos:start])
        out.append(new)
        pos = end
    out.append(f.text[pos:])
    return "".join(out)


def _new_bytes(f: _File) -> bytes:
    return ((_BOM if f.bom else "") + _new_content(f)).encode("utf-8")


def _keepends(text: str) -> list[str]:
    return [m.group() for m in re.finditer(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text)]


def _diff(f: _File) -> str:
    before = _keepends(f.text) if f.exists else []
    after = _keepends(_new_content(f))
    lines = difflib.unified_diff(
        before,
        after,
        fromfile=f"a/{f.path}" if f.exists else "/dev/null",
        tofile=f"b/{f.path}",
    )
    out = []
    for line in lines:
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)


def _umask() -> int:
    # os.umask can only be read by setting it; the CLI is single-threaded here.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_atomic(f: _File, data: bytes) -> None:
    directory = f.disk.parent
    if not f.exists:
        directory.mkdir(parents=True, exist_ok=True)
        mode = 0o666 & ~_umask()
    else:
        mode = stat.S_IMODE(f.disk.stat().st_mode)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{f.disk.name}.", suffix=".vaultkit-tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if f.exists:
            os.replace(tmp, f.disk)
        else:
            # link() fails when the name exists: a file created meanwhile is never overwritten.
            os.link(tmp, f.disk)
            os.unlink(tmp)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def apply_fixes(
    root: Path, diagnostics: Iterable[Diagnostic], *, unsafe: bool, write: bool
) -> FixOutcome:
    """Apply (``write=True``) or preview (``write=False``) the eligible fixes.

    Nothing is written unless ``write`` is true; the diff is computed either way.
    """
    root = Path(root)
    files: dict[str, _File] = {}
    refused: dict[str, str] = {}
    problems: list[str] = []
    hidden = 0
    eligible: list[Diagnostic] = []
    for d in diagnostics:
        if d.fix is None or not d.fix.edits:
            continue
        if d.fix.is_safe or unsafe:
            eligible.append(d)
        else:
            hidden += 1
    eligible.sort(key=_fix_order)

    applied = skipped = 0
    applied_by_file: dict[str, list[int]] = {}  # path -> indexes into counted diagnostics
    for d in eligible:
        try:
            planned: list[tuple[_File, tuple[int, int] | None, str]] = []
            for edit in d.fix.edits:
                if edit.path in refused:
                    raise _Refused(refused[edit.path])
                f = files.get(edit.path)
                if f is None:
                    try:
                        f = files[edit.path] = _load(root, edit.path)
                    except _Refused as exc:
                        refused[edit.path] = str(exc)
                        raise
                if edit.span is None:
                    if f.exists:
                        raise _Refused(f"{edit.path}: already exists, not overwritten")
                    planned.append((f, None, edit.new_text))
                    continue
                if not f.exists:
                    raise _Refused(f"{edit.path}: no such file")
                start = f.offset(edit.span.line, edit.span.col)
                end = f.offset(edit.span.end_line, edit.span.end_col)
                if end < start:
                    raise _Refused(f"{edit.path}:{edit.span.line + 1}: the edit ends before it starts")
                planned.append((f, (start, end), _in_file_newlines(edit.new_text, f.newline)))
            fresh = []
            for f, rng, new in planned:
                if rng is None:
                    if f.created == new:
                        continue  # the same file offered twice
                    if f.created is not None:
                        raise _Refused(f"{f.path}: two fixes create it with different content")
                    fresh.append((f, rng, new))
                    continue
                if (rng[0], rng[1], new) in f.edits:
                    continue  # identical edit already accepted
                if any(_overlaps(rng, (s, e)) for s, e, _ in f.edits) or any(
                    g is f and r is not None and _overlaps(rng, r) for g, r, _ in fresh
                ):
                    raise _Refused(f"{f.path}:{d.span.line + 1}: overlaps another fix, left for a later run")
                fresh.append((f, rng, new))
        except _Refused as exc:
            skipped += 1
            problems.append(f"{d.code} at {d.path}:{d.span.line + 1}:{d.span.col + 1}: {exc}")
            continue
        for f, rng, new in fresh:
            if rng is None:
                f.created = new
            else:
                f.edits.append((rng[0], rng[1], new))
        applied += 1
        for path in {f.path for f, _, _ in planned}:
            applied_by_file.setdefault(path, []).append(applied)

    changed = sorted(
        path
        for path, f in files.items()
        if (f.created is not None or f.edits) and (not f.exists or _new_bytes(f) != f.original)
    )
    diff = "".join(_diff(files[path]) for path in changed)
    written: list[str] = []
    if write:
        failed_fixes: set[int] = set()
        for path in changed:
            f = files[path]
            try:
                _write_atomic(f, _new_bytes(f))
                written.append(path)
            except OSError as exc:
                problems.append(f"{path}: cannot write: {exc.strerror or exc}")
                failed_fixes.update(applied_by_file.get(path, ()))
        applied -= len(failed_fixes)
        skipped += len(failed_fixes)
        changed = written
    return FixOutcome(
        applied=applied,
        skipped=skipped,
        diff=diff,
        changed_paths=changed,
        hidden_unsafe=hidden,
        problems=problems,
    )
