"""The single entry point for checking, shared by the CLI, the LSP and tests."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .config import Config
from .diagnostics import Diagnostic


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
