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
    lines = []
    for d in result.diagnostics:
        span = d.span
        props = [("file", display_path(result.root, d.path, base)), ("line", str(span.line + 1))]
        if span.end_line == span.line:
            props.append(("col", str(span.col + 1)))
        props.append(("endLine", str(span.end_line + 1)))
        if span.end_line == span.line:
            props.append(("endColumn", str(span.end_col + 1)))
        props.append(("title", f"{d.code} {d.rule}"))
        joined = ",".join(f"{key}={escape_property(value)}" for key, value in props)
        lines.append(f"::{_COMMAND[Severity(d.severity)]} {joined}::{escape_data(d.message)}")
    return "".join(line + "\n" for line in lines)
