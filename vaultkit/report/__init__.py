"""Reporters for ``vaultkit check``: one module per ``--format``.

``render(fmt, result, *, color=False, base=None) -> str`` is the only entry
point.  ``result`` is a :class:`vaultkit.runner.CheckResult`; ``base`` is the
directory paths are shown relative to in the text, github and sarif formats
(default: the current working directory).  The CLI decides ``color`` from
isatty / NO_COLOR / FORCE_COLOR; only the text format uses it.
"""

from __future__ import annotations

import importlib
from pathlib import Path

FORMATS: tuple[str, ...] = ("text", "json", "sarif", "github", "junit")

_MODULES = {
    "text": "text",
    "json": "json_format",
    "sarif": "sarif",
    "github": "github",
    "junit": "junit",
}


def render(fmt: str, result, *, color: bool = False, base: Path | None = None) -> str:
    """The whole report for ``result`` in format ``fmt``, ending with a newline."""
    name = _MODULES.get(fmt)
    if name is None:
        raise ValueError(f"unknown format {fmt!r} (expected one of: {', '.join(FORMATS)})")
    module = importlib.import_module(f".{name}", __name__)
    return module.render(result, color=color, base=base)
