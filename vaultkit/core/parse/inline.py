"""Inline scanning of one line of prose: code spans, comments, links, tags.

One left-to-right pass per line with a single "interesting position" regex,
so a line is visited once whatever it holds; :func:`lines_to_scan` tells the
parser beforehand which lines hold nothing to visit (most prose lines).  CommonMark precedence is kept
where it matters for false positives: a backslash escapes the next character,
a code span hides everything inside it, an HTML comment (``<!-- -->``) or an
Obsidian comment (``%% %%``) hides everything up to its end, even on later
lines (the caller carries :attr:`LineScanner.state` from line to line).

Code spans are matched within a line; a span left open at the end of a line is
literal text (multi-line code spans are rare in notes and documented).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate
from urllib.parse import unquote

from ..model import Comment, Directive, DottedName, InlineCode, Link, ScheduleComment, Tag
from ..span import Span

# Positions where something may start.  URLs are consumed whole so that their
# "#fragment" is not a tag and "torch.nn.Module.html" in them is not a name.
# Characters where something may start; a character class is ~15x faster to
# search for than an alternation of the constructs themselves.
_CANDIDATE = re.compile(r"[\\`<%!\[#:]")
CANDIDATE = _CANDIDATE
_URL_TAIL = re.compile(r"[^\s<>()\[\]`]*")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")

# Obsidian's tag grammar (reference A8): after '#', anything but whitespace,
# general/supplemental punctuation blocks and these ASCII characters.
_TAG_BODY = re.compile(
    "[^\\s\u2000-\u206f\u2e00-\u2e7f'!\"#$%&()*+,.:;<=>?@^`{|}~\\[\\]\\\\]+"
)

# A Markdown inline link or image: [text](dest "title").  Link text may hold
# one level of nested brackets; the destination is <...> or has balanced ().
_MD_LINK = re.compile(
    r"!?\[((?:[^\[\]\\]|\\.|\[[^\[\]]*\])*)\]"
    r"\(\s*(<[^<>\n]*>|(?:[^\s()\\]|\\.|\([^\s()]*\))*)"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?\s*\)"
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")

# Dotted identifier chains (nn.Linear, torch.nn.functional.relu) including the
# placeholders people write in notes: nn.BatchNorm?d, nn.Conv{1,2,3}d, torch.*.
_DOTTED = re.compile(
    r"(?<![\w.])[A-Za-z_]\w*(?:\.(?:[A-Za-z_?*{][\w?*]*(?:\{[\w,.\-]*\}[\w?*]*)*))+"
)
# Cheap pre-check before _DOTTED: a literal first character lets the regex
# engine skip ahead (5x faster than starting the pattern with \w).
_DOT_HINT = re.compile(r"\.[A-Za-z_?*{]")
_BLOCK_ID = re.compile(r"(?:^|[ \t])\^([A-Za-z0-9-]+)[ \t]*$")
# What LineScanner.scan looks for (with no comment open): a candidate
# character, a dotted-name hint, the '^' of a block id.  A line holding none of
# them yields nothing; see lines_to_scan.
_SCAN_CHARS = "\\`<%![#:^"
_DIRECTIVE = re.compile(r"^\s*vaultkit\s*:\s*([a-z][a-z-]*)\s*(.*?)\s*$", re.I)
_DIRECTIVE_ACTIONS = {"disable", "enable", "disable-next-line", "disable-line", "skip"}


_BACKTICKS = re.compile(r"`+")
_new = tuple.__new__  # builds a NamedTuple without its Python-level __new__ (same object)


def lines_to_scan(text: str, lines: list[str]) -> tuple[set[int], set[int]]:
    """Indices of the lines in which :meth:`LineScanner.scan` may find something,
    and of those that hold a dotted-name hint (``scan(..., dots=...)``).

    ``text`` is ``"\\n".join(lines)``.  A line that is not in the first set holds
    no candidate character, no dotted-name hint and no '^', so scanning it with
    no comment open finds nothing.  Looking for each character with ``str.find``
    over the whole text is several times cheaper than one regex search per line
    (a character class is matched character by character, ``find`` uses memchr):
    most lines of a note are plain prose.
    """
    # next_start[k]: offset of the line after line k
    next_start = list(accumulate([len(line) + 1 for line in lines]))
    hits: set[int] = set()
    add = hits.add
    find = text.find
    for ch in _SCAN_CHARS:
        at = find(ch)
        while at >= 0:
            k = bisect_right(next_start, at)
            add(k)
            at = find(ch, next_start[k])  # the next line holding one
    dotted = {bisect_right(next_start, m.start()) for m in _DOT_HINT.finditer(text)}
    if dotted:
        hits |= dotted
    return hits, dotted


def _close_backticks(text: str, start: int, n: int) -> int:
    """Index of the next run of exactly ``n`` backticks at or after ``start``, or -1."""
    for run in _BACKTICKS.finditer(text, start):
        if run.end() - run.start() == n:
            return run.start()
    return -1


class Found:
    """Accumulates everything found in a note's prose lines."""

    __slots__ = (
        "links", "tags", "inline_code", "comments", "schedules", "directives", "dotted",
        "block_ids",
    )

    def __init__(self):
        self.links: list[Link] = []
        self.tags: list[Tag] = []
        self.inline_code: list[InlineCode] = []
        self.comments: list[Comment] = []
        self.schedules: list[ScheduleComment] = []
        self.directives: list[Directive] = []
        self.dotted: list[DottedName] = []
        self.block_ids: list = []


class LineScanner:
    """Scans prose lines; keeps the open-comment state between lines."""

    def __init__(self, found: Found, *, percent_comments_hide_links: bool = True):
        self.found = found
        self.percent_hides = percent_comments_hide_links
        # Open multi-line comment: (kind, start line, start col, body parts) or None.
        self.open_comment: tuple[str, int, int, list[str]] | None = None

    # -- comments -------------------------------------------------------------
    def _finish_comment(self, kind: str, line: int, col: int, end_line: int, end_col: int, body: str):
        span = _new(Span, (line, col, end_line, end_col))
        self.found.comments.append(_new(Comment, (kind, body, span)))
        if kind != "html" or line != end_line:
            return
        if body.startswith("SR:"):
            self.found.schedules.append(_new(ScheduleComment, (body[3:], span)))
            return
        match = _DIRECTIVE.match(body)
        if match and match.group(1).lower() in _DIRECTIVE_ACTIONS:
            codes = tuple(c.upper() for c in re.split(r"[\s,]+", match.group(2)) if c)
            self.found.directives.append(Directive(match.group(1).lower(), codes, span))

    def continue_comment(self, text: str, line: int, base: int) -> int:
        """Inside an open comment: returns the position after its end, or -1."""
        kind, sline, scol, parts = self.open_comment
        closer = "-->" if kind == "html" else "%%"
        end = text.find(closer)
        if end < 0:
            parts.append(text)
            return -1
        parts.append(text[:end])
        self._finish_comment(kind, sline, scol, line, base + end + len(closer), "\n".join(parts))
        self.open_comment = None
        return end + len(closer)

    # -- the line ---------------------------------------------------------------
    def scan(self, text: str, line: int, base: int = 0, *, block_ids: bool = True, dots: bool | None = None) -> None:
        """Scan ``text`` (a line without its container prefix) found at column ``base``.

        ``dots``: whether ``text`` holds a dotted-name hint, when the caller knows.
        """
        pos = 0
        if self.open_comment is not None:
            pos = self.continue_comment(text, line, base)
            if pos < 0:
                return
        found = self.found
        n = len(text)
        # Dotted names are looked for in the plain-text runs between elements and
        # in code spans, all parts of text[pos:]: without a hint there, none is.
        if dots is None or pos:
            dots = _DOT_HINT.search(text, pos) is not None
        text_start = pos  # start of the current plain-text run (for dotted names)
        plain_runs: list[tuple[int, int]] = []
        search = _CANDIDATE.search
        while pos < n:
            m = search(text, pos)
            if m is None:
                break
            start = m.start()
            c = text[start]
            if c == "[" or c == "!":
                embed = c == "!"
                bracket = start + 1 if embed else start
                if text.startswith("[[", bracket):
                    inner = bracket + 2
                    end = text.find("]]", inner)
                    if end <= inner:
                        pos = inner
                        continue
                    if dots:
                        plain_runs.append((text_start, start))
                    self._wikilink(text, line, base, start, inner, end, embed)
                    pos = text_start = end + 2
                    continue
                if bracket < n and text[bracket] == "[":
                    md = _MD_LINK.match(text, start)
                    if md is not None:
                        if dots:
                            plain_runs.append((text_start, start))
                        self._markdown_link(md, line, base)
                        pos = text_start = md.end()
                        continue
                # Only this character is consumed: after a '!' that starts
                # nothing, the next one may ("Hi!<!-- -->", "Wow!`x`", "!\\[").
                pos = start + 1
                continue
            if c == "#":
                if start > 0 and not text[start - 1].isspace():
                    pos = start + 1
                    continue
                body = _TAG_BODY.match(text, start + 1)
                if body:
                    name = body.group().rstrip("/")
                    # not a tag when only digits (and '/'); name does not end with '/'
                    if name and not name.replace("/", "").isdigit():
                        end = start + 1 + len(name)
                        found.tags.append(_new(Tag, (name, _new(Span, (line, base + start, line, base + end)), "body")))
                    pos = body.end()
                else:
                    pos = start + 1
                continue
            if c == "`":
                k = start + 1
                while k < n and text[k] == "`":
                    k += 1
                k -= start
                close = _close_backticks(text, start + k, k)
                if close < 0:
                    pos = start + k
                    continue
                if dots:
                    plain_runs.append((text_start, start))
                content = text[start + k : close]
                offset = start + k
                if len(content) >= 2 and content[0] == " " and content[-1] == " " and content.strip():
                    content = content[1:-1]  # CommonMark strips one space each side
                    offset += 1
                end = close + k
                found.inline_code.append(_new(InlineCode, (content, _new(Span, (line, base + start, line, base + end)))))
                if dots:
                    self._dotted(content, line, base + offset, "inline_code")
                pos = text_start = end
                continue
            if c == "\\":
                pos = start + 2
                continue
            if (c == "<" and text.startswith("<!--", start)) or (
                c == "%" and self.percent_hides and text.startswith("%%", start)
            ):
                opener = "<!--" if c == "<" else "%%"
                closer = "-->" if c == "<" else "%%"
                kind = "html" if c == "<" else "percent"
                if dots:
                    plain_runs.append((text_start, start))
                end = text.find(closer, start + len(opener))
                if end < 0:
                    self.open_comment = (kind, line, base + start, [text[start + len(opener) :]])
                    pos = text_start = n
                    break
                self._finish_comment(kind, line, base + start, line, base + end + len(closer), text[start + len(opener) : end])
                pos = text_start = end + len(closer)
                continue
            if c == ":" and text.startswith("://", start):
                # a URL, consumed whole from its scheme to the next space
                scheme = start
                while scheme > text_start and text[scheme - 1] in _SCHEME_CHARS:
                    scheme -= 1
                if scheme < start:
                    if dots:
                        plain_runs.append((text_start, scheme))
                    pos = text_start = _URL_TAIL.match(text, start + 3).end()
                    continue
            pos = start + 1
        if dots:
            plain_runs.append((text_start, n))
            for a, b in plain_runs:
                if b > a:
                    self._dotted(text[a:b], line, base + a, "prose")
        if block_ids and text_start < n and "^" in text[text_start:]:
            bm = _BLOCK_ID.search(text, text_start)
            if bm:
                s = bm.start(1) - 1
                found.block_ids.append((bm.group(1), _new(Span, (line, base + s, line, base + bm.end(1)))))

    def _dotted(self, chunk: str, line: int, col: int, context: str) -> None:
        if "." not in chunk or not _DOT_HINT.search(chunk):
            return
        for d in _DOTTED.finditer(chunk):
            self.found.dotted.append(
                _new(DottedName, (d.group(), _new(Span, (line, col + d.start(), line, col + d.end())), context))
            )

    def _wikilink(self, text: str, line: int, base: int, start: int, inner: int, end: int, embed: bool):
        content = text[inner:end]
        # Display text after the first '|'; "\|" (tables) is the same separator.
        bar = content.find("|")
        display = None
        target_text = content
        if bar >= 0:
            display = content[bar + 1 :].strip()
            target_text = content[:bar]
            if target_text.endswith("\\"):
                target_text = target_text[:-1]
        trimmed = target_text.strip()
        lead = 0 if len(trimmed) == len(target_text) else len(target_text) - len(target_text.lstrip())
        hash_at = target_text.find("#")
        if hash_at >= 0:
            path, anchor = target_text[:hash_at].strip(), target_text[hash_at + 1 :].strip()
        else:
            path, anchor = trimmed, ""
        col = base + inner + lead
        self.found.links.append(_new(Link, (
            "wikilink", embed, path, anchor, display,
            _new(Span, (line, base + start, line, base + end + 2)),
            _new(Span, (line, col, line, col + len(trimmed))),
        )))

    def _markdown_link(self, md: re.Match, line: int, base: int):
        dest = md.group(2)
        dest_start = md.start(2)
        if dest.startswith("<") and dest.endswith(">"):
            dest = dest[1:-1]
            dest_start += 1
        if not dest or _SCHEME.match(dest):
            return
        decoded = unquote(dest.replace("\\", ""))
        hash_at = decoded.find("#")
        if hash_at >= 0:
            path, anchor = decoded[:hash_at], decoded[hash_at + 1 :]
        else:
            path, anchor = decoded, ""
        span = Span(line, base + md.start(), line, base + md.end())
        target_span = Span(line, base + dest_start, line, base + dest_start + len(dest))
        embed = md.group().startswith("!")
        self.found.links.append(Link("markdown", embed, path, anchor, md.group(1), span, target_span))
