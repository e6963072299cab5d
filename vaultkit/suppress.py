"""Which diagnostics a note has silenced, and which notes are not reported on.

In a note::

    <!-- vaultkit: disable VK101 VK3 -->    from here on (prefixes allowed; no codes = all)
    <!-- vaultkit: enable VK101 -->          ... until here
    <!-- vaultkit: disable-next-line VK201 -->
    text <!-- vaultkit: disable-line -->

In its frontmatter, for the whole note::

    vaultkit:
      disable: [VK3]

In the config: ``exclude = ["Templates/**"]``; and Obsidian's own
``userIgnoreFilters`` (.obsidian/app.json) hide notes from reports too.
"""

from __future__ import annotations

from typing import Iterable

from .checks.registry import matches
from .core.globs import matches_any
from .core.model import Note
from .diagnostics import Diagnostic


def frontmatter_disabled(note: Note) -> tuple[str, ...]:
    settings = note.frontmatter.get("vaultkit") if note.frontmatter else None
    if not isinstance(settings, dict):
        return ()
    codes = settings.get("disable", ())
    if isinstance(codes, str):
        codes = [codes]
    if codes is True:
        return ("ALL",)
    return tuple(str(c).upper() for c in codes if c) if isinstance(codes, (list, tuple)) else ()


class Suppressions:
    """Line ranges where codes are silenced in one note."""

    def __init__(self, note: Note):
        self.whole_note = frontmatter_disabled(note)
        # (code patterns, first line, last line inclusive)
        self.ranges: list[tuple[tuple[str, ...], int, int]] = []
        open_: list[tuple[tuple[str, ...], int]] = []
        for directive in sorted(note.directives, key=lambda d: d.span.line):
            codes = directive.codes or ("ALL",)
            line = directive.span.line
            if directive.action == "disable":
                open_.append((codes, line))
            elif directive.action == "enable":
                still = []
                for codes_open, start in open_:
                    if directive.codes and not set(codes_open) & set(directive.codes):
                        still.append((codes_open, start))
                    else:
                        self.ranges.append((codes_open, start, line))
                open_ = still
            elif directive.action == "disable-next-line":
                self.ranges.append((codes, directive.span.end_line + 1, directive.span.end_line + 1))
            elif directive.action == "disable-line":
                self.ranges.append((codes, line, directive.span.end_line))
        for codes_open, start in open_:
            self.ranges.append((codes_open, start, 1 << 30))

    def silences(self, diagnostic: Diagnostic) -> bool:
        if self.whole_note and matches(diagnostic.code, self.whole_note):
            return True
        line = diagnostic.span.line
        for codes, first, last in self.ranges:
            if first <= line <= last and matches(diagnostic.code, codes):
                return True
        return False


def filter_suppressed(note: Note | None, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    diagnostics = list(diagnostics)
    if note is None or not diagnostics or (not note.directives and not note.frontmatter.get("vaultkit")):
        return diagnostics
    suppressions = Suppressions(note)
    return [d for d in diagnostics if not suppressions.silences(d)]


def is_excluded(path: str, patterns: Iterable[str]) -> bool:
    return matches_any(path, patterns)
