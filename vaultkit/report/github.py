"""GitHub Actions workflow commands: one annotation per diagnostic.

``::error file=PATH,line=L,col=C,endLine=L2,endColumn=C2,title=VK101 broken-wikilink::message``

GitHub wants ``file`` relative to the repository checkout, which is the
directory the workflow step runs in; so the path is the vault path as given
on the command line joined with the note's vault-relative path (or relative
to the working directory when the vault was given absolutely).  Columns are
1-based code points and ``endColumn`` is exclusive, as ruff writes them.
GitHub only draws column ranges on one line, so ``col``/``endColumn`` are left
out for a diagnostic spanning lines.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..diagnostics import Severity
from ._common import display_path

_COMMAND = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
    Severity.HINT: "notice",
}


def escape_data(text: str) -> str:
    """Escape a command's message, as the Actions toolkit does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: the data escapes plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(result, *, color: bool = False, base: Path | None = None) -> str:
    root = os.fspath(result.root)
    # Escaped once per note and per rule: a report repeats both thousands of times.
    files: dict[str, str] = {}
    titles: dict[tuple[str, str], str] = {}
    lines = []
    for d in result.diagnostics:
        file = files.get(d.path)
        if file is None:
            file = files[d.path] = escape_property(display_path(root, d.path, base))
        title = titles.get((d.code, d.rule))
        if title is None:
            title = titles[(d.code, d.rule)] = escape_property(f"{d.code} {d.rule}")
        span = d.span  # numbers need no escaping
        if span.end_line == span.line:
            where = f"line={span.line + 1},col={span.col + 1},endLine={span.end_line + 1},endColumn={span.end_col + 1}"
        else:
            where = f"line={span.line + 1},endLine={span.end_line + 1}"
        lines.append(f"::{_COMMAND[d.severity]} file={file},{where},title={title}::{escape_data(d.message)}\n")
    return "".join(lines)
