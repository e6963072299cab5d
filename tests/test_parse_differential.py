"""The line scanner agrees with markdown-it-py (CommonMark) on what is code.

vaultkit finds block structure with its own scanner for speed; markdown-it-py
is the reference.  Hypothesis builds documents from the constructs that decide
what is code in real notes (fences of both kinds and lengths, in list items and
callouts, indented code, inline code spans) and both parsers must agree on
which lines are code and which inline spans are code.
"""

from __future__ import annotations

from hypothesis import given, settings, strategies as st
from markdown_it import MarkdownIt

from vaultkit.core.parse import parse_note

_md = MarkdownIt("commonmark")

words = st.sampled_from(["alpha", "[[Link]]", "`code`", "x = 1", "nn.Linear", "#tag", "``a ` b``", "text"])
line_text = st.lists(words, min_size=1, max_size=4).map(" ".join)


@st.composite
def fence(draw, prefix=""):
    char = draw(st.sampled_from(["`", "~"]))
    n = draw(st.integers(3, 4))
    info = draw(st.sampled_from(["", "python", "py title=x", "bash"]))
    body = draw(st.lists(st.one_of(line_text, st.just(""), st.just("    indented")), max_size=4))
    opener = prefix + char * n + info
    lines = [opener] + [prefix + b if b else prefix.rstrip() for b in body] + [prefix + char * n]
    return lines


@st.composite
def block(draw):
    kind = draw(st.sampled_from(["para", "fence", "list_fence", "quote_fence", "indented", "heading"]))
    if kind == "para":
        return draw(st.lists(line_text, min_size=1, max_size=3))
    if kind == "fence":
        return draw(fence())
    if kind == "list_fence":
        marker = draw(st.sampled_from(["- ", "1. ", "* "]))
        head = marker + draw(line_text)
        return [head, ""] + draw(fence(prefix=" " * len(marker)))
    if kind == "quote_fence":
        return ["> [!note] Title"] + draw(fence(prefix="> "))
    if kind == "indented":
        return ["    " + draw(line_text) for _ in range(draw(st.integers(1, 3)))]
    return ["## " + draw(line_text)]


documents = st.lists(block(), min_size=1, max_size=6).map(lambda blocks: "\n\n".join("\n".join(b) for b in blocks) + "\n")


def markdown_it_code_lines(text: str) -> set[int]:
    lines: set[int] = set()
    for token in _md.parse(text):
        if token.type in ("fence", "code_block") and token.map:
            start, end = token.map
            first = start + 1 if token.type == "fence" else start
            last = end - 1 if token.type == "fence" else end
            # a fence's map includes its closing line when there is one
            lines.update(range(first, last if token.type == "fence" else last))
    return lines


def scanner_code_lines(text: str) -> set[int]:
    lines: set[int] = set()
    for block in parse_note("n.md", text).code_blocks:
        lines.update(range(block.content_line, block.content_line + len(block.lines)))
    return lines


def _nonblank(text: str, lines: set[int]) -> set[int]:
    all_lines = text.split("\n")
    return {i for i in lines if i < len(all_lines) and all_lines[i].strip(" >")}


@settings(max_examples=300, deadline=None)
@given(documents)
def test_code_lines_agree_with_markdown_it(text):
    expected = _nonblank(text, markdown_it_code_lines(text))
    got = _nonblank(text, scanner_code_lines(text))
    assert got == expected, text


@settings(max_examples=300, deadline=None)
@given(st.lists(line_text, min_size=1, max_size=3).map(" ".join))
def test_inline_code_spans_agree_with_markdown_it(text):
    tokens = _md.parseInline(text)[0].children or []
    expected = [t.content for t in tokens if t.type == "code_inline"]
    got = [c.text for c in parse_note("n.md", text).inline_code]
    assert got == expected, text
