"""Find dotted references (``nn.Linear``) and import aliases in Python code and prose.

Code blocks are read with :mod:`ast` (fast, in C), so strings and comments
are never references.  Blocks that are not valid Python (mixed tabs,
unclosed brackets, notebook fragments) are still scanned with
:mod:`tokenize`: every line is tokenized without its indentation, which
removes indentation errors, and a tokenizer error only ends the scan of
what follows it.
"""

from __future__ import annotations

import ast
import io
import keyword
import functools
import re
import tokenize
from typing import Iterable, NamedTuple, Sequence

from ..core.span import Span

PYTHON_LANGS = frozenset(
    {"python", "py", "python3", "py3", "ipython", "ipython3", "pycon", "pytorch", "torch"}
)

# Prose chains made only of one-letter parts are abbreviations (e.g., F.A.Q.).
_ABBREVIATION = re.compile(r"^(?:\w\.)*\w$")


class Reference(NamedTuple):
    parts: tuple[str, ...]  # ("nn", "LTSM")
    spans: tuple[Span, ...]  # one per part, note coordinates
    context: str  # "prose" | "inline_code" | "code" | "import"

    @property
    def text(self) -> str:
        return ".".join(self.parts)

    def span_through(self, index: int) -> Span:
        """From the first part to part ``index``; just that part when not contiguous."""
        first, last = self.spans[0], self.spans[index]
        if self.context == "import" and index > 0 and not _adjacent(self.spans[: index + 1]):
            return last
        return Span(first.line, first.col, last.end_line, last.end_col)


def _adjacent(spans: Sequence[Span]) -> bool:
    return all(a.end_line == b.line and b.col - a.end_col == 1 for a, b in zip(spans, spans[1:]))


class CodeScan(NamedTuple):
    references: list[Reference]
    aliases: dict[str, str]  # name bound by an import -> dotted module path
    assigned: set[str]  # names assigned as variables (shadowing an alias)


def is_python(lang: str) -> bool:
    lang = lang.strip().strip("{}").lstrip(".").lower()
    return lang in PYTHON_LANGS or lang.startswith("python")


def is_python_block(block) -> bool:
    return is_python(block.lang)


def reference_from_text(text: str, span: Span, context: str) -> Reference | None:
    """A prose/inline-code chain (``nn.Linear`` at ``span``) split into parts."""
    text = text.rstrip(".")
    if "." not in text or span.line != span.end_line:
        return None
    if context == "prose" and _ABBREVIATION.match(text):
        return None
    parts = tuple(text.split("."))
    if not all(parts):
        return None
    spans = []
    col = span.col
    for part in parts:
        spans.append(Span(span.line, col, span.line, col + len(part)))
        col += len(part) + 1
    return Reference(parts, tuple(spans), context)


def scan_code(lines: Sequence[str], first_line: int = 0, columns: Sequence[int] | None = None,
              pycon: bool = False) -> CodeScan:
    """References, import aliases and assigned names in a Python code block.

    ``lines`` are the block's content lines; ``first_line`` and ``columns``
    place them in the note (line ``first_line + i`` starts at ``columns[i]``).
    """
    if not pycon:
        try:
            tree = ast.parse("\n".join(lines))
        except (SyntaxError, ValueError):
            tree = None
        if tree is not None:
            return _scan_tree(tree, lines, first_line, columns)
    return _scan_tokens(lines, first_line, columns, pycon)


def _scan_tokens(lines, first_line, columns, pycon) -> CodeScan:
    offsets = []
    source = []
    for line in lines:
        text = line
        strip = len(text) - len(text.lstrip(" \t"))
        text = text[strip:]
        if pycon:
            if text.startswith((">>> ", "... ")) or text in (">>>", "..."):
                strip += min(4, len(text))
                text = text[4:]
            else:
                text = ""  # output of the session, not code
        offsets.append(strip)
        source.append(text.replace("\t", " ") + "\n")

    def where(row: int, col: int, length: int) -> Span:
        i = row - 1
        base = (columns[i] if columns is not None and i < len(columns) else 0) + offsets[i]
        return Span(first_line + i, base + col, first_line + i, base + col + length)

    tokens = _tokens("".join(source))
    references: list[Reference] = []
    aliases: dict[str, str] = {}
    assigned: set[str] = set()
    for statement in _statements(tokens):
        head = statement[0]
        if head.type == tokenize.NAME and head.string in ("import", "from"):
            _scan_import(statement, where, references, aliases)
            continue
        _scan_assigned(statement, assigned)
        references.extend(_chains(statement, where))
    return CodeScan(references, aliases, assigned)


def _tokens(source: str) -> list[tokenize.TokenInfo]:
    out: list[tokenize.TokenInfo] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            out.append(token)
    except (tokenize.TokenError, SyntaxError):
        pass  # keep what came before the error: an unclosed bracket or string
    return out


_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING}


def _statements(tokens: Iterable[tokenize.TokenInfo]) -> Iterable[list[tokenize.TokenInfo]]:
    """Logical statements (split at NEWLINE and ';'), without comments and blank tokens."""
    current: list[tokenize.TokenInfo] = []
    for token in tokens:
        if token.type in _SKIP:
            continue
        if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER) or (
            token.type == tokenize.OP and token.string == ";"
        ):
            if current:
                yield current
            current = []
            continue
        current.append(token)
    if current:
        yield current


def _is_name(token: tokenize.TokenInfo) -> bool:
    return token.type == tokenize.NAME and not keyword.iskeyword(token.string)


def _chains(statement: list[tokenize.TokenInfo], where) -> Iterable[Reference]:
    i, n = 0, len(statement)
    while i < n:
        token = statement[i]
        after_dot = i > 0 and statement[i - 1].type == tokenize.OP and statement[i - 1].string == "."
        if not _is_name(token) or after_dot:
            i += 1
            continue
        parts, spans = [token.string], [where(token.start[0], token.start[1], len(token.string))]
        j = i + 1
        while (
            j + 1 < n
            and statement[j].type == tokenize.OP
            and statement[j].string == "."
            and statement[j + 1].type == tokenize.NAME
        ):
            name = statement[j + 1]
            parts.append(name.string)
            spans.append(where(name.start[0], name.start[1], len(name.string)))
            j += 2
        if len(parts) > 1:
            yield Reference(tuple(parts), tuple(spans), "code")
        i = j


def _dotted(statement, i, where):
    """Read ``a.b.c`` at token ``i``: (parts, spans, next index)."""
    parts, spans = [], []
    n = len(statement)
    while i < n and statement[i].type == tokenize.NAME:
        token = statement[i]
        parts.append(token.string)
        spans.append(where(token.start[0], token.start[1], len(token.string)))
        if i + 1 < n and statement[i + 1].string == "." and statement[i + 1].type == tokenize.OP:
            i += 2
        else:
            i += 1
            break
    return parts, spans, i


def _scan_import(statement, where, references: list[Reference], aliases: dict[str, str]) -> None:
    n = len(statement)
    if statement[0].string == "import":
        i = 1
        while i < n:
            parts, spans, i = _dotted(statement, i, where)
            if not parts:
                break
            if len(parts) > 1:
                references.append(Reference(tuple(parts), tuple(spans), "import"))
            if i + 1 < n and statement[i].string == "as":
                aliases[statement[i + 1].string] = ".".join(parts)
                i += 2
            else:
                aliases.setdefault(parts[0], parts[0])
            if i < n and statement[i].string == ",":
                i += 1
            else:
                break
        return
    # from X import a as b, c
    i = 1
    if i < n and statement[i].string in (".", "..", "..."):
        return  # relative import: the note's own package
    module, module_spans, i = _dotted(statement, i, where)
    if not module or i >= n or statement[i].string != "import":
        return
    i += 1
    if i < n and statement[i].string == "*" and len(module) > 1:
        references.append(Reference(tuple(module), tuple(module_spans), "import"))
    while i < n:
        token = statement[i]
        if token.string in ("(", ")", ","):
            i += 1
            continue
        if token.type != tokenize.NAME:
            break  # "*" or something unparseable
        name_span = where(token.start[0], token.start[1], len(token.string))
        references.append(
            Reference(tuple(module) + (token.string,), tuple(module_spans) + (name_span,), "import")
        )
        bound = token.string
        if i + 2 < n + 1 and i + 1 < n and statement[i + 1].string == "as" and i + 2 < n:
            bound = statement[i + 2].string
            i += 3
        else:
            i += 1
        aliases[bound] = ".".join(module + [token.string])


def _scan_assigned(statement, assigned: set[str]) -> None:
    """Names bound as variables: ``optim = ...``, ``for F in``, ``with x as nn``."""
    n = len(statement)
    first = statement[0]
    if _is_name(first) and n > 1 and statement[1].type == tokenize.OP and statement[1].string in (
        "=", ":", ",", "+=",
    ):
        assigned.add(first.string)
    for i, token in enumerate(statement[:-1]):
        if token.type == tokenize.NAME and token.string in ("for", "as") and _is_name(statement[i + 1]):
            assigned.add(statement[i + 1].string)


# -- the fast path: blocks that parse ---------------------------------------------


def _scan_tree(tree: ast.AST, lines: Sequence[str], first_line: int, columns) -> CodeScan:
    def col_of(row: int, byte_col: int) -> int:
        line = lines[row - 1] if 0 < row <= len(lines) else ""
        if line.isascii():
            return byte_col  # ast columns are UTF-8 byte offsets
        return len(line.encode("utf-8")[:byte_col].decode("utf-8", "replace"))

    def where(row: int, col: int, end_col: int) -> Span:
        i = row - 1
        base = columns[i] if columns is not None and i < len(columns) else 0
        return Span(first_line + i, base + col, first_line + i, base + end_col)

    references: list[Reference] = []
    aliases: dict[str, str] = {}
    assigned: set[str] = set()
    inner: set[int] = set()
    nodes = list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            inner.add(id(node.value))
    for node in nodes:
        if isinstance(node, ast.Attribute):
            if id(node) in inner:
                continue
            chain = _attribute_chain(node, col_of, where)
            if chain is not None:
                references.append(chain)
        elif isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                assigned.add(node.id)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if len(parts) > 1:
                    start = col_of(alias.lineno, alias.col_offset)
                    references.append(_contiguous(parts, alias.lineno, start, where, "import"))
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    aliases.setdefault(parts[0], parts[0])
        elif isinstance(node, ast.ImportFrom):
            if node.level or not node.module:
                continue  # relative import: the note's own package
            _import_from(node, lines, col_of, where, references, aliases)
    return CodeScan(references, aliases, assigned)


def _attribute_chain(node: ast.Attribute, col_of, where) -> Reference | None:
    attrs: list[ast.Attribute] = []
    current: ast.AST = node
    while isinstance(current, ast.Attribute):
        attrs.append(current)
        current = current.value
    if not isinstance(current, ast.Name):
        return None  # rooted at a call or subscript: not a name chain
    attrs.reverse()
    parts = [current.id]
    spans = [where(current.lineno, col_of(current.lineno, current.col_offset),
                   col_of(current.lineno, current.end_col_offset))]
    for attr in attrs:
        end = col_of(attr.end_lineno, attr.end_col_offset)
        parts.append(attr.attr)
        spans.append(where(attr.end_lineno, end - len(attr.attr), end))
    return Reference(tuple(parts), tuple(spans), "code")


def _contiguous(parts, row, start, where, context) -> Reference:
    spans = []
    col = start
    for part in parts:
        spans.append(where(row, col, col + len(part)))
        col += len(part) + 1
    return Reference(tuple(parts), tuple(spans), context)


_FROM_MODULE = re.compile(r"from\s+([\w.]+)\s+import\b")


def _import_from(node: ast.ImportFrom, lines, col_of, where, references, aliases) -> None:
    parts = node.module.split(".")
    line = lines[node.lineno - 1] if node.lineno <= len(lines) else ""
    start_char = col_of(node.lineno, node.col_offset)
    found = _FROM_MODULE.match(line, start_char)
    if found is None or found.group(1) != node.module:
        return  # written across lines: too unusual to place precisely
    module_ref = _contiguous(parts, node.lineno, found.start(1), where, "import")
    if len(parts) > 1 and any(alias.name == "*" for alias in node.names):
        references.append(module_ref)  # otherwise each imported name checks the module
    for alias in node.names:
        if alias.name == "*":
            continue
        start = col_of(alias.lineno, alias.col_offset)
        name_span = where(alias.lineno, start, start + len(alias.name))
        references.append(
            Reference(tuple(parts) + (alias.name,), module_ref.spans + (name_span,), "import")
        )
        aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"


# -- the quick pass: most blocks need no parse at all --------------------------------
#
# A block whose every torch reference is real produces no diagnostic, whether or
# not a reference sits in a string.  So the checker first reads blocks with the
# regular expressions below and parses (ast, else tokenize) only a block where a
# reference looks wrong or an import is too unusual for them.

_IMPORT_LINE = re.compile(r"^[ \t]*(?:import|from)\b.*$", re.MULTILINE)
_SIMPLE_IMPORT = re.compile(
    r"[ \t]*import[ \t]+(?P<names>[\w.]+(?:[ \t]+as[ \t]+\w+)?(?:[ \t]*,[ \t]*[\w.]+(?:[ \t]+as[ \t]+\w+)?)*)"
    r"[ \t]*(?:#.*)?"
)
_SIMPLE_FROM = re.compile(
    r"[ \t]*from[ \t]+(?P<module>\w[\w.]*)[ \t]+import[ \t]+"
    r"(?P<names>\w+(?:[ \t]+as[ \t]+\w+)?(?:[ \t]*,[ \t]*\w+(?:[ \t]+as[ \t]+\w+)?)*)[ \t]*(?:#.*)?"
)
_ASSIGNED = re.compile(
    r"^[ \t]*(\w+)[ \t]*(?::[^=\n]*)?=(?!=)|\bfor[ \t]+(\w+)[ \t]+in\b|\bas[ \t]+(\w+)", re.MULTILINE
)


class QuickImports(NamedTuple):
    aliases: dict[str, str]
    modules: list[str]  # dotted paths the imports name ("torch.nn", "torch.nn.Linear")


def quick_imports(text: str) -> QuickImports | None:
    """Aliases and imported paths of one-line imports; None when an import is unusual."""
    return _imports_of(tuple(_IMPORT_LINE.findall(text)))


@functools.lru_cache(maxsize=4096)
def _imports_of(lines: tuple[str, ...]) -> QuickImports | None:
    """Memoised on the import lines alone: blocks differ, their imports repeat.
    Callers only read the result."""
    aliases: dict[str, str] = {}
    modules: list[str] = []
    for line in lines:
        simple = _SIMPLE_IMPORT.fullmatch(line)
        if simple:
            for item in simple.group("names").split(","):
                name, _, alias = (p.strip() for p in item.partition(" as "))
                modules.append(name)
                if alias:
                    aliases[alias] = name
                else:
                    aliases.setdefault(name.split(".")[0], name.split(".")[0])
            continue
        simple = _SIMPLE_FROM.fullmatch(line)
        if simple is None:
            return None  # parenthesised, relative, starred, or not code at all
        module = simple.group("module")
        for item in simple.group("names").split(","):
            name, _, alias = (p.strip() for p in item.partition(" as "))
            modules.append(f"{module}.{name}")
            aliases[alias or name] = f"{module}.{name}"
    return QuickImports(aliases, modules)


def quick_assigned(text: str) -> set[str]:
    """Names a block binds as variables (``optim = ...``); may include names in strings."""
    return {a or b or c for a, b, c in _ASSIGNED.findall(text)}


def quick_assigned_among(text: str, names: Iterable[str]) -> set[str]:
    """``quick_assigned(text) & set(names)``, reading only the lines that could bind one.

    ``_ASSIGNED`` never matches across a line break, so the lines can be read one
    by one; and a line binds a name only when it starts with the name (``optim =
    ...``) or holds ``for`` or ``as``.  Scanning the whole block cost more than
    the rest of the quick pass: most lines bind nothing anyone asked about.
    """
    wanted = set(names)
    found: set[str] = set()
    for line in text.split("\n"):
        start = line.lstrip(" \t")
        for name in wanted:
            if name in line and (start.startswith(name) or "for" in line or "as" in line):
                found.update(a or b or c for a, b, c in _ASSIGNED.findall(line))
                break
    return found & wanted


_CHAIN_CACHE: dict[frozenset, re.Pattern[str]] = {}


def quick_chains(text: str, roots: Iterable[str]) -> list[str]:
    """Dotted chains starting with one of ``roots`` (strings and comments included)."""
    key = frozenset(roots)
    pattern = _CHAIN_CACHE.get(key)
    if pattern is None:
        names = "|".join(sorted((re.escape(r) for r in key), key=len, reverse=True))
        pattern = re.compile(rf"(?<![\w.])(?:{names})(?:\.[A-Za-z_]\w*)+")
        if len(_CHAIN_CACHE) > 64:
            _CHAIN_CACHE.clear()
        _CHAIN_CACHE[key] = pattern
    return pattern.findall(text)
