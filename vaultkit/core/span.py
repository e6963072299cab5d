"""The one coordinate type used inside vaultkit.

Lines and columns are 0-based; columns count Unicode code points; ``end`` is
exclusive.  Reporters add 1 for humans, the language server converts to the
client's position encoding at its boundary (``vaultkit.lsp.convert``).
A NamedTuple keeps spans cheap to create, compare, hash and pickle: a 10k-note
vault holds a few hundred thousand of them.
"""

from __future__ import annotations

from typing import NamedTuple


class Span(NamedTuple):
    line: int
    col: int
    end_line: int
    end_col: int

    @classmethod
    def on_line(cls, line: int, col: int, end_col: int) -> "Span":
        return cls(line, col, line, end_col)

    def contains(self, line: int, col: int) -> bool:
        """True when (line, col) lies inside the span (end inclusive, for cursors)."""
        if (line, col) < (self.line, self.col):
            return False
        return (line, col) <= (self.end_line, self.end_col)
