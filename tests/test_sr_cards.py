"""Flashcards found as the SR plugin finds them (reference B2-B3, plugin parser tests)."""

from __future__ import annotations

from vaultkit.core.span import Span
from vaultkit.sr.cards import cloze_card_count, find_cards, holds_cards, in_review_queue
from vaultkit.sr.settings import SRSettings

DEFAULT = SRSettings()


def cards(text, settings=DEFAULT, fm_end=0):
    return find_cards(text.split("\n"), settings, fm_end)


def kinds(text, settings=DEFAULT):
    return [(c.kind, c.span.line, c.span.end_line) for c in cards(text, settings)]


def test_single_line_basic_and_reversed():
    assert kinds("Q1::A1\nQ2:::A2") == [("single", 0, 0), ("single_reversed", 1, 1)]
    assert [c.siblings for c in cards("Q1::A1\nQ2:::A2")] == [1, 2]


def test_reversed_separator_is_tried_first_even_when_basic_comes_earlier():
    # ":::" is longer, so it is looked for first; "a::b:::c" is a reversed card.
    assert kinds("a::b:::c") == [("single_reversed", 0, 0)]


def test_separator_inside_inline_code_is_not_a_card():
    assert kinds("use `a::b` here") == []
    assert kinds("`nn.Module` :: base class") == [("single", 0, 0)]


def test_only_the_first_separator_occurrence_counts():
    # The first "::" is inside code, so the plugin does not look further.
    assert kinds("`a::b` then Q :: A") == []


def test_single_line_card_absorbs_schedule_on_next_line_at_column_zero():
    (card,) = cards("Q::A\n<!--SR:!2026-01-01,3,250-->")
    assert card.span == Span(0, 0, 1, 27)
    assert card.schedule.body == "!2026-01-01,3,250"
    assert card.schedule.span == Span(1, 0, 1, 27)
    (card,) = cards("Q::A\n <!--SR:!2026-01-01,3,250-->")
    assert card.schedule is None


def test_single_line_card_absorbs_callout_schedule():
    (card,) = cards("Q::A\n> [!sr|card-metadata]\n> <!--SR:!2026-01-01,3,250-->\nnext")
    assert card.span.end_line == 2
    assert card.schedule.span == Span(2, 2, 2, 29)


def test_same_line_schedule_and_only_the_first_comment_counts():
    (card,) = cards("Q::A <!--SR:!2026-01-01,3,250--> <!--SR:!2027-01-01,3,250-->")
    assert card.schedule.body == "!2026-01-01,3,250"
    assert card.schedule.span == Span(0, 5, 0, 32)


def test_multiline_card_bounds_run_from_blank_line_to_blank_line():
    text = "intro\n\nQuestion line 1\nline 2\n?\nAnswer\nmore <!--SR:!2026-01-01,3,250-->\n\nafter"
    (card,) = cards(text)
    assert (card.kind, card.span.line, card.span.end_line) == ("multi", 2, 6)
    assert card.question == "Question line 1 line 2"
    assert card.schedule.span.line == 6


def test_multiline_reversed_card_needs_two_schedules():
    (card,) = cards("Q\n??\nA")
    assert (card.kind, card.siblings) == ("multi_reversed", 2)


def test_multiline_card_with_empty_front_is_ignored():
    assert kinds("?\nA") == []


def test_multiline_separator_must_be_the_whole_trimmed_line():
    assert kinds("Q\n  ?  \nA") == [("multi", 0, 2)]
    assert kinds("Is it?\nA") == []


def test_end_marker_lets_blank_lines_into_a_card():
    settings = SRSettings(multiline_end_marker="+++")
    text = "Q\n?\nA\n\nmore answer\n+++\nafter"
    assert kinds(text, settings) == [("multi", 0, 4)]


def test_custom_multiline_separator():
    settings = SRSettings(multiline_separator="-?-")
    assert kinds("Modules\n-?-\nnn.Linear", settings) == [("multi", 0, 2)]
    assert kinds("Modules\n?\nnn.Linear", settings) == []


def test_code_fence_at_column_zero_hides_separators_and_blank_lines():
    assert kinds("```\nQ::A\n```") == []
    text = "Q\n?\n```python\nx = 1\n\ny = 2\n```\n<!--SR:!2026-01-01,3,250-->"
    (card,) = cards(text)
    assert (card.span.line, card.span.end_line) == (0, 7)
    assert card.schedule.span.line == 7


def test_indented_fence_is_not_a_fence_for_the_plugin():
    assert kinds("  ```\nQ::A\n  ```") == [("single", 1, 1)]


def test_html_comment_with_close_skips_itself_and_the_next_line():
    assert kinds("<!-- note -->\nQ::A\nQ2::A2") == [("single", 2, 2)]


def test_unclosed_html_comment_skips_the_rest_of_the_note():
    assert kinds("<!-- open\nstill comment -->\nQ::A\n\nQ2::A2") == []


def test_indented_html_comment_is_not_skipped():
    assert kinds(" <!-- x -->\nQ::A") == [("single", 1, 1)]


def test_highlight_is_a_cloze_card_by_default():
    (card,) = cards("The ==ReLU== clips ==negatives==\nsecond line\n\nafter")
    assert (card.kind, card.span.line, card.span.end_line, card.siblings) == ("cloze", 0, 1, 2)
    assert kinds("**bold** only") == []


def test_bold_cloze_when_the_pattern_is_configured():
    settings = SRSettings(cloze_patterns=("**[123;;]answer[;;hint]**",))
    assert kinds("**bold** cloze", settings) == [("cloze", 0, 0)]
    assert kinds("==highlight==", settings) == []


def test_cloze_counts():
    assert cloze_card_count("a ==x== b ==y;;hint==", DEFAULT) == 2
    assert cloze_card_count("==1;;x== ==1;;y== ==2;;z==", DEFAULT) == 2
    assert cloze_card_count("==as;;x== ==sha;;y==", DEFAULT) == 3
    assert cloze_card_count("no cloze", DEFAULT) == 0


def test_frontmatter_is_blanked():
    lines = ["---", "q:: a", "---", "Q::A"]
    assert [c.span.line for c in find_cards(lines, DEFAULT, 3)] == [3]


def test_single_line_question_label():
    (card,) = cards("What is `nn.Linear` ::: an affine map <!--SR:!2026-01-01,3,250-->")
    assert card.question == "What is `nn.Linear`"


def test_holds_cards_tag_rules():
    assert holds_cards(["flashcards"], "a.md", DEFAULT)
    assert holds_cards(["flashcards/torch"], "a.md", DEFAULT)
    assert not holds_cards(["Flashcards"], "a.md", DEFAULT)  # case-sensitive
    assert not holds_cards(["flashcardsx"], "a.md", DEFAULT)
    assert not holds_cards(["review", "dl"], "a.md", DEFAULT)
    assert not holds_cards(["flashcards"], "Drawings/x.excalidraw.md", DEFAULT)
    vetoed = SRSettings(flashcard_tags_to_ignore=("#flashcards/skip",))
    assert not holds_cards(["flashcards/skip"], "a.md", vetoed)
    folders = SRSettings(note_folders_to_ignore=("Templates",), convert_folders_to_decks=True)
    assert holds_cards([], "Decks/a.md", folders)
    assert not holds_cards(["flashcards"], "Templates/a.md", folders)


def test_review_queue():
    assert in_review_queue(["review"], "a.md", DEFAULT)
    assert in_review_queue(["review/ml"], "a.md", DEFAULT)
    assert not in_review_queue(["flashcards"], "a.md", DEFAULT)
    assert not in_review_queue(["review", "skip"], "a.md", SRSettings(note_tags_to_ignore=("#skip",)))
