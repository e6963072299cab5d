"""VK3xx: Spaced Repetition schedules (reference section B).

Reads ``note.schedules`` (every ``<!--SR:...-->`` outside code), ``note.cards``
(found as the plugin finds them), the note-review frontmatter and the vault's
SR plugin settings (``vault.sr_settings``).  Option: ``[sr] grace-days``.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

from ..core.model import Card, Note, ScheduleComment
from ..core.span import Span
from ..diagnostics import Related, Severity
from ..sr.cards import holds_cards, in_review_queue, tag_matches
from ..sr.schedule import (
    REVIEW_KEYS,
    NoteReview,
    Segment,
    SegmentError,
    parse_note_review,
    parse_schedule,
    segment_count,
)
from ..sr.settings import SRSettings
from .registry import Rule, checker

MIN_EASE = 130  # the plugin never lowers ease below this (B7)
_PREFIX = len("<!--SR:")


class OverdueCard(Rule):
    """A flashcard's review is past its due date.

    ## What it does
    Reads every `<!--SR:...-->` schedule comment and reports each schedule
    whose due date is before today minus `grace-days`, saying by how many days
    it is overdue.  A comment holding several schedules (a reversed card, a
    cloze with several deletions) gets one report per overdue schedule.

    A schedule comment is checked whatever the note's tags say: the date is
    in the comment, so overdue-ness does not depend on the plugin currently
    finding the card (a note tagged `#review` but not `#flashcards` still
    shows its overdue schedules; VK307 tells you the plugin ignores them).
    "Overdue" means due strictly before today (the plugin shows cards due
    today as due, not late).  New-card placeholders (`2000-01-01`) are never
    overdue.  FSRS schedules use the date of their due instant as written.

    ## Why is this bad?
    Spaced repetition only works when reviews happen near their due date; a
    vault in CI that silently accumulates overdue cards has stopped being
    studied.  The default severity is warning, so `vaultkit check` (which
    fails on warnings) fails while reviews are overdue: that is the point of
    running it in CI.  Set `[severity] VK301 = "info"` to see overdue cards
    without failing, or `grace-days` to allow some slack.

    ## Example
    ```markdown
    What does nn.Linear compute?
    ?
    y = xA^T + b <!--SR:!2025-02-22,3,250-->
    ```
    With `--today 2026-11-22`: `card review overdue by 638 days (due 2025-02-22)`.

    ## How to fix
    Review the card in Obsidian (Spaced Repetition: Review flashcards); the
    plugin rewrites the comment with the next due date.

    ## Fix safety
    No automatic fix: only a review can reschedule a card.

    ## Options
    - `sr.grace-days` (integer, default 0): report only schedules more than this
      many days overdue.  `--today YYYY-MM-DD` fixes "today" for reproducible CI.
    """

    code = "VK301"
    name = "overdue-card"
    severity = Severity.WARNING


class OverdueNoteReview(Rule):
    """A note in the review queue is past its `sr-due` date.

    ## What it does
    For notes the plugin reviews as whole notes (a tag under `tagsToReview`,
    `#review` by default, no `noteTagsToIgnore` tag, path not ignored), reads
    `sr-due`, `sr-interval` and `sr-ease` from the frontmatter and reports the
    note when `sr-due` is before today minus `grace-days`.

    ## Why is this bad?
    The note has dropped out of your review rhythm; the longer it waits, the
    more of it you will have forgotten.

    ## Example
    ```markdown
    ---
    sr-due: 2023-09-10
    sr-interval: 4
    sr-ease: 270
    ---
    #review
    ```
    With `--today 2023-09-20`: `note review overdue by 10 days (sr-due 2023-09-10)`.

    ## How to fix
    Review the note (Spaced Repetition: Review note) and rate it.

    ## Fix safety
    No automatic fix.

    ## Options
    - `sr.grace-days` (integer, default 0), shared with VK301.
    """

    code = "VK302"
    name = "overdue-note-review"
    severity = Severity.WARNING


class MalformedSchedule(Rule):
    """A schedule the plugin cannot read as written.

    ## What it does
    Reports, pointing at the bad field: impossible dates (`2025-02-30`),
    missing or non-numeric interval or ease (`3abc`, which the plugin reads as
    3), a wrong number of fields, unknown segment formats, bad FSRS fields, and
    note-review frontmatter that is incomplete (`sr-due` without `sr-ease`) or
    unreadable.  A lone `sr-due: true` is accepted: the plugin treats it as a
    new note.  Dates are accepted in the plugin's formats: `YYYY-MM-DD`,
    `DD-MM-YYYY`, `ddd MMM DD YYYY`.

    ## Why is this bad?
    The plugin silently drops a schedule it cannot read and treats the card
    (or note) as new: its review history is lost at the next review.

    ## Example
    ```markdown
    Tensor :: an n-dimensional array <!--SR:!2025-02-30,3,250-->
    ```
    `malformed schedule: '2025-02-30' is not a calendar date (February 2025 has
    28 days); the plugin treats the card as new`

    ## How to fix
    Correct the field by hand, or delete the comment to start the card afresh.

    ## Fix safety
    No automatic fix: vaultkit cannot know the intended date.
    """

    code = "VK303"
    name = "malformed-schedule"
    severity = Severity.ERROR


class ScheduleValueOutOfRange(Rule):
    """A schedule value the plugin would never write.

    ## What it does
    Reports an SM-2 ease below 130, an interval below 1 day, or an interval
    above the plugin's `maximumInterval` (36525 days unless `data.json` says
    otherwise), in schedule comments and in note-review frontmatter; for FSRS
    schedules, an interval above the maximum or a difficulty outside 1-10.

    ## Why is this bad?
    Such values come from hand edits or other tools; the scheduler then
    produces absurd next dates (an ease of 50 shrinks intervals at each
    review, an interval of 100000 days hides the card for ever).

    ## Example
    ```markdown
    Tensor :: an n-dimensional array <!--SR:!2026-01-01,3,90-->
    ```
    `ease 90 is below the minimum 130`

    ## How to fix
    Set the value back into range (ease 250 is the plugin's default).

    ## Fix safety
    No automatic fix.
    """

    code = "VK304"
    name = "schedule-value-out-of-range"
    severity = Severity.WARNING


class ScheduleCountMismatch(Rule):
    """A card's schedule comment holds the wrong number of schedules.

    ## What it does
    Only in notes where the plugin looks for cards (a flashcard tag, see
    VK307).  A basic card needs one schedule, a reversed card (`:::`, `??`)
    two, a cloze card one per card it makes (one per `==deletion==`, or per
    number for numbered clozes).  Compares with the first `<!--SR:...-->` of
    the card, the only one the plugin reads.

    ## Why is this bad?
    Extra schedules are dropped at the next review (a card changed from
    reversed to basic loses a history); missing ones make siblings new cards.

    ## Example
    ```markdown
    Tensor ::: an n-dimensional array <!--SR:!2026-01-01,3,250-->
    ```
    `card needs 2 schedules (reversed card) but its comment has 1; the plugin
    treats the missing one as a new card`

    ## How to fix
    Usually nothing to do for missing schedules (a review adds them); for
    extra ones, check that the card still has the sides or deletions you
    reviewed, or delete the surplus segments.

    ## Fix safety
    No automatic fix.
    """

    code = "VK305"
    name = "schedule-count-mismatch"
    severity = Severity.WARNING


class OrphanSchedule(Rule):
    """A schedule comment that belongs to no flashcard.

    ## What it does
    Only in notes where the plugin looks for cards.  Reports a `<!--SR:...-->`
    comment that is not the schedule of any card as the plugin finds cards:
    after the card was edited away, separated from it by a blank line, or a
    second comment in a card (the plugin reads only the first).

    ## Why is this bad?
    The plugin never reads it: the review history it holds is lost, and the
    card it was meant for (if any) is treated as new.

    ## Example
    ```markdown
    Tensor :: an n-dimensional array

    <!--SR:!2026-01-01,3,250-->
    ```

    ## How to fix
    Move the comment onto the card's last line (or the line right after a
    single-line card), or delete it.

    ## Fix safety
    No automatic fix.
    """

    code = "VK306"
    name = "orphan-schedule"
    severity = Severity.WARNING


class ScheduleInUntaggedNote(Rule):
    """Schedule comments in a note the plugin does not read for cards.

    ## What it does
    Reports once per note (on its first schedule comment) when a note holds
    `<!--SR:...-->` comments but no flashcard tag (`flashcardTags` in the
    plugin's `data.json`, `#flashcards` by default; exact tag or a `/`-child,
    case-sensitive, in the body or the frontmatter), or is vetoed by
    `flashcardTagsToIgnore` / `noteFoldersToIgnore`.  Its schedules are still
    checked for overdue dates and malformed values (VK301, VK303, VK304); the
    card checks VK305 and VK306 are skipped, since the plugin finds no cards.

    ## Why is this bad?
    The plugin does not show these cards for review: the tag was probably
    removed or renamed after the cards were reviewed (a note tagged `#review`
    is reviewed as a whole note, not as flashcards).

    ## Example
    ```markdown
    #dl #review
    What is nn.Linear?
    ?
    y = xA^T + b <!--SR:!2025-02-22,3,250-->
    ```

    ## How to fix
    Add the flashcard tag (`#flashcards`) if you want to review the cards, or
    remove the schedule comments.

    ## Fix safety
    No automatic fix.
    """

    code = "VK307"
    name = "schedule-in-untagged-note"
    severity = Severity.INFO


# --- helpers -------------------------------------------------------------------------


def _grace_days(ctx) -> int:
    value = ctx.option("sr", "grace-days")
    try:
        days = int(value)
    except (TypeError, ValueError):
        return 0
    return max(days, 0)


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def _piece_span(comment: ScheduleComment, offset: int, length: int) -> Span:
    """The span of ``body[offset:offset+length]`` in the note, or the whole comment."""
    span = comment.span
    start = span.col + _PREFIX + offset
    if span.line != span.end_line or start + length > span.end_col or length <= 0:
        return span
    return Span(span.line, start, span.line, start + length)


def _range_problems(segment: Segment, settings: SRSettings) -> list[str]:
    maximum = settings.maximum_interval
    too_easy = segment.kind == "sm2" and segment.ease is not None and segment.ease < MIN_EASE
    too_short = segment.kind == "sm2" and segment.interval < 1
    if not (too_easy or too_short or segment.interval > maximum or segment.kind != "sm2"):
        return []  # the common case, decided without formatting anything
    problems = []
    interval = int(segment.interval) if float(segment.interval).is_integer() else segment.interval
    if segment.kind == "sm2":
        if too_easy:
            problems.append(f"ease {segment.ease} is below the minimum {MIN_EASE}")
        if too_short:
            problems.append(f"interval {interval} is below 1 day")
    elif segment.difficulty is not None and not 1 <= segment.difficulty <= 10:
        problems.append(f"FSRS difficulty {segment.difficulty:g} is outside 1-10")
    if segment.interval > maximum:
        problems.append(f"interval {interval} days is above the maximum interval {maximum} (maximumInterval)")
    return problems


def _frontmatter_key_span(note: Note, ctx, key: str) -> Span:
    """The frontmatter line holding ``key``; the frontmatter (or note start) otherwise."""
    fallback = note.frontmatter_span or Span(0, 0, 0, 0)
    try:
        lines = ctx.vault.read_lines(note.path)
    except Exception:
        return fallback
    pattern = re.compile(rf"\s*{re.escape(key)}\s*:")
    last = min(fallback.end_line, len(lines) - 1) if note.frontmatter_span else min(len(lines) - 1, 50)
    for number in range(0, last + 1):
        if pattern.match(lines[number]):
            return Span(number, 0, number, len(lines[number]))
    return fallback


# --- the checker ---------------------------------------------------------------------


def _check_comment(note: Note, ctx, comment: ScheduleComment, settings: SRSettings, grace: int):
    results = parse_schedule(comment.body)
    count = segment_count(results)
    want_range = ctx.enabled(ScheduleValueOutOfRange)
    want_overdue = ctx.enabled(OverdueCard)
    for item in results:
        if isinstance(item, SegmentError):
            if ctx.enabled(MalformedSchedule):
                consequence = (
                    "; the plugin treats the card as new" if item.field in ("segment", "date", "due") else ""
                )
                yield ctx.diagnostic(
                    MalformedSchedule, note.path, _piece_span(comment, item.offset, len(item.text)),
                    f"malformed schedule: {item.message}{consequence}",
                    data={"field": item.field, "value": item.text},
                )
            continue
        # One schedule: point at the whole comment; several: at the one concerned.
        span = comment.span if count == 1 else _piece_span(comment, item.offset, len(item.text))
        if want_range:
            for problem in _range_problems(item, settings):
                yield ctx.diagnostic(ScheduleValueOutOfRange, note.path, span, problem)
        if item.due is None or not want_overdue:
            continue
        late = (ctx.today - item.due).days
        if late > grace:
            which = f"; schedule {item.index + 1} of {count}" if count > 1 else ""
            due = item.due.isoformat()
            yield ctx.diagnostic(
                OverdueCard, note.path, span,
                f"card review overdue by {_days(late)} (due {due}{which})",
                data={"due": due, "days_overdue": late},
            )


def _kind_words(card: Card) -> str:
    return {
        "single_reversed": "reversed card",
        "multi_reversed": "reversed card",
        "cloze": "cloze card",
    }.get(card.kind, "basic card")


def _check_cards(note: Note, ctx):
    attached = {}
    for card in note.cards:
        if card.schedule is not None:
            attached[card.schedule.span] = card
    if ctx.enabled(ScheduleCountMismatch):
        for card in note.cards:
            if card.schedule is None:
                continue
            have = segment_count(parse_schedule(card.schedule.body))
            need = card.siblings
            if have == need or have == 0:
                continue
            if have < need:
                outcome = (
                    f"the plugin treats the missing {'one' if need - have == 1 else need - have} as new"
                )
            else:
                extra = have - need
                outcome = f"the plugin drops {extra} extra schedule{'s' if extra != 1 else ''} at the next review"
            yield ctx.diagnostic(
                ScheduleCountMismatch, note.path, card.schedule.span,
                f"card needs {need} schedule{'s' if need != 1 else ''} ({_kind_words(card)}) "
                f"but its comment has {have}; {outcome}",
                related=[Related(note.path, card.span, "the card")],
                data={"needed": need, "found": have},
            )
    if not ctx.enabled(OrphanSchedule):
        return
    for comment in note.schedules:
        if comment.span in attached:
            continue
        inside = next(
            (c for c in note.cards if c.span.line <= comment.span.line <= c.span.end_line), None
        )
        if inside is not None and inside.schedule is not None:
            message = (
                f"schedule comment is not read: the card on line {inside.span.line + 1} already has "
                f"one on line {inside.schedule.span.line + 1} (the plugin reads only the first)"
            )
            related = [Related(note.path, inside.schedule.span, "the schedule the plugin reads")]
        else:
            message = "schedule comment is not attached to any flashcard; the plugin never reads it"
            related = []
        yield ctx.diagnostic(OrphanSchedule, note.path, comment.span, message, related=related)


def _check_note_review(note: Note, ctx, settings: SRSettings, grace: int):
    review: NoteReview = parse_note_review(note.frontmatter)
    for key, message in review.problems:
        if ctx.enabled(MalformedSchedule):
            yield ctx.diagnostic(
                MalformedSchedule, note.path, _frontmatter_key_span(note, ctx, key),
                f"malformed note review: {message}",
            )
    if review.status != "scheduled":
        return
    if ctx.enabled(ScheduleValueOutOfRange):
        problems = []
        if review.ease is not None and review.ease < MIN_EASE:
            problems.append(("sr-ease", f"sr-ease {review.ease:g} is below the minimum {MIN_EASE}"))
        if review.interval is not None and review.interval < 1:
            problems.append(("sr-interval", f"sr-interval {review.interval:g} is below 1 day"))
        if review.interval is not None and review.interval > settings.maximum_interval:
            problems.append((
                "sr-interval",
                f"sr-interval {review.interval:g} days is above the maximum interval "
                f"{settings.maximum_interval} (maximumInterval)",
            ))
        for key, message in problems:
            yield ctx.diagnostic(
                ScheduleValueOutOfRange, note.path, _frontmatter_key_span(note, ctx, key), message
            )
    if review.due is not None and ctx.enabled(OverdueNoteReview):
        late = (ctx.today - review.due).days
        if late > grace:
            yield ctx.diagnostic(
                OverdueNoteReview, note.path, _frontmatter_key_span(note, ctx, "sr-due"),
                f"note review overdue by {_days(late)} (sr-due {review.due.isoformat()})",
                data={"due": review.due.isoformat(), "days_overdue": late},
            )


@checker(
    OverdueCard, OverdueNoteReview, MalformedSchedule, ScheduleValueOutOfRange,
    ScheduleCountMismatch, OrphanSchedule, ScheduleInUntaggedNote,
)
def check_schedules(note: Note, ctx) -> Iterable:
    settings = getattr(ctx.vault, "sr_settings", None)
    if not isinstance(settings, SRSettings):
        settings = SRSettings()
    grace = ctx.memo.get("sr.grace")
    if grace is None:
        grace = ctx.memo["sr.grace"] = _grace_days(ctx)
    tags = [tag.name for tag in note.tags]
    for comment in note.schedules:
        yield from _check_comment(note, ctx, comment, settings, grace)
    if note.schedules:
        if holds_cards(tags, note.path, settings):
            yield from _check_cards(note, ctx)
        elif ctx.enabled(ScheduleInUntaggedNote):
            count = len(note.schedules)
            if any(tag_matches(tag, settings.flashcard_tags) for tag in tags):
                why = "a note excluded by flashcardTagsToIgnore or noteFoldersToIgnore"
            else:
                why = f"a note without a flashcard tag ({', '.join(settings.flashcard_tags) or 'none configured'})"
            yield ctx.diagnostic(
                ScheduleInUntaggedNote, note.path, note.schedules[0].span,
                f"{count} schedule comment{'s' if count != 1 else ''} in {why}: "
                "the Spaced Repetition plugin does not review these cards",
            )
    # Without any sr-* key the note review has nothing to say: skip the tag test.
    if _has_review_keys(note.frontmatter) and in_review_queue(tags, note.path, settings):
        yield from _check_note_review(note, ctx, settings, grace)


def _has_review_keys(frontmatter) -> bool:
    """False when ``parse_note_review`` would find the review absent for want of keys."""
    if not isinstance(frontmatter, Mapping):
        return True  # let parse_note_review decide
    return any(key in frontmatter for key in REVIEW_KEYS)
