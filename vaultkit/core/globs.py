"""Path globs over vault-relative POSIX paths: ``**`` crosses folders, ``*`` and ``?`` do not.

One translation serves every glob vaultkit reads: the config's ``exclude`` and
``[exec] skip`` (gitignore-like: a pattern without ``/`` matches a name at any
depth, ``dir/`` means everything below ``dir``) and the Spaced Repetition
plugin's ``noteFoldersToIgnore`` (minimatch: a pattern matches the whole path).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable


@lru_cache(maxsize=512)
def glob_regex(pattern: str, *, gitignore: bool = True) -> re.Pattern[str]:
    pattern = pattern.strip()
    if gitignore:
        pattern = pattern.lstrip("/")
        if pattern.endswith("/"):
            pattern += "**"
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            out.append({"*": "[^/]*", "?": "[^/]"}.get(pattern[i], re.escape(pattern[i])))
            i += 1
    body = "".join(out)
    if not gitignore:
        return re.compile(f"(?s:{body})\\Z")
    prefix = "" if "/" in pattern else "(?:.*/)?"
    return re.compile(f"(?s:{prefix}{body}(?:/.*)?)\\Z", re.IGNORECASE)


def matches_any(path: str, patterns: Iterable[str] | None, *, gitignore: bool = True) -> bool:
    return any(
        isinstance(p, str) and p.strip() and glob_regex(p, gitignore=gitignore).match(path)
        for p in patterns or ()
    )
