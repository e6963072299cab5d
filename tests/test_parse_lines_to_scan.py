"""The parser scans a prose line only when ``lines_to_scan`` says it may hold something.

``lines_to_scan`` looks for characters over the whole text instead of line by
line; these properties pin down that it names exactly the lines that hold a
candidate character, a dotted-name hint or a '^', that its dotted-name set is
exact, and that scanning any other line finds nothing.
"""

from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from vaultkit.core.parse import parse_note
from vaultkit.core.parse.inline import Found, LineScanner, lines_to_scan

_ALPHABET = "ab Z._?*{\\`<%![#:^-|>\t]()/1é\u00a0メ"
_SCAN_CHAR = re.compile(r"[\\`<%!\[#:^]")
_DOT_HINT = re.compile(r"\.[A-Za-z_?*{]")

documents = st.lists(st.text(alphabet=_ALPHABET, max_size=30), min_size=1, max_size=12)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_lines_to_scan_names_exactly_the_lines_with_something(lines):
    hits, dotted = lines_to_scan("\n".join(lines), lines)
    for k, line in enumerate(lines):
        has_dot = _DOT_HINT.search(line) is not None
        assert (k in dotted) == has_dot, (k, line)
        assert (k in hits) == (has_dot or _SCAN_CHAR.search(line) is not None), (k, line)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_a_line_left_out_yields_nothing(lines):
    hits, _ = lines_to_scan("\n".join(lines), lines)
    for k, line in enumerate(lines):
        if k in hits:
            continue
        found = Found()
        LineScanner(found).scan(line, k, 0)
        assert not any(getattr(found, name) for name in Found.__slots__), line


@settings(max_examples=300, deadline=None)
@given(documents, st.sampled_from(["\n", "\r\n", "\r"]), st.booleans())
def test_line_endings_and_bom_do_not_change_the_parse(lines, newline, bom):
    """The whole-text search runs on the note's own text or, for \\r\\n, \\r
    and a BOM, on the lines re-joined: element positions must not move."""
    reference = parse_note("n.md", "\n".join(lines))
    text = ("\ufeff" if bom else "") + newline.join(lines)
    note = parse_note("n.md", text)
    assert note._replace(size=0) == reference._replace(size=0)
