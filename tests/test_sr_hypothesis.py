"""The SR readers never raise, whatever the note says.

The public functions also have a last-resort guard; these tests exercise the
code under it so that a real bug cannot hide behind the guard.
"""

from __future__ import annotations

from hypothesis import given, settings as hyp_settings, strategies as st

from vaultkit.sr.cards import _find_cards, holds_cards
from vaultkit.sr.schedule import Segment, parse_note_review, parse_schedule
from vaultkit.sr.settings import SRSettings

# Text rich in the characters the parsers care about.
ALPHABET = st.sampled_from(list("ab :?`~=!-<>*{}#;,0123456789\t\u00a0") + ["<!--", "-->", "<!--SR:", "```", "\r", "\u2028"])
LINE = st.lists(ALPHABET, max_size=12).map("".join)
SEPARATOR = st.sampled_from(["::", ":::", "?", "??", "", "-?-", ";;", "+++"])
SETTINGS = st.builds(
    SRSettings,
    single_line_separator=SEPARATOR,
    single_line_reversed_separator=SEPARATOR,
    multiline_separator=SEPARATOR,
    multiline_reversed_separator=SEPARATOR,
    multiline_end_marker=SEPARATOR,
    cloze_patterns=st.sampled_from([
        ("==[123;;]answer[;;hint]==",), ("**[123;;]answer[;;hint]**", "{{[123;;]answer[;;hint]}}"), ("bad",), (),
    ]),
)


@hyp_settings(max_examples=300, deadline=None)
@given(st.lists(LINE, max_size=25), SETTINGS, st.integers(min_value=-2, max_value=30))
def test_find_cards_never_raises_and_spans_are_in_the_note(lines, settings, fm_end):
    for card in _find_cards(lines, settings, fm_end):
        assert 0 <= card.span.line <= card.span.end_line < len(lines)
        assert card.siblings >= 1
        if card.schedule is not None:
            s = card.schedule.span
            assert lines[s.line][s.col:s.end_col] == "<!--SR:" + card.schedule.body + "-->"


BODY = st.lists(st.sampled_from(list("!,.-:T Z+x0123456789") + ["fsrs", "2025-02-22", "2000-01-01"]), max_size=30).map("".join)


@hyp_settings(max_examples=500, deadline=None)
@given(st.one_of(BODY, st.text(max_size=40)))
def test_parse_schedule_never_raises_and_points_inside_the_body(body):
    for item in parse_schedule(body):
        assert not item.message.startswith("unreadable") if not isinstance(item, Segment) else True
        assert 0 <= item.offset <= len(body)
        assert body[item.offset:item.offset + len(item.text)] == item.text
        if isinstance(item, Segment):
            assert item.kind in ("sm2", "fsrs")


YAML_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | st.dates(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@hyp_settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["sr-due", "sr-interval", "sr-ease", "tags"]), YAML_VALUE))
def test_parse_note_review_never_raises(frontmatter):
    review = parse_note_review(frontmatter)
    assert review.status in ("absent", "new", "scheduled", "invalid")
    assert not any(message.startswith("unreadable") for _, message in review.problems)


@given(st.lists(st.text(max_size=10), max_size=5), st.text(max_size=20))
def test_holds_cards_never_raises(tags, path):
    assert holds_cards(tags, path, SRSettings()) in (True, False)
