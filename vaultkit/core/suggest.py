"""Closest-name suggestions (rapidfuzz), shared by the rules that suggest."""

from __future__ import annotations

from typing import Callable, Iterable

from rapidfuzz import fuzz, process

from .vault import fold


class Suggestions(list):
    """Names, best first; ``clear`` is False when the best two score the same."""

    clear: bool = True


def closest(
    query: str,
    choices: Iterable[str],
    cutoff: float = 75,
    *,
    key: Callable[[str], str] = fold,
    limit: int = 3,
    keyed: list[str] | None = None,
) -> Suggestions:
    """``keyed``, when given, is ``[key(c) for c in choices]`` computed once by the caller
    (``choices`` must then be free of duplicates)."""
    if keyed is None:
        choices = list(dict.fromkeys(choices))
        keyed = [key(c) for c in choices]
    else:
        choices = list(choices)
    out = Suggestions()
    if not query or not choices:
        return out
    hits = process.extract(key(query), keyed, scorer=fuzz.ratio, limit=limit, score_cutoff=cutoff)
    out.extend(choices[index] for _, _, index in hits)
    out.clear = len(hits) < 2 or hits[0][1] > hits[1][1]
    return out
