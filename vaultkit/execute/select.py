"""Which of a note's code blocks run, and which are skipped and why.

Runs: fenced blocks (backticks or tildes, in list items and callouts too) whose
info string starts with ``python``, ``py`` or ``python3`` in any case.  Never
any other language, never an indented block.

Skipped, each with the reason shown by ``vaultkit run``:

- ``<!-- vaultkit: skip -->`` on the line just before the fence;
- the word ``skip`` (or pytest-markdown-docs' ``notest``) in the info string:
  ```` ```python skip ````;
- frontmatter ``vaultkit: {exec: false}``: the whole note;
- a glob of ``[exec] skip`` in the config (``"Drafts/**"``): the whole note.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple

from ..core.globs import matches_any

PYTHON_LANGS = frozenset({"python", "py", "python3"})
SKIP_WORDS = frozenset({"skip", "notest"})


class Planned(NamedTuple):
    index: int  # index into note.code_blocks
    source: str  # the block's code, lines joined with "\n"
    skip: str  # "" = run it, else why it is skipped


def is_python(block) -> bool:
    return bool(block.fence) and block.lang.lower() in PYTHON_LANGS


def path_matches(path: str, globs: Iterable[str]) -> bool:
    return matches_any(path, globs)


def note_skip_reason(note, config) -> str:
    """Why none of the note's blocks run, or ""."""
    meta = note.frontmatter.get("vaultkit") if isinstance(note.frontmatter, dict) else None
    if isinstance(meta, dict) and meta.get("exec") is False:
        return "frontmatter vaultkit: {exec: false}"
    globs = config.option("exec", "skip") if config is not None else ()
    if isinstance(globs, str):
        globs = [globs]
    if path_matches(note.path, globs or ()):
        return "matched by [exec] skip in the config"
    return ""


def plan_note(note, config) -> list[Planned]:
    """Every Python block of ``note`` in order, with its skip reason ("" = run)."""
    whole = note_skip_reason(note, config)
    skip_lines = {
        d.span.line for d in note.directives if d.action == "skip"
    }
    planned = []
    for index, block in enumerate(note.code_blocks):
        if not is_python(block):
            continue
        words = {w.lower() for w in block.info.split()[1:]}
        if whole:
            reason = whole
        elif block.span.line - 1 in skip_lines:
            reason = "<!-- vaultkit: skip --> before the fence"
        elif words & SKIP_WORDS:
            reason = f"'{sorted(words & SKIP_WORDS)[0]}' in the info string"
        else:
            reason = ""
        planned.append(Planned(index, "\n".join(block.lines), reason))
    return planned
