"""Schedule comments and note-review frontmatter, read as the plugin reads them (B4, B6)."""

from __future__ import annotations

import datetime as dt

from vaultkit.sr.schedule import (
    Segment,
    SegmentError,
    js_parse_int,
    parse_note_review,
    parse_schedule,
    segment_count,
)

D = dt.date


def test_sm2_segment():
    (seg,) = parse_schedule("!2021-08-11,4,270")
    assert (seg.kind, seg.due, seg.interval, seg.ease, seg.offset) == ("sm2", D(2021, 8, 11), 4, 270, 1)


def test_legacy_format_without_bang():
    (seg,) = parse_schedule("2021-08-11,4,270")
    assert (seg.due, seg.interval, seg.ease, seg.offset) == (D(2021, 8, 11), 4, 270, 0)


def test_several_segments_and_placeholder_new_card():
    body = "!2025-11-27,1,226!2000-01-01,1,250"
    first, second = parse_schedule(body)
    assert first.due == D(2025, 11, 27) and not first.is_new
    assert second.is_new and second.offset == 18
    assert segment_count(parse_schedule(body)) == 2


def test_fsrs_and_sm2_mixed():
    body = "!fsrs,2026-01-02T03:04:05.000Z,12,11.5,4.2,2,5,1,0,2025-12-21T03:04:05.000Z!2026-02-01,3,250"
    fsrs, sm2 = parse_schedule(body)
    assert (fsrs.kind, fsrs.due, fsrs.interval, fsrs.stability, fsrs.difficulty, fsrs.state) == (
        "fsrs", D(2026, 1, 2), 12, 11.5, 4.2, 2,
    )
    assert (sm2.kind, sm2.due) == ("sm2", D(2026, 2, 1))


def test_fsrs_last_review_may_be_a_dash():
    (seg,) = parse_schedule("!fsrs,2026-01-02T03:04:05.000Z,0,0.4,6,1,1,0,1,-")
    assert isinstance(seg, Segment) and seg.state == 1


def test_parse_int_semantics():
    (seg,) = parse_schedule("!2026-01-01,2.5,250")
    assert seg.interval == 2  # parseInt("2.5") is 2; not an error
    assert js_parse_int("  42abc") == 42
    assert js_parse_int("abc") is None
    assert js_parse_int("0x1A") == 26


def test_errors_are_located_in_the_body():
    body = "!2026-01-01,3,250!2025-02-30,3,abc"
    results = parse_schedule(body)
    assert isinstance(results[0], Segment)
    date_error, ease_error = results[1:]
    assert isinstance(date_error, SegmentError) and date_error.field == "date"
    assert body[date_error.offset:date_error.offset + len(date_error.text)] == "2025-02-30"
    assert "February 2025 has 28 days" in date_error.message
    assert ease_error.field == "ease" and body[ease_error.offset:].startswith("abc")
    assert segment_count(results) == 2


def test_other_date_formats_the_plugin_accepts():
    assert parse_schedule("!22-02-2025,3,250")[0].due == D(2025, 2, 22)
    assert parse_schedule("!Sat Feb 22 2025,3,250")[0].due == D(2025, 2, 22)


def test_malformed_segments():
    assert parse_schedule("!2026-13-01,3,250")[0].message == "'2026-13-01' is not a calendar date (there is no month 13)"
    assert parse_schedule("!2026-01-01,,250")[0].message == "the interval is missing"
    assert parse_schedule("!tomorrow,3,250")[0].field == "segment"
    assert parse_schedule("!2026-01-01,3,250,9")[0].field == "segment"
    assert parse_schedule("!fsrs,2026-01-01,3")[0].field == "segment"
    assert parse_schedule("") == [] and parse_schedule("!!") == []


def test_note_review_reading():
    review = parse_note_review({"sr-due": "2023-09-10", "sr-interval": 4, "sr-ease": 270})
    assert (review.status, review.due, review.interval, review.ease) == ("scheduled", D(2023, 9, 10), 4, 270)
    # PyYAML gives dates; lists give their first element, as String(value[0]).
    review = parse_note_review({"sr-due": [D(2023, 9, 10)], "sr-interval": "4", "sr-ease": 270.5})
    assert (review.status, review.due, review.ease) == ("scheduled", D(2023, 9, 10), 270.5)
    assert parse_note_review({}).status == "absent"
    assert parse_note_review({"sr-due": True}) == parse_note_review({"sr-due": True})._replace(status="new")
    partial = parse_note_review({"sr-due": "2023-09-10", "sr-interval": 0, "sr-ease": 250})
    assert partial.status == "new" and partial.problems[0][1].startswith("sr-interval is missing or empty")
    bad = parse_note_review({"sr-due": "someday", "sr-interval": 4, "sr-ease": 250})
    assert bad.status == "invalid" and bad.problems[0][0] == "sr-due"


# -- the fast path for the comments the plugin writes must read them exactly as
# -- the general reader does -----------------------------------------------------
from hypothesis import given, settings, strategies as st  # noqa: E402

from vaultkit.sr import schedule as _schedule  # noqa: E402

_segment = st.builds(
    lambda y, m, d, ivl, ease: f"!{y:04d}-{m:02d}-{d:02d},{ivl},{ease}",
    st.integers(1999, 2031), st.integers(0, 13), st.integers(0, 32), st.integers(0, 40000), st.integers(0, 999),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_segment, min_size=1, max_size=3).map("".join))
def test_canonical_fast_path_matches_the_general_reader(body):
    fast = _schedule._parse_canonical(body)
    if fast is None:
        return
    saved = _schedule._parse_canonical
    try:
        _schedule._parse_canonical = lambda body: None
        general = _schedule.parse_schedule(body)
    finally:
        _schedule._parse_canonical = saved
    assert fast == general
