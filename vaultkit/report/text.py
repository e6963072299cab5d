"""The human reporter, shaped like ruff's full output.

::

    Folder/Note.md:3:5: VK101 [*] Broken link to "Foo"
      |
    3 | see [[Foo]] here
      |     ^^^^^^^ VK101
      |
      = help: Create note "Foo.md"

then a summary by code and ``Found N problems (M fixable with --fix).``
``[*]`` marks a safe fix, as in ruff.  Columns in vaultkit count code points;
the excerpt is drawn in terminal cells, so tabs are expanded to 4-column tab
stops and wide characters (CJK) take two cells.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from rich.cells import cell_len

from ..diagnostics import Diagnostic, Severity
from ._common import display_path, has_safe_fix, has_unsafe_fix, help_text, rule_names

TAB_WIDTH = 4
MAX_SPAN_LINES = 3  # excerpt lines shown for a multi-line span
MAX_LINE = 160  # code points of a long line shown around the span
LEAD = 40  # of which before the span

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_SEVERITY_STYLE = {
    Severity.ERROR: "\x1b[1;31m",
    Severity.WARNING: "\x1b[1;33m",
    Severity.INFO: "\x1b[1;34m",
    Severity.HINT: "\x1b[1;36m",
}
_HELP_STYLE = "\x1b[1;36m"
_GUTTER_STYLE = "\x1b[34m"


class _Paint:
    """ANSI styling that is a no-op when colour is off."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = self("|", _GUTTER_STYLE)  # the gutter, drawn on every excerpt line

    def __call__(self, text: str, style: str) -> str:
        return f"{style}{text}{_RESET}" if self.enabled and text else text


def _layout(line: str) -> tuple[str, list[int]]:
    """The line as drawn, and the drawn cell where each code point starts.

    ``cells[i]`` is the cell column of code point ``i``; ``cells[len(line)]``
    the width of the whole line.
    """
    out: list[str] = []
    cells = [0]
    width = 0
    for ch in line:
        if ch == "\t":
            step = TAB_WIDTH - width % TAB_WIDTH
            out.append(" " * step)
        elif unicodedata.category(ch) == "Cc":  # a stray \r or NUL would wreck the terminal
            step = 1
            out.append("\N{REPLACEMENT CHARACTER}")
        else:
            step = cell_len(ch)
            out.append(ch)
        width += step
        cells.append(width)
    return "".join(out), cells


def _window(text: str, start: int, end: int) -> tuple[str, int, int]:
    """A long line cut around ``start`` with ``…`` marks; the columns shifted to match."""
    if len(text) <= MAX_LINE:
        return text, start, end
    lo = max(0, min(start, len(text)) - LEAD)
    hi = min(len(text), lo + MAX_LINE)
    head = "…" if lo else ""
    tail = "…" if hi < len(text) else ""
    shift = len(head) - lo
    return head + text[lo:hi] + tail, max(start + shift, 0), min(end, hi + len(tail)) + shift


class _Lines:
    """Each note's lines read once per report, however many diagnostics it has."""

    def __init__(self, result):
        self.result = result
        self.cache: dict[str, list[str]] = {}

    def __call__(self, path: str) -> list[str]:
        if path not in self.cache:
            try:
                self.cache[path] = list(self.result.read_lines(path))
            except (OSError, UnicodeError, KeyError, ValueError):
                self.cache[path] = []  # the location line still says where
        return self.cache[path]


def _excerpt(d: Diagnostic, lines: list[str], paint: _Paint) -> tuple[list[str], int]:
    """The excerpt lines and the gutter width they use."""
    span = d.span
    last = span.end_line
    if span.end_line > span.line and span.end_col == 0:
        last -= 1  # the span stops at the start of a line: nothing of it is there
    shown = range(max(span.line, 0), min(last, len(lines) - 1) + 1)
    if not shown:
        return [], 1
    hidden = len(shown) - MAX_SPAN_LINES
    shown = shown[:MAX_SPAN_LINES]
    width = len(str(shown[-1] + 1))
    pad = " " * width
    style = _SEVERITY_STYLE.get(d.severity, "")  # an IntEnum: a plain int finds its member too
    bar = paint.bar
    out = [f"{pad} {bar}"]
    for n in shown:
        text = lines[n].rstrip("\r\n")
        first = span.col if n == span.line else 0
        last_col = span.end_col if n == span.end_line else len(text)
        text, first, last_col = _window(text, first, last_col)
        first, last_col = min(first, len(text)), min(last_col, len(text))
        if text.isascii() and text.isprintable():  # one cell a character
            drawn, start, end = text, first, last_col
        elif text.isprintable():  # no tab or control character: draw it as it is
            drawn = text
            start = cell_len(text[:first])
            end = start + cell_len(text[first:last_col])
        else:
            drawn, cells = _layout(text)
            start, end = cells[first], cells[last_col]
        carets = "^" * max(1, end - start)
        marker = " " * start + paint(carets, style)
        if n == shown[-1]:
            marker += " " + paint(d.code, style)
        out.append(f"{paint(str(n + 1).rjust(width), _GUTTER_STYLE)} {bar} {drawn}".rstrip())
        out.append(f"{pad} {bar} {marker}")
    if hidden > 0:
        out.append(f"{pad} {bar} ... {hidden} more line{'s' if hidden != 1 else ''}")
    out.append(f"{pad} {bar}")
    return out, width


def _diagnostic(d: Diagnostic, result, lines: _Lines, base: Path | None, paint: _Paint) -> list[str]:
    where = display_path(result.root, d.path, base)
    style = _SEVERITY_STYLE.get(d.severity, "")
    mark = " " + paint("[*]", _HELP_STYLE) if has_safe_fix(d) else ""
    out = [
        f"{paint(where, _BOLD)}:{d.span.line + 1}:{d.span.col + 1}: "
        f"{paint(d.code, style)}{mark} {d.message}"
    ]
    excerpt, width = _excerpt(d, lines(d.path), paint)
    out.extend(excerpt)
    indent = " " * (width + 1)
    advice = help_text(d)
    if advice:
        unsafe = " (unsafe fix)" if has_unsafe_fix(d) else ""
        out.append(f"{indent}= {paint('help', _HELP_STYLE)}: {advice}{unsafe}")
    for rel in d.related:
        rel_where = display_path(result.root, rel.path, base)
        out.append(
            f"{indent}= {paint('note', _BOLD)}: "
            f"{rel_where}:{rel.span.line + 1}:{rel.span.col + 1}: {rel.message}"
        )
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _summary(diagnostics: list[Diagnostic], paint: _Paint) -> list[str]:
    if not diagnostics:
        return ["All checks passed!"]
    names = rule_names(diagnostics)
    counts: dict[str, int] = {}
    for d in diagnostics:
        counts[d.code] = counts.get(d.code, 0) + 1
    # Most frequent first, as ruff --statistics; ties by code for a stable order.
    order = sorted(counts, key=lambda code: (-counts[code], code))
    width = max(len(str(n)) for n in counts.values())
    code_width = max(len(code) for code in counts)
    out = [
        f"  {paint(str(counts[code]).rjust(width), _BOLD)}  {code.ljust(code_width)}  {names[code]}"
        for code in order
    ]
    safe = sum(1 for d in diagnostics if has_safe_fix(d))
    unsafe = sum(1 for d in diagnostics if has_unsafe_fix(d))
    tail = f"Found {_plural(len(diagnostics), 'problem')}"
    extras = []
    if safe:
        extras.append(f"{safe} fixable with --fix")
    if unsafe:
        extras.append(f"{unsafe} more with --unsafe-fixes" if safe else f"{unsafe} fixable with --fix --unsafe-fixes")
    if extras:
        tail += f" ({', '.join(extras)})"
    out.append(paint(tail + ".", _BOLD))
    return out


def render(result, *, color: bool = False, base: Path | None = None) -> str:
    paint = _Paint(color)
    lines = _Lines(result)
    blocks: list[str] = []
    for d in result.diagnostics:
        blocks.append("\n".join(_diagnostic(d, result, lines, base, paint)))
    summary = "\n".join(_summary(list(result.diagnostics), paint))
    if blocks:
        return "\n\n".join(blocks) + "\n\n" + summary + "\n"
    return summary + "\n"
