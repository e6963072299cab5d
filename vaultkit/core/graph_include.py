"""What ``vaultkit graph --include`` accepts, apart from the graph itself.

Kept out of :mod:`vaultkit.core.graph` so that checking the command line does
not import networkx (70 ms), which the command imports while its workers parse.
"""

from __future__ import annotations

from typing import Iterable

INCLUDE_CHOICES = ("unresolved", "attachments", "tags", "ignored")


def parse_include(text: str | Iterable[str] | None) -> frozenset[str]:
    """``"unresolved,tags"`` -> frozenset; ValueError naming a bad item."""
    if text is None:
        return frozenset()
    items = text.split(",") if isinstance(text, str) else list(text)
    chosen = {item.strip().lower() for item in items if item.strip()}
    unknown = sorted(chosen - set(INCLUDE_CHOICES))
    if unknown:
        raise ValueError(
            f"unknown --include value {', '.join(map(repr, unknown))}; "
            f"choose from {', '.join(INCLUDE_CHOICES)}"
        )
    return frozenset(chosen)
