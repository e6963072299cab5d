"""Obsidian-flavoured Markdown -> :class:`~vaultkit.core.model.Note`.

The block structure (frontmatter, fenced and indented code, math blocks,
blockquotes/callouts, list items, ATX and setext headings) is found by a
line scanner that follows the CommonMark rules that decide what is code;
inline elements by :mod:`.inline`.  markdown-it-py is the reference these are
tested against (``tests/test_parse_differential.py``): a full markdown-it
parse runs at ~255 notes/s, its block stage alone at ~850-1,600 notes/s on
this machine, while the scanner runs at ~6,500 notes/s in Python (0.155 ms a
note, 1.55 s for the 10k-note benchmark vault, 70.6 M code points, single
process, texts already read).

Most lines of a note are plain prose; they take a short path: the lines the
inline scanner can find anything in are found first for the whole note with
``str.find`` (:func:`.inline.lines_to_scan`), and the others are not scanned.

Two implementations, one result.  :func:`parse_note_python` (this module and
:mod:`.inline`) is the reference.  :func:`parse_note_native` runs the block
loop and the inline scanning in C (``_native.c``, built by setup.py when a
compiler is there) and keeps frontmatter, SR cards and the Note here: 0.032 ms
a note, 0.32 s for the same vault, 4.8x the Python parser (the C part alone,
0.18 s, replaces ~1.2 s of Python).  :func:`parse_note` is the C one when it is
built, unless ``VAULTKIT_PURE_PYTHON=1`` (read at import); :data:`NATIVE` says
which.  ``tests/test_parse_native.py`` holds them to the same Notes.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from operator import itemgetter

from ..model import BlockId, CodeBlock, Heading, Note
from ..span import Span
from .frontmatter import aliases_of, frontmatter_end, frontmatter_tags, parse_frontmatter
from .inline import CANDIDATE, Found, LineScanner, lines_to_scan

_QUOTE = re.compile(r"^(?:[ ]{0,3}>[ ]?)+")
_FENCE = re.compile(r"^([ \t]*)(`{3,}|~{3,})(.*)$")
_ATX = re.compile(r"^[ ]{0,3}(#{1,6})(?:[ \t]+|$)")
_ATX_CLOSE = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_SETEXT = re.compile(r"^[ ]{0,3}(=+|-+)[ \t]*$")
_LIST = re.compile(r"^([ \t]*)([-+*]|\d{1,9}[.)])([ \t]+|$)")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# First characters that may start something other than paragraph text.
_BLOCK_CHARS = frozenset(" \t>-+*0123456789`~#$=|")
_new = tuple.__new__  # builds a NamedTuple without its Python-level __new__
_SPAN_OF = itemgetter(1)  # DottedName.span


@dataclass(frozen=True)
class ParseOptions:
    """Everything besides the text that changes a parse (part of the cache key)."""

    sr_settings: object = None  # vaultkit.sr.settings.SRSettings; None = plugin defaults
    percent_comments_hide_links: bool = True


def split_lines(text: str) -> list[str]:
    """Lines as the LSP counts them: \\n, \\r\\n and \\r end a line."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" not in text:
        return text.split("\n")
    return _LINE_BREAK.split(text)


def _indent_width(s: str) -> int:
    width = 0
    for ch in s:
        if ch == " ":
            width += 1
        elif ch == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def _closes_fence(content: str, fence: str, indent: int) -> bool:
    """A line (without its quote prefix) closes a fence when it holds nothing but
    a run of at least the opening marker, indented less than 4 columns more."""
    stripped = content.strip()
    return stripped.startswith(fence) and not stripped.strip(fence[0]) and _indent_width(content) < indent + 4


def _strip_indent(line: str, width: int) -> tuple[str, int]:
    """Remove up to ``width`` columns of leading whitespace; returns (rest, chars removed)."""
    removed = 0
    col = 0
    while removed < len(line) and col < width:
        ch = line[removed]
        if ch == " ":
            col += 1
        elif ch == "\t":
            step = 4 - col % 4
            if col + step > width:
                break
            col += step
        else:
            break
        removed += 1
    return line[removed:], removed


def _frontmatter(lines: list[str]) -> tuple[int, dict, object, Span | None]:
    """(index of the closing ``---`` or 0, the mapping, its error, its span) of
    the note whose first lines are ``lines``."""
    fm_end = frontmatter_end(lines)
    if fm_end <= 0:
        return fm_end, {}, None, None
    frontmatter, fm_error = parse_frontmatter(lines, fm_end)
    return fm_end, frontmatter, fm_error, Span(0, 0, fm_end, len(lines[fm_end]))


def parse_note_python(path: str, text: str, options: ParseOptions | None = None, size: int | None = None) -> Note:
    """The reference implementation of :func:`parse_note` (and its fallback)."""
    options = options or ParseOptions()
    lines = split_lines(text)
    found = Found()
    scanner = LineScanner(found, percent_comments_hide_links=options.percent_comments_hide_links)
    scan = scanner.scan
    headings: list[Heading] = []
    code_blocks: list[CodeBlock] = []

    fm_end, frontmatter, fm_error, fm_span = _frontmatter(lines)
    first = fm_end + 1 if fm_end > 0 else 0

    # Open fence: its marker ("```", "~~~~"), else None; the quote prefix it opened
    # in, its indent width, start line, info string, content lines and their columns.
    fence = None
    fence_quote = ""
    fence_indent = 0
    fence_start = 0
    fence_info = ""
    fence_body: list[str] = []
    fence_cols: list[int] = []
    indented: list | None = None  # open indented code block: [start line, lines, columns]
    math_open = False
    list_indent = -1  # content column of the innermost open list item, -1 when none
    prev_blank = True
    # The last line if it was a plain paragraph line (a setext underline makes it a
    # heading): its index, -1 when it was not, and the column its text starts at.
    para_line = -1
    para_col = 0
    # The prose fast path scans only these lines (str.find over the whole text
    # is far cheaper than a regex search per line).
    joined = text if "\r" not in text and not text.startswith("\ufeff") else "\n".join(lines)
    to_scan, dotted_lines = lines_to_scan(joined, lines)

    def close_indented(end_line: int):
        nonlocal indented
        start, body, cols = indented
        while body and not body[-1].strip():
            body.pop()
            cols.pop()
        if body:
            last = start + len(body) - 1
            code_blocks.append(
                CodeBlock("", "", "", Span(start, 0, last, len(lines[last])), start, tuple(body), tuple(cols), True)
            )
        indented = None

    for i in range(first, len(lines)):
        raw = lines[i]
        # -- inside a fenced code block ------------------------------------------
        if fence is not None:
            if not fence_quote:
                # Outside a quote (nearly every fence): no quote prefix to take off.
                if fence in raw and _closes_fence(raw, fence, fence_indent):
                    code_blocks.append(
                        _code(fence_info, fence, fence_start, i, lines, fence_body, fence_cols, closed=True)
                    )
                    fence = None
                    prev_blank = True
                    continue
                if fence_indent:
                    rest, removed = _strip_indent(raw, fence_indent)
                    fence_body.append(rest)
                    fence_cols.append(removed)
                else:
                    fence_body.append(raw)
                    fence_cols.append(0)
                continue
            qm = _QUOTE.match(raw)
            if qm is None or qm.group().count(">") < fence_quote.count(">"):
                # A fence inside a blockquote ends where the quote ends.
                code_blocks.append(
                    _code(fence_info, fence, fence_start, i - 1, lines, fence_body, fence_cols, closed=False)
                )
                fence = None
            else:
                prefix_len = qm.end()
                content = raw[prefix_len:]
                if _closes_fence(content, fence, fence_indent):
                    code_blocks.append(
                        _code(fence_info, fence, fence_start, i, lines, fence_body, fence_cols, closed=True)
                    )
                    fence = None
                    prev_blank = True
                    continue
                rest, removed = _strip_indent(content, fence_indent)
                fence_body.append(rest)
                fence_cols.append(prefix_len + removed)
                continue
        # -- inside a comment that started on an earlier line ------------------------
        if scanner.open_comment is not None:
            pos = scanner.continue_comment(raw, i, 0)
            if pos < 0:
                continue
            rest = raw[pos:]
            if rest.strip():
                scan(rest, i, pos)
            prev_blank = not raw.strip()
            para_line = -1
            continue

        if math_open:
            if raw.rstrip().endswith("$$"):
                math_open = False
            continue
        if indented is None:
            if raw and raw[0] not in _BLOCK_CHARS:
                # Fast path: a line starting with an ordinary character at column 0
                # is paragraph text (most lines of a note); most of those hold
                # nothing for the inline scanner either.
                if list_indent >= 0 and prev_blank:
                    list_indent = -1
                if i in to_scan:
                    scan(raw, i, 0, dots=i in dotted_lines)
                para_line = i
                para_col = 0
                prev_blank = False
                continue
            if not raw or raw.isspace():
                prev_blank = True
                para_line = -1
                continue
            if raw[0] == "#":
                # At column 0 '#' is an ATX heading or paragraph text ("#tag").
                hm = _ATX.match(raw)
                if list_indent >= 0 and (prev_blank or hm is not None):
                    list_indent = -1
                prev_blank = False
                if hm is not None:
                    text_start = _heading(headings, raw, i, 0, raw, hm)
                    # Its '#'s put the line in to_scan; the text may hold nothing.
                    if i in to_scan:
                        dots = i in dotted_lines
                        if dots or CANDIDATE.search(raw, text_start) is not None:
                            scan(raw[text_start:], i, text_start, block_ids=False, dots=dots)
                    para_line = -1
                else:
                    if i in to_scan:
                        scan(raw, i, 0, dots=i in dotted_lines)
                    para_line = i
                    para_col = 0
                continue

        qm = _QUOTE.match(raw)
        prefix_len = qm.end() if qm else 0
        quote = qm.group() if qm else ""
        content = raw[prefix_len:]
        blank = not content.strip()

        # -- indented code (not inside lists, cannot interrupt a paragraph) ----------
        if indented is not None:
            if blank or _indent_width(content) >= 4:
                rest, removed = _strip_indent(content, 4)
                indented[1].append(rest)
                indented[2].append(prefix_len + removed)
                continue
            close_indented(i - 1)
        if blank:
            prev_blank = True
            para_line = -1
            continue

        width = _indent_width(content)
        lm = _LIST.match(content)
        if lm and width < (list_indent + 4 if list_indent >= 0 else 4):
            spaces = _indent_width(lm.group(3)) if lm.group(3) else 1
            list_indent = _indent_width(lm.group(1)) + len(lm.group(2)) + (spaces if 0 < spaces <= 4 else 1)
        elif list_indent >= 0 and _indent_width(raw) < list_indent and (
            prev_blank or quote or _FENCE.match(content) or _ATX.match(content)
        ):
            # Less indented than the item's content: after a blank line anything ends
            # the list; without one, only a new block (quote, fence, heading) does,
            # plain text being a lazy continuation of the item's paragraph.
            list_indent = -1

        # -- fenced code --------------------------------------------------------------
        fm = _FENCE.match(content)
        if lm and not fm:
            # "- ```python": a fence opening right after a list marker
            inner = content[lm.end():]
            fm2 = _FENCE.match(inner)
            if fm2 and _indent_width(fm2.group(1)) < 4:
                fm = fm2
                content_offset = lm.end()
            else:
                content_offset = 0
        else:
            content_offset = 0
        if fm:
            fence_width = _indent_width(fm.group(1)) + (list_indent if content_offset else 0)
            allowed = 3 if list_indent < 0 else list_indent + 3
            marker, info = fm.group(2), fm.group(3).strip()
            if fence_width <= allowed and not (marker[0] == "`" and "`" in info):
                fence, fence_quote, fence_indent, fence_start, fence_info = marker, quote, fence_width, i, info
                fence_body = []
                fence_cols = []
                para_line = -1
                continue
        if width >= 4 and prev_blank and list_indent < 0:
            rest, removed = _strip_indent(content, 4)
            indented = [i, [rest], [prefix_len + removed]]
            continue
        # -- display math: $$ ... $$ is not prose ----------------------------------------
        stripped = content.strip()
        if stripped.startswith("$$"):
            if not (len(stripped) >= 4 and stripped.endswith("$$")):
                math_open = True
            para_line = -1
            continue

        # -- headings ---------------------------------------------------------------------
        hm = _ATX.match(content)
        if hm:
            text_start = _heading(headings, raw, i, prefix_len, content, hm)
            scan(content[text_start:], i, prefix_len + text_start, block_ids=False)
            prev_blank = False
            para_line = -1
            continue
        sm = _SETEXT.match(content)
        if sm and para_line >= 0 and not lm:
            level = 1 if sm.group(1)[0] == "=" else 2
            ptext = lines[para_line][para_col:]
            headings.append(Heading(level, ptext.strip(), Span(para_line, para_col, i, len(raw))))
            para_line = -1
            prev_blank = False
            continue

        # -- prose ----------------------------------------------------------------------
        scan(content, i, prefix_len)
        if not lm and not quote and not content.lstrip().startswith("|"):
            para_line = i
            para_col = prefix_len
        else:
            para_line = -1
        prev_blank = False

    if fence is not None:
        code_blocks.append(
            _code(fence_info, fence, fence_start, len(lines) - 1, lines, fence_body, fence_cols, closed=False)
        )
    if indented is not None:
        close_indented(len(lines) - 1)
    if scanner.open_comment is not None:
        kind, sline, scol, parts = scanner.open_comment
        last = len(lines) - 1
        scanner._finish_comment(kind, sline, scol, last, len(lines[last]), "\n".join(parts))
        scanner.open_comment = None

    tags = list(found.tags)
    if frontmatter:
        tags = frontmatter_tags(frontmatter, lines, fm_end) + tags
    cards = _cards(path, lambda: lines, tags, fm_end, options.sr_settings)
    if size is None:
        size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
    # Note._make takes the fields in order (checking their number); a keyword call
    # goes through the NamedTuple's Python-level __new__.
    return Note._make((
        path,  # path
        len(lines),  # line_count
        size,  # size
        frontmatter,  # frontmatter
        fm_span,  # frontmatter_span
        fm_error,  # frontmatter_error
        aliases_of(frontmatter) if frontmatter else (),  # aliases
        tuple(headings),  # headings
        tuple([_new(BlockId, block_id) for block_id in found.block_ids]),  # block_ids
        tuple(tags),  # tags
        tuple(found.links),  # links
        tuple(code_blocks),  # code_blocks
        tuple(found.inline_code),  # inline_code
        tuple(found.comments),  # comments
        tuple(found.schedules),  # schedules
        tuple(found.directives),  # directives
        tuple(sorted(found.dotted, key=_SPAN_OF)),  # dotted_names
        cards,  # cards
    ))


def _heading(headings: list, raw: str, i: int, prefix_len: int, content: str, hm: re.Match) -> int:
    """Adds the ATX heading ``content`` (``raw`` after a quote prefix), which
    matched :data:`_ATX`; returns where its text starts in ``content``."""
    level = len(hm.group(1))
    text_start = hm.end()
    heading_text = content[text_start:]
    if "#" in heading_text:
        close = _ATX_CLOSE.search(heading_text)
        if close and (close.start() > 0 or heading_text.strip().strip("#") == ""):
            heading_text = heading_text[: close.start()]
    heading_text = heading_text.strip()
    headings.append(_new(Heading, (level, heading_text, _new(Span, (i, prefix_len, i, len(raw))))))
    return text_start


def _code(info, marker, start, end, lines, body, cols, closed) -> CodeBlock:
    lang = info.split(None, 1)[0].lower() if info else ""
    lang = lang.strip("{}.")  # {.python} and {python} attribute forms
    end = max(start, end)
    return CodeBlock(
        info, lang, marker, Span(start, 0, end, len(lines[end])), start + 1, tuple(body), tuple(cols), closed
    )


def _cards(path, lines_of, tags, fm_end, sr_settings):
    """The note's flashcards when the SR plugin reads it, else ().  ``lines_of()``
    gives its lines: called only for such a note (the native parser has none
    split otherwise)."""
    sr = _sr_functions()
    if sr is None:
        return ()
    find_cards, holds_cards, default_settings = sr
    settings = sr_settings if sr_settings is not None else default_settings
    if not holds_cards((t.name for t in tags), path, settings):
        return ()
    return tuple(find_cards(lines_of(), settings, fm_end + 1 if fm_end > 0 else 0))


_SR: list = []


def _sr_functions():
    """(find_cards, holds_cards, the plugin's default settings), imported and
    built once (an import statement costs microseconds on every note; the
    settings are frozen), or None without the SR package."""
    if not _SR:
        try:
            from ...sr.cards import find_cards, holds_cards
            from ...sr.settings import SRSettings
        except ImportError:  # the SR package is optional while it is being built
            return None
        _SR.append((find_cards, holds_cards, SRSettings()))
    return _SR[0]


# -- the C implementation ----------------------------------------------------------------
# _native (vaultkit/core/parse/_native.c) does what the block loop and the inline
# scanner above do, on the note's text, without splitting it into line objects;
# frontmatter, SR cards and the Note stay here.  parse_note_python stays the
# reference and the fallback (no compiler at install time, or VAULTKIT_PURE_PYTHON=1).

_PURE_PYTHON = os.environ.get("VAULTKIT_PURE_PYTHON", "") not in ("", "0")
try:
    if _PURE_PYTHON:
        raise ImportError("VAULTKIT_PURE_PYTHON is set")
    # (not preceded by `_native = None`: "from . import" would take that attribute)
    from . import _native
except ImportError:  # built without a compiler (the extension is optional)
    _native = None
if _native is not None:
    from urllib.parse import unquote as _unquote

    from ..model import Comment, Directive, DottedName, InlineCode, Link, ScheduleComment, Tag
    from .inline import _DIRECTIVE, _DIRECTIVE_ACTIONS, _MD_LINK

    _native.init(
        Span, Heading, BlockId, Tag, Link, CodeBlock, InlineCode, Comment, ScheduleComment, Directive,
        DottedName, _MD_LINK.match, _DIRECTIVE.match, _DIRECTIVE_ACTIONS,
        re.compile(r"[\s,]+").split,  # what re.split(r"[\s,]+", ...) in _finish_comment uses
        _unquote,
    )

#: True when parse_note is the C implementation.
NATIVE: bool = _native is not None


def parse_note_native(path: str, text: str, options: ParseOptions | None = None, size: int | None = None) -> Note:
    """:func:`parse_note_python`'s result, with the block loop and inline scanning in C.

    Only the lines frontmatter_end() reads are split into str objects
    (``_native.head_lines``: line 0 alone unless it is ``---``); the others are
    split only for a note whose flashcards the SR plugin reads.
    """
    options = options or ParseOptions()
    head = _native.head_lines(text)  # lines[0] .. lines[fm_end]: all the frontmatter functions read
    fm_end, frontmatter, fm_error, fm_span = _frontmatter(head)
    first = fm_end + 1 if fm_end > 0 else 0
    (
        headings, block_ids, tags, links, code_blocks, inline_code, comments, schedules, directives,
        dotted_names, line_count,
    ) = _native.scan_note(text, first, options.percent_comments_hide_links)
    if frontmatter:
        tags = tuple(frontmatter_tags(frontmatter, head, fm_end)) + tags
    cards = _cards(path, lambda: split_lines(text), tags, fm_end, options.sr_settings)
    if size is None:
        size = _native.utf8_size(text)  # len(text.encode("utf-8", "surrogatepass"))
    return Note._make((
        path,  # path
        line_count,  # line_count
        size,  # size
        frontmatter,  # frontmatter
        fm_span,  # frontmatter_span
        fm_error,  # frontmatter_error
        aliases_of(frontmatter) if frontmatter else (),  # aliases
        headings,  # headings
        block_ids,  # block_ids
        tags,  # tags
        links,  # links
        code_blocks,  # code_blocks
        inline_code,  # inline_code
        comments,  # comments
        schedules,  # schedules
        directives,  # directives
        dotted_names,  # dotted_names (sorted by span)
        cards,  # cards
    ))


#: parse_note(path, text, options=None, size=None) -> Note: the C implementation
#: when it is built (and VAULTKIT_PURE_PYTHON is not set), else the Python one.
parse_note = parse_note_native if NATIVE else parse_note_python
