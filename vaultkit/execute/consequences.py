"""Tell a follow-on failure from an independent one.

In a notebook-style note, a block that fails (or is skipped, or never ran)
leaves the names it would have defined undefined, and every later use of them
raises NameError.  Those NameErrors are not new bugs: they are marked
``kind=CONSEQUENCE`` with ``consequence_of`` = the block that should have
defined the name, so the report points at the first failure.
"""

from __future__ import annotations

import ast
import re
from typing import Iterable

from . import results as R

_IMPORT = re.compile(r"^\s*(?:from\s+\S+\s+)?import\s+(.+)$")
_DEF = re.compile(r"^\s*(?:async\s+def|def|class)\s+([A-Za-z_]\w*)")
_ASSIGN = re.compile(r"^\s*([A-Za-z_][\w\s,()\[\]*]*?)\s*(?::[^=]+)?=(?!=)")
_FOR = re.compile(r"^\s*(?:async\s+)?for\s+(.+?)\s+in\s")
_WITH_AS = re.compile(r"\bas\s+([A-Za-z_]\w*)")
_NAME = re.compile(r"[A-Za-z_]\w*")


def _target_names(node: ast.AST) -> Iterable[str]:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            yield sub.id


def _statement_names(stmt: ast.stmt) -> set[str]:
    """Names a top-level statement binds in the module namespace."""
    names: set[str] = set()
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        for alias in stmt.names:
            names.add(alias.asname or alias.name.split(".")[0])
        return names
    for node in ast.walk(stmt):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor,
                             ast.withitem, ast.NamedExpr, ast.comprehension)):
            names.update(_target_names(node))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(a.asname or a.name.split(".")[0] for a in node.names)
    return names


def _regex_names(source: str) -> set[str]:
    """Best effort for a block that does not parse: its unindented statements."""
    names: set[str] = set()
    for raw in source.split("\n"):
        if not raw or raw[0] in " \t#":
            continue
        for part in raw.split(";"):
            if m := _DEF.match(part):
                names.add(m.group(1))
            elif m := _IMPORT.match(part):
                for item in m.group(1).strip("() ").split(","):
                    words = item.split()
                    if words:
                        names.add(words[-1] if "as" in words else words[0].split(".")[0])
            elif m := _FOR.match(part):
                names.update(_NAME.findall(m.group(1)))
            elif m := _ASSIGN.match(part):
                names.update(_NAME.findall(m.group(1)))
            if part.lstrip().startswith("with "):
                names.update(_WITH_AS.findall(part))
    return names


def bound_names(source: str, from_line: int = 0) -> set[str]:
    """Names the block binds at top level in statements ending at or after ``from_line``."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return _regex_names(source)
    names: set[str] = set()
    for stmt in tree.body:
        if (stmt.end_lineno or stmt.lineno) - 1 >= from_line:
            names |= _statement_names(stmt)
    return names


def mark(blocks: list[R.BlockResult], sources: dict[int, str]) -> list[R.BlockResult]:
    """``blocks`` in note order, with follow-on NameErrors marked as consequences."""
    missing: dict[str, int] = {}  # name -> block that should have defined it
    out = []
    for block in blocks:
        source = sources.get(block.index, "")
        if block.status == R.OK:
            for name in bound_names(source):
                missing.pop(name, None)
        elif block.status == R.FAILED:
            if block.exc_type == "NameError" and block.name in missing:
                block = block._replace(kind=R.CONSEQUENCE, consequence_of=missing[block.name])
            # Statements before the failing one ran; the rest never bound their names.
            outer = next((f for f in block.frames if f.block == block.index), None)
            start = 0 if block.exc_type in ("SyntaxError", "IndentationError", "TabError") or outer is None else outer.line
            for name in bound_names(source, start):
                missing.setdefault(name, block.index)
        else:  # skipped or not run
            for name in bound_names(source):
                missing.setdefault(name, block.index)
        out.append(block)
    return out
