"""Code-point columns (vaultkit's coordinates) to and from the three LSP position encodings."""

from __future__ import annotations

from hypothesis import given, strategies as st

from vaultkit.core.span import Span
from vaultkit.lsp.convert import col_from_client, col_to_client, range_to_span, span_to_range

LINE = "é 日本 🚀 [[x]]"  # 2-byte, 3-byte and 4-byte UTF-8; the rocket is 2 UTF-16 units


def test_columns_in_each_encoding():
    rocket = LINE.index("🚀")  # code point 5
    after = rocket + 1
    assert col_to_client(LINE, after, "utf-32") == 6
    assert col_to_client(LINE, after, "utf-16") == 7
    assert col_to_client(LINE, after, "utf-8") == len(LINE[:after].encode("utf-8")) == 14


@given(st.text(max_size=30), st.data(), st.sampled_from(["utf-8", "utf-16", "utf-32"]))
def test_round_trip_at_every_code_point(line, data, encoding):
    col = data.draw(st.integers(0, len(line)))
    assert col_from_client(line, col_to_client(line, col, encoding), encoding) == col


def test_spans_round_trip_through_ranges():
    lines = ["plain", LINE]
    span = Span(1, LINE.index("["), 1, len(LINE))
    for encoding in ("utf-8", "utf-16", "utf-32"):
        assert range_to_span(span_to_range(span, lines, encoding), lines, encoding) == span
