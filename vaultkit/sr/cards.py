"""Flashcards, found exactly as the SR plugin finds them (reference B2-B3).

The plugin's line parser has quirks that decide which text is a card and
which schedule comment belongs to it; they are reproduced on purpose:

- ``:::`` is tried before ``::`` (longest separator first), and only the
  *first* occurrence counts: it is inside inline code when an odd number of
  backticks precedes it and an odd number follows it;
- a single-line card absorbs the next line when it starts at column 0 with
  ``<!--SR:`` (or a ``> [!sr|card-metadata]`` callout holding one);
- a line starting at column 0 with ``<!--`` (not ``<!--SR:``) is skipped with
  the following line when it contains ``-->``; otherwise *everything to the
  end of the note* is skipped (the plugin never re-reads the line);
- code fences count only at column 0 and run to a line starting with the
  same fence string; blank lines inside them do not end a card;
- a multi-line card runs from the line after the previous blank line to the
  next blank line (or the end marker when one is configured);
- a line holding a cloze (``==highlight==`` by default) starts a cloze card
  when no other card type has been chosen yet.
"""

from __future__ import annotations

import functools
import re
from typing import Iterable, NamedTuple

from ..core.globs import glob_regex
from ..core.model import Card, ScheduleComment
from ..core.span import Span
from .schedule import JS_WHITESPACE, js_trim
from .settings import SRSettings

# JavaScript's "." stops at these; a schedule comment cannot span them.
_SR_COMMENT = re.compile(r"<!--SR:([^\n\r\u2028\u2029]+?)-->")
_CALLOUT = "> [!sr|card-metadata]"
_FENCE_RUN = re.compile(r"`+|~+")


# --- which notes ------------------------------------------------------------------


def _normal_tag(tag: str) -> str:
    tag = tag.strip()
    return tag if tag.startswith("#") else "#" + tag


def tag_matches(tag: str, wanted: Iterable[str]) -> bool:
    """The plugin's test: exact or a ``/``-child, case-sensitive (B1).

    ``tag`` is written without ``#``; the settings write tags with it.
    """
    if isinstance(wanted, tuple):  # the settings' tuples: memoised (a vault repeats its tags)
        return _tag_matches(tag, wanted)
    return _tag_matches(tag, tuple(wanted))


@functools.lru_cache(maxsize=8192)
def _tag_matches(tag: str, wanted: tuple[str, ...]) -> bool:
    full = _normal_tag(tag)
    for want in wanted:
        if not want or not want.strip().lstrip("#"):
            continue
        want = _normal_tag(want)
        if full == want or full.startswith(want + "/"):
            return True
    return False


def path_is_ignored(path: str, patterns: Iterable[str]) -> bool:
    """``noteFoldersToIgnore``: a path prefix or a glob (B1)."""
    for pattern in patterns:
        if not pattern:
            continue
        if path.startswith(pattern) or glob_regex(pattern, gitignore=False).match(path):
            return True
    return False


def holds_cards(tags: Iterable[str], path: str, settings: SRSettings) -> bool:
    """Does the plugin look for flashcards in this note? (B2)

    Yes when a tag (body or frontmatter, without ``#``) is a flashcard tag or
    a ``/``-child of one, or when folders are decks; no when a tag is in
    ``flashcardTagsToIgnore`` or the path is in ``noteFoldersToIgnore``.
    """
    return _selected(tags, path, settings, settings.flashcard_tags_to_ignore, settings.flashcard_tags,
                     every_note=settings.convert_folders_to_decks)


def in_review_queue(tags: Iterable[str], path: str, settings: SRSettings) -> bool:
    """Is the note reviewed as a whole note? (B6: ``tagsToReview``)"""
    return _selected(tags, path, settings, settings.note_tags_to_ignore, settings.tags_to_review)


def _selected(tags, path, settings, ignored_tags, wanted_tags, *, every_note=False) -> bool:
    """Outside the ignored folders, with no ignored tag, and either ``every_note``
    or a wanted tag: the one test the plugin applies to cards and to notes."""
    try:
        tags = tuple(tags)
        if path_is_ignored(path, settings.note_folders_to_ignore):
            return False
        if any(tag_matches(tag, ignored_tags) for tag in tags):
            return False
        return every_note or any(tag_matches(tag, wanted_tags) for tag in tags)
    except Exception:
        return False


# --- clozes -----------------------------------------------------------------------

# clozecraft's pattern language: "[...digits...]" is the sequence-number part,
# "[...hint...]" the hint part, "answer" the hidden text.
_NUM_PART = re.compile(r"\[(?:(?:\\\])?[^\]]?)+?\d+(?:(?:\\\])?[^\]]?)+?\]")
_HINT_PART = re.compile(r"\[(?:(?:\\\])?[^\]]?)+?hint(?:(?:\\\])?[^\]]?)+?\]")


class _Cloze(NamedTuple):
    opening: str  # literal text every match starts with ("=="): a cheap pre-filter
    classic: re.Pattern[str]  # numbered: ==1;;answer==
    overlapping: re.Pattern[str]  # ==ash;;answer==
    simple: re.Pattern[str]  # ==answer==


def _part_regex(part: str, keyword: str, replacement: str) -> str:
    inner = part[1:-1].replace("\\[", "[").replace("\\]", "]")
    return re.sub(keyword, lambda _m: replacement, re.escape(inner))


def _compile_cloze(raw: str) -> _Cloze | None:
    num = _NUM_PART.search(raw)
    hint = _HINT_PART.search(raw)
    if not num or not hint or "answer" not in raw:
        return None  # clozecraft rejects such a pattern
    hint_rx = "(?:" + _part_regex(hint.group(), "hint", "(.+?)") + ")?"

    def build(num_rx: str) -> re.Pattern[str]:
        first, first_rx, second, second_rx = (
            (num, num_rx, hint, hint_rx) if num.start() < hint.start() else (hint, hint_rx, num, num_rx)
        )
        text = (
            re.escape(raw[: first.start()]) + first_rx
            + re.escape(raw[first.end(): second.start()]) + second_rx
            + re.escape(raw[second.end():])
        )
        return re.compile(text.replace("answer", "(.+?)", 1))

    opening = raw[: min(num.start(), hint.start(), raw.index("answer"))]
    return _Cloze(
        opening=opening,
        classic=build(_part_regex(num.group(), r"\d+", r"(\d+)")),
        overlapping=build(_part_regex(num.group(), r"\d+", r"([ash]+)")),
        simple=build(""),
    )


@functools.lru_cache(maxsize=64)
def _clozes(patterns: tuple[str, ...]) -> tuple[_Cloze, ...]:
    compiled = []
    for raw in patterns:
        try:
            cloze = _compile_cloze(raw)
        except re.error:
            cloze = None
        if cloze:
            compiled.append(cloze)
    return tuple(compiled)


def cloze_type(text: str, settings: SRSettings) -> str | None:
    """``"classic"``, ``"overlapping"``, ``"simple"`` or None (clozecraft's priority)."""
    found = None
    for cloze in _clozes(settings.cloze_patterns):
        if cloze.opening not in text:
            continue
        if cloze.classic.search(text):
            return "classic"
        if cloze.overlapping.search(text):
            found = "overlapping"
        elif found is None and cloze.simple.search(text):
            found = "simple"
    return found


def cloze_card_count(text: str, settings: SRSettings) -> int:
    """How many cards a cloze text makes: highest number, longest sequence, or one per cloze."""
    kind = cloze_type(text, settings)
    if kind is None:
        return 0
    count = 0
    for cloze in _clozes(settings.cloze_patterns):
        if kind == "classic":
            for match in cloze.classic.finditer(text):
                count = max(count, int(match.group(1)))
        elif kind == "overlapping":
            for match in cloze.overlapping.finditer(text):
                count = max(count, len(match.group(1)))
        else:
            count += sum(1 for _ in cloze.simple.finditer(text))
    return count


# --- the card parser ----------------------------------------------------------------


def _marker_outside_code(line: str, marker: str) -> bool:
    """The plugin's test on the *first* occurrence of an inline separator."""
    if not marker:
        return False
    at = line.find(marker)
    if at < 0:
        return False
    before = line.count("`", 0, at)
    after = line.count("`", at + len(marker))
    return not (before % 2 == 1 and after % 2 == 1)


@functools.lru_cache(maxsize=64)
def _inline_separators(settings: SRSettings) -> tuple[tuple[str, str], ...]:
    """Inline separators, longest first (the plugin's stable sort by length)."""
    return tuple(
        sorted(
            ((settings.single_line_separator, "single"), (settings.single_line_reversed_separator, "single_reversed")),
            key=lambda item: len(item[0]),
            reverse=True,
        )
    )


def _question(kind: str, parts: list[tuple[int | None, str]], settings: SRSettings) -> str:
    """A short label for the card: its front, schedule comments removed."""
    texts = [_SR_COMMENT.sub("", text) for _, text in parts]
    if kind.startswith("single") and texts:
        line = texts[0]
        for sep, _kind in _inline_separators(settings):
            if sep and sep in line:
                line = line.split(sep, 1)[0]
                break
        texts = [line]
    elif kind.startswith("multi"):
        separator = settings.multiline_reversed_separator if kind == "multi_reversed" else settings.multiline_separator
        front = []
        for text in texts:
            if js_trim(text) == separator:
                break
            front.append(text)
        texts = front or texts
    label = " ".join(js_trim(t) for t in texts if js_trim(t))
    return label if len(label) <= 80 else label[:79] + "…"


def _make_card(
    kind: str, parts: list[tuple[int | None, str]], first: int, last: int,
    lines: list[str], settings: SRSettings,
) -> Card:
    last = max(min(last, len(lines) - 1), 0)
    first = max(min(first, last), 0)
    span = Span(first, 0, last, len(lines[last]) if lines else 0)
    schedule = None
    for line_no, text in parts:
        if line_no is None:
            continue
        match = _SR_COMMENT.search(text)
        if match:
            schedule = ScheduleComment(match.group(1), Span(line_no, match.start(), line_no, match.end()))
            break
    if kind in ("single_reversed", "multi_reversed"):
        siblings = 2
    elif kind == "cloze":
        siblings = max(1, cloze_card_count("\n".join(text for _, text in parts), settings))
    else:
        siblings = 1
    return Card(kind, span, siblings, schedule, _question(kind, parts, settings))


def _find_cards(raw_lines: list[str], settings: SRSettings, frontmatter_end: int) -> list[Card]:
    # The plugin blanks the frontmatter and splits on "\n" after normalising "\r\n".
    lines = [
        "" if index < frontmatter_end else (line[:-1] if line.endswith("\r") else line)
        for index, line in enumerate(raw_lines)
    ]
    n = len(lines)
    inline = _inline_separators(settings)
    end_marker = settings.multiline_end_marker
    cards: list[Card] = []
    parts: list[tuple[int | None, str]] = []  # (note line, text as the plugin holds it)
    card_text = ""  # kept only for the plugin's "front is not empty" length test
    card_type: str | None = None
    first = 0

    def add(line_no: int | None, text: str) -> None:
        nonlocal card_text
        if card_text:
            card_text += "\n"
        card_text += text
        parts.append((line_no, text))

    i = 0
    while i < n:
        line = lines[i]
        trimmed = js_trim(line)
        if line.startswith("<!--") and not line.startswith("<!--SR:"):
            # The plugin's loop tests the *current* line for "-->": either this
            # line and the next are skipped, or everything to the end is.
            i = i + 2 if "-->" in line else n
            continue
        is_empty = not trimmed
        if (is_empty and not end_marker) or (is_empty and card_type is None) or (
            end_marker and trimmed == end_marker
        ):
            if card_type:
                cards.append(_make_card(card_type, parts, first, i - 1, lines, settings))
                card_type = None
            parts, card_text = [], ""
            first = i + 1
            i += 1
            continue
        add(i, line.rstrip(JS_WHITESPACE))
        for separator, kind in inline:
            if _marker_outside_code(line, separator):
                card_type = kind
                break
        if card_type in ("single", "single_reversed"):
            parts, card_text, first = [(i, line)], line, i
            if i + 1 < n and lines[i + 1].startswith("<!--SR:"):
                i += 1
                parts.append((i, lines[i]))
            elif i + 1 < n and lines[i + 1].startswith(_CALLOUT):
                # Callout mode: absorb the callout up to the line holding the schedule.
                while i + 1 < n and lines[i + 1].startswith(">"):
                    i += 1
                    parts.append((i, lines[i]))
                    if "<!--SR:" in lines[i]:
                        break
            cards.append(_make_card(card_type, parts, first, i, lines, settings))
            card_type, parts, card_text = None, [], ""
        elif trimmed == settings.multiline_separator:
            if len(card_text) > 1:  # the plugin's "front is not empty" test, verbatim
                card_type = "multi"
        elif trimmed == settings.multiline_reversed_separator:
            if len(card_text) > 1:
                card_type = "multi_reversed"
        elif line.startswith("```") or line.startswith("~~~"):
            close = _FENCE_RUN.match(line).group()
            while i + 1 < n and not lines[i + 1].startswith(close):
                i += 1
                add(i, lines[i])
            # The plugin appends the fence string, not the closing line itself.
            add(i + 1 if i + 1 < n else None, close)
            i += 1
        elif card_type is None and cloze_type(line, settings):
            card_type = "cloze"
        i += 1
    if card_type and card_text:
        cards.append(_make_card(card_type, parts, first, n - 1, lines, settings))
    return cards


def find_cards(lines: list[str], settings: SRSettings, frontmatter_end: int) -> tuple[Card, ...]:
    """The note's flashcards in order, as the plugin finds them (B3).

    ``lines`` are the note's lines without line endings; the first
    ``frontmatter_end`` lines are frontmatter and are blanked as the plugin
    does.  Each card's ``schedule`` is the first ``<!--SR:...-->`` in its text
    (the only one the plugin reads, B4), with the span the note parser records.
    Never raises: text the parser cannot follow yields no cards.
    """
    try:
        return tuple(_find_cards(list(lines), settings, int(frontmatter_end or 0)))
    except Exception:
        return ()
