"""Diagnostics and fixes: plain data, produced by checks, rendered elsewhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from .core.span import Span


class Severity(IntEnum):
    HINT = 1
    INFO = 2
    WARNING = 3
    ERROR = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown severity {text!r} (expected one of: error, warning, info, hint)"
            ) from None


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``span`` of ``path`` with ``new_text``.

    ``span`` None means: create ``path`` with ``new_text`` as its content
    (the fix for a link to a missing note).
    """

    path: str  # vault-relative POSIX path
    span: Span | None
    new_text: str


@dataclass(frozen=True, slots=True)
class Fix:
    title: str
    edits: tuple[Edit, ...]
    applicability: str = "safe"  # "safe" | "unsafe"

    @property
    def is_safe(self) -> bool:
        return self.applicability == "safe"


@dataclass(frozen=True, slots=True)
class Related:
    path: str
    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Diagnostic:
    path: str  # vault-relative POSIX path
    span: Span
    code: str  # "VK101"
    rule: str  # "broken-wikilink"
    severity: Severity
    message: str
    fix: Fix | None = None
    related: tuple[Related, ...] = ()
    # Further fixes a person may choose from (the editor's code actions);
    # only ``fix`` is ever applied by ``--fix``.
    alternatives: tuple[Fix, ...] = ()
    # Extra machine-readable facts (suggestions, candidates); front ends may use them.
    data: dict = field(default_factory=dict, compare=False, hash=False)

    def sort_key(self) -> tuple:
        return (self.path, self.span.line, self.span.col, self.code, self.message)
