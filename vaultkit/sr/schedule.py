"""Reading SR schedules: ``<!--SR:...-->`` comment bodies and note-review frontmatter.

Reference sections B4 (comments as read), B6 (note review) and B9 (FSRS).
The plugin is lenient (it reads numbers with JavaScript's ``parseInt`` and
silently drops segments it cannot read, which loses the card's history);
vaultkit reads the same values but reports every field the plugin would
misread, with its offset in the comment body so a check can point at it.

Nothing here raises on any input.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from typing import Any, Mapping, NamedTuple

# The date the plugin writes for a sibling that was never reviewed (B5).
PLACEHOLDER_DATE = _dt.date(2000, 1, 1)
FSRS_PREFIX = "fsrs"
FSRS_STATES = {0: "New", 1: "Learning", 2: "Review", 3: "Relearning"}

# JavaScript's String.prototype.trim() whitespace (Python's str.strip differs).
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


class Segment(NamedTuple):
    """One readable schedule in a comment: one sibling card."""

    index: int  # position in the comment, 0-based (sibling order)
    offset: int  # start of the segment text in the comment body
    text: str  # the segment as written, trimmed
    kind: str  # "sm2" | "fsrs"
    due: _dt.date | None  # None: a new card (placeholder date 2000-01-01)
    interval: float
    ease: int | None = None  # SM-2 only
    stability: float | None = None  # FSRS only
    difficulty: float | None = None  # FSRS only
    state: int | None = None  # FSRS only

    @property
    def is_new(self) -> bool:
        return self.due is None


class SegmentError(NamedTuple):
    """A field the plugin cannot read (or reads differently from what is written)."""

    index: int  # the segment's position in the comment
    offset: int  # start of the bad text in the comment body
    text: str  # the bad text (a field, or the whole segment)
    field: str  # "segment" | "date" | "interval" | "ease" | FSRS field names
    message: str


def js_trim(text: str) -> str:
    return text.strip(JS_WHITESPACE)


_INT_PREFIX = re.compile(r"[+-]?\d+")
_HEX = re.compile(r"([+-]?)0[xX]([0-9a-fA-F]+)")
_FLOAT_PREFIX = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)")
_CLEAN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def js_parse_int(text: str) -> int | None:
    """JavaScript ``parseInt(text)``: the leading integer, None for NaN."""
    text = text.lstrip(JS_WHITESPACE)
    hex_match = _HEX.match(text)
    if hex_match:
        value = int(hex_match.group(2), 16)
        return -value if hex_match.group(1) == "-" else value
    match = _INT_PREFIX.match(text)
    return int(match.group()) if match else None


def js_parse_float(text: str) -> float | None:
    """JavaScript ``parseFloat(text)``: the leading number, None for NaN."""
    text = text.lstrip(JS_WHITESPACE)
    if text.startswith(("Infinity", "+Infinity")):
        return float("inf")
    if text.startswith("-Infinity"):
        return float("-inf")
    match = _FLOAT_PREFIX.match(text)
    return float(match.group()) if match else None


# --- dates -------------------------------------------------------------------

_YMD = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DDD_MMM = re.compile(r"([A-Za-z]{3}) ([A-Za-z]{3}) (\d{1,2}) (\d{4})")


def _calendar_date(year: int, month: int, day: int, written: str) -> tuple[_dt.date | None, str | None]:
    if not 1 <= month <= 12:
        return None, f"{written!r} is not a calendar date (there is no month {month})"
    if year < 1:
        return None, f"{written!r} is not a calendar date (there is no year {year})"
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        name = calendar.month_name[month]
        return None, f"{written!r} is not a calendar date ({name} {year} has {last} days)"
    return _dt.date(year, month, day), None


def parse_sr_date(text: str) -> tuple[_dt.date | None, str | None]:
    """A schedule date in one of the plugin's formats (B4), or an error message.

    Formats: ``YYYY-MM-DD`` (what the plugin writes), ``DD-MM-YYYY`` and
    ``ddd MMM DD YYYY``.  The plugin's date library is more lenient with
    trailing text; vaultkit reports such dates rather than guess.
    """
    written = js_trim(text)
    if not written:
        return None, "the due date is missing"
    match = _YMD.fullmatch(written)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return _calendar_date(year, month, day, written)
    match = _DMY.fullmatch(written)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return _calendar_date(year, month, day, written)
    match = _DDD_MMM.fullmatch(written)
    if match and match.group(1).lower() in _WEEKDAYS and match.group(2).lower() in _MONTHS:
        month = _MONTHS.index(match.group(2).lower()) + 1
        return _calendar_date(int(match.group(4)), month, int(match.group(3)), written)
    return None, f"{written!r} is not a date (expected YYYY-MM-DD)"


def parse_iso_instant(text: str) -> _dt.datetime | None:
    """An FSRS timestamp (ISO 8601, as ts-fsrs writes it), or None."""
    written = js_trim(text)
    if not written or not written[:1].isdigit():
        return None
    try:
        return _dt.datetime.fromisoformat(written)
    except ValueError:
        return None


# --- numbers -------------------------------------------------------------------


def _number_error(value: str, name: str, parsed: float | None) -> str | None:
    """Why ``value`` is not a clean number, or None when it is."""
    written = js_trim(value)
    if not written:
        return f"the {name} is missing"
    if _CLEAN_NUMBER.fullmatch(written):
        return None
    if parsed is None:
        return f"{name} {written!r} is not a number"
    shown = int(parsed) if float(parsed).is_integer() else parsed
    return f"{name} {written!r} is not a number (the plugin reads it as {shown})"


# --- comment bodies ------------------------------------------------------------


def split_segments(body: str) -> list[tuple[int, str]]:
    """The plugin's split: on ``!``, trimmed, empty pieces dropped; with offsets."""
    pieces: list[tuple[int, str]] = []
    start = 0
    for raw in body.split("!"):
        trimmed = js_trim(raw)
        if trimmed:
            lead = len(raw) - len(raw.lstrip(JS_WHITESPACE))
            pieces.append((start + lead, trimmed))
        start += len(raw) + 1
    return pieces


def _fields(text: str, offset: int) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    start = offset
    for raw in text.split(","):
        out.append((start, raw))
        start += len(raw) + 1
    return out


def _error(index: int, offset: int, text: str, field: str, message: str) -> SegmentError:
    return SegmentError(index, offset, text, field, message)


def _parse_sm2(index: int, offset: int, text: str) -> list[Segment | SegmentError]:
    parts = _fields(text, offset)
    if len(parts) != 3:
        return [
            _error(
                index, offset, text, "segment",
                f"schedule {text!r} has {len(parts)} field{'s' if len(parts) != 1 else ''}; "
                "expected 3 (due date, interval, ease)",
            )
        ]
    errors: list[Segment | SegmentError] = []
    (date_at, date_text), (ivl_at, ivl_text), (ease_at, ease_text) = parts
    due, date_problem = parse_sr_date(date_text)
    if date_problem:
        errors.append(_error(index, date_at, date_text, "date", date_problem))
    interval = js_parse_int(ivl_text)
    problem = _number_error(ivl_text, "interval", interval)
    if problem:
        errors.append(_error(index, ivl_at, ivl_text, "interval", problem))
    ease = js_parse_int(ease_text)
    problem = _number_error(ease_text, "ease", ease)
    if problem:
        errors.append(_error(index, ease_at, ease_text, "ease", problem))
    if due == PLACEHOLDER_DATE:
        # The plugin ignores the rest of a never-reviewed sibling's segment.
        return [Segment(index, offset, text, "sm2", None, float(interval or 1), ease)]
    if errors:
        return errors
    return [Segment(index, offset, text, "sm2", due, float(interval), ease)]


_FSRS_FIELDS = (
    "algorithm", "due", "interval", "stability", "difficulty",
    "state", "reps", "lapses", "learning steps", "last review",
)


def _parse_fsrs(index: int, offset: int, text: str) -> list[Segment | SegmentError]:
    parts = _fields(text, offset)
    if len(parts) != len(_FSRS_FIELDS):
        return [
            _error(
                index, offset, text, "segment",
                f"FSRS schedule has {len(parts)} fields; expected {len(_FSRS_FIELDS)} "
                "(fsrs, due, interval, stability, difficulty, state, reps, lapses, "
                "learning steps, last review)",
            )
        ]
    errors: list[Segment | SegmentError] = []
    values: dict[str, Any] = {}
    for name, (at, raw) in zip(_FSRS_FIELDS[1:], parts[1:]):
        if name in ("due", "last review"):
            if name == "last review" and js_trim(raw) == "-":
                continue
            instant = parse_iso_instant(raw)
            if instant is None:
                message = (
                    f"the {name} timestamp is missing" if not js_trim(raw)
                    else f"{name} {js_trim(raw)!r} is not an ISO timestamp"
                )
                errors.append(_error(index, at, raw, name, message))
            values[name] = instant
            continue
        reader = js_parse_float if name in ("interval", "stability", "difficulty") else js_parse_int
        number = reader(raw)
        problem = _number_error(raw, name, number)
        if problem:
            errors.append(_error(index, at, raw, name, problem))
        elif name == "state" and number not in FSRS_STATES:
            errors.append(
                _error(
                    index, at, raw, name,
                    f"state {js_trim(raw)} is not an FSRS state "
                    "(0 New, 1 Learning, 2 Review, 3 Relearning)",
                )
            )
        values[name] = number
    if errors:
        return errors
    return [
        Segment(
            index, offset, text, "fsrs", values["due"].date(), float(values["interval"]),
            None, float(values["stability"]), float(values["difficulty"]), int(values["state"]),
        )
    ]


# What the plugin itself writes: "!YYYY-MM-DD,interval,ease" once per sibling.
_CANONICAL_BODY = re.compile(r"(?:!\d{4}-\d\d-\d\d,\d{1,6},\d{1,6})+")
_CANONICAL_SEGMENT = re.compile(r"!((\d{4}-\d\d-\d\d),(\d{1,6}),(\d{1,6}))")


def _parse_canonical(body: str) -> list[Segment] | None:
    """The common case read directly (the general reader takes ~50 us a comment and a
    10k-note vault has ~22k comments); None when anything needs the general reader."""
    if not _CANONICAL_BODY.fullmatch(body):
        return None
    out = []
    for index, m in enumerate(_CANONICAL_SEGMENT.finditer(body)):
        text, date, interval, ease = m.groups()
        try:  # not date.fromisoformat: \d also admits non-ASCII digits, which int() reads
            due = _dt.date(int(date[:4]), int(date[5:7]), int(date[8:]))
        except ValueError:
            return None  # an impossible date: the general reader explains it
        if due == PLACEHOLDER_DATE:
            due = None
        out.append(Segment(index, m.start(1), text, "sm2", due, float(interval), int(ease)))
    return out


def parse_schedule(body: str) -> list[Segment | SegmentError]:
    """Read a ``<!--SR:...-->`` body: one result per segment, or errors for it.

    Handles SM-2 (``!2025-02-22,3,250``), the legacy form without ``!``
    (``2021-08-11,4,270``), FSRS segments (``!fsrs,...``) and several segments
    in one comment.  A segment with several bad fields gives several errors
    with the same ``index``; offsets are positions in ``body``.
    """
    fast = _parse_canonical(body)
    if fast is not None:
        return fast
    results: list[Segment | SegmentError] = []
    try:
        for index, (offset, text) in enumerate(split_segments(body)):
            if text.startswith(FSRS_PREFIX + ","):
                results.extend(_parse_fsrs(index, offset, text))
            elif text[:1].isdigit() or text[:3].lower() in _WEEKDAYS:
                results.extend(_parse_sm2(index, offset, text))
            else:
                results.append(
                    _error(
                        index, offset, text, "segment",
                        f"unknown schedule format {text!r} (expected YYYY-MM-DD,interval,ease "
                        "or fsrs,...)",
                    )
                )
    except Exception as exc:  # never let odd text crash a check; say what happened
        results.append(_error(0, 0, body, "segment", f"unreadable schedule: {exc}"))
    return results


def segment_count(results: list[Segment | SegmentError]) -> int:
    """How many siblings the comment schedules (readable or not)."""
    return len({item.index for item in results})


# --- note review ---------------------------------------------------------------

REVIEW_KEYS = ("sr-due", "sr-interval", "sr-ease")


class NoteReview(NamedTuple):
    """A note's review schedule from its frontmatter (B6)."""

    status: str  # "absent" | "new" | "scheduled" | "invalid"
    due: _dt.date | None = None
    interval: float | None = None
    ease: float | None = None
    problems: tuple[tuple[str, str], ...] = ()  # (frontmatter key, message)


def _js_string(value: Any) -> str:
    """``String(value)`` as the plugin sees a frontmatter value (first of a list)."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _truthy(value: Any) -> bool:
    if isinstance(value, list):  # JavaScript arrays are truthy even when empty
        return True
    if isinstance(value, float) and value != value:
        return False
    return bool(value)


def parse_note_review(frontmatter: Mapping[str, Any]) -> NoteReview:
    """The note's ``sr-due``/``sr-interval``/``sr-ease``, read as the plugin reads them.

    All three present and truthy: a scheduled note.  Otherwise the plugin
    treats the note as new; a partial set is reported, except a lone
    ``sr-due: true`` which real vaults use to mean "review me".
    """
    try:
        if not isinstance(frontmatter, Mapping):
            return NoteReview("absent")
        present = [key for key in REVIEW_KEYS if key in frontmatter]
        if not present:
            return NoteReview("absent")
        truthy = [key for key in REVIEW_KEYS if key in frontmatter and _truthy(frontmatter[key])]
        if len(truthy) < 3:
            if present == ["sr-due"] and frontmatter["sr-due"] is True:
                return NoteReview("new")
            missing = [key for key in REVIEW_KEYS if key not in truthy]
            message = (
                f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing or empty; "
                "the plugin treats the note as never reviewed"
            )
            return NoteReview("new", problems=((present[0], message),))
        problems: list[tuple[str, str]] = []
        due, date_problem = parse_sr_date(_js_string(frontmatter["sr-due"]))
        if date_problem:
            problems.append(("sr-due", f"sr-due {date_problem}"))
        numbers: dict[str, float | None] = {}
        for key in ("sr-interval", "sr-ease"):
            text = _js_string(frontmatter[key])
            numbers[key] = js_parse_float(text)
            problem = _number_error(text, key, numbers[key])
            if problem:
                problems.append((key, problem))
        if problems:
            return NoteReview("invalid", due, numbers["sr-interval"], numbers["sr-ease"], tuple(problems))
        return NoteReview("scheduled", due, numbers["sr-interval"], numbers["sr-ease"])
    except Exception as exc:  # odd YAML values must never crash a check
        return NoteReview("invalid", problems=(("sr-due", f"unreadable review schedule: {exc}"),))
