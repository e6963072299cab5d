"""Whether the text report should be coloured: a terminal, unless told otherwise.

Follows https://no-color.org (``NO_COLOR`` set and non-empty: never) and the
common ``FORCE_COLOR`` convention (set, non-empty and not ``0``: always, even
into a pipe or a CI log); otherwise colour only on a terminal that is not
``TERM=dumb``.  ``NO_COLOR`` wins over ``FORCE_COLOR``.
"""

from __future__ import annotations

import os
from typing import Mapping, TextIO


def use_color(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    force = env.get("FORCE_COLOR")
    if force and force != "0":
        return True
    if env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):  # a closed or detached stream
        return False
