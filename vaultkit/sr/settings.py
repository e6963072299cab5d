"""The SR plugin's settings, read from its ``data.json`` (reference B1).

The plugin stores ``{"settings": {...}, "buryDate": ..., ...}`` in
``.obsidian/plugins/obsidian-spaced-repetition/data.json``; a missing key falls
back to the plugin's default.  A value of the wrong type also falls back to the
default (the plugin would misbehave on it) and is named in the problem message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_JSON = ".obsidian/plugins/obsidian-spaced-repetition/data.json"

# Patterns the plugin rebuilds from its older boolean switches when a
# data.json has no "clozePatterns" (settings.ts in the plugin).
HIGHLIGHT_CLOZE = "==[123;;]answer[;;hint]=="
BOLD_CLOZE = "**[123;;]answer[;;hint]**"
CURLY_CLOZE = "{{[123;;]answer[;;hint]}}"


@dataclass(frozen=True)
class SRSettings:
    """The plugin settings vaultkit needs; defaults are the plugin's."""

    single_line_separator: str = "::"
    single_line_reversed_separator: str = ":::"
    multiline_separator: str = "?"
    multiline_reversed_separator: str = "??"
    multiline_end_marker: str = ""
    cloze_patterns: tuple[str, ...] = (HIGHLIGHT_CLOZE,)
    flashcard_tags: tuple[str, ...] = ("#flashcards",)
    flashcard_tags_to_ignore: tuple[str, ...] = ()
    tags_to_review: tuple[str, ...] = ("#review",)
    note_tags_to_ignore: tuple[str, ...] = ()
    note_folders_to_ignore: tuple[str, ...] = ("**/*.excalidraw.md",)
    convert_folders_to_decks: bool = False
    card_comment_on_same_line: bool = False
    algorithm: str = "SM-2-OSR"
    base_ease: int = 250
    maximum_interval: int = 36525


# data.json key -> (field name, expected kind)
_KEYS: dict[str, tuple[str, str]] = {
    "singleLineCardSeparator": ("single_line_separator", "str"),
    "singleLineReversedCardSeparator": ("single_line_reversed_separator", "str"),
    "multilineCardSeparator": ("multiline_separator", "str"),
    "multilineReversedCardSeparator": ("multiline_reversed_separator", "str"),
    "multilineCardEndMarker": ("multiline_end_marker", "str"),
    "clozePatterns": ("cloze_patterns", "strs"),
    "flashcardTags": ("flashcard_tags", "strs"),
    "flashcardTagsToIgnore": ("flashcard_tags_to_ignore", "strs"),
    "tagsToReview": ("tags_to_review", "strs"),
    "noteTagsToIgnore": ("note_tags_to_ignore", "strs"),
    "noteFoldersToIgnore": ("note_folders_to_ignore", "strs"),
    "convertFoldersToDecks": ("convert_folders_to_decks", "bool"),
    "cardCommentOnSameLine": ("card_comment_on_same_line", "bool"),
    "algorithm": ("algorithm", "str"),
    "baseEase": ("base_ease", "int"),
    "maximumInterval": ("maximum_interval", "int"),
}

_KIND_WORDS = {
    "str": "a string",
    "strs": "a list of strings",
    "bool": "true or false",
    "int": "a number",
}


def _convert(value: Any, kind: str) -> Any:
    """The value as the dataclass stores it, or raise ValueError."""
    if kind == "str" and isinstance(value, str):
        return value
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "int" and isinstance(value, (int, float)) and not isinstance(value, bool):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError
        return int(value)
    if kind == "strs" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError


def settings_from_dict(data: Any, source: str = DATA_JSON) -> tuple[SRSettings, list[str]]:
    """Settings from the parsed JSON document; problems name the bad keys."""
    problems: list[str] = []
    if not isinstance(data, dict):
        return SRSettings(), [f"{source}: expected a JSON object at the top level"]
    raw = data.get("settings", {})
    if not isinstance(raw, dict):
        return SRSettings(), [f'{source}: "settings" must be a JSON object; using the plugin defaults']
    values: dict[str, Any] = {}
    for key, (name, kind) in _KEYS.items():
        if key not in raw:
            continue
        try:
            values[name] = _convert(raw[key], kind)
        except ValueError:
            problems.append(
                f'{source}: settings.{key} must be {_KIND_WORDS[kind]}, got {json.dumps(raw[key])}; '
                f"using the default"
            )
    if "clozePatterns" not in raw:
        # Older data.json files only have the convert*ToClozes switches.
        patterns = []
        if raw.get("convertHighlightsToClozes", True) is not False:
            patterns.append(HIGHLIGHT_CLOZE)
        if raw.get("convertBoldTextToClozes", False) is True:
            patterns.append(BOLD_CLOZE)
        if raw.get("convertCurlyBracketsToClozes", False) is True:
            patterns.append(CURLY_CLOZE)
        values["cloze_patterns"] = tuple(patterns)
    return SRSettings(**values), problems


def load_sr_settings(vault_root: Path) -> tuple[SRSettings, str | None]:
    """The vault's SR settings and a problem message (None when all is well).

    A missing file means the plugin defaults, silently.  An unreadable or
    invalid file also gives the defaults, with a message naming the file and,
    for bad JSON, the line and column of the error.
    """
    path = Path(vault_root) / DATA_JSON
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return SRSettings(), None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return SRSettings(), f"{DATA_JSON}: cannot read: {reason}; using the plugin defaults"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return SRSettings(), (
            f"{DATA_JSON}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}; "
            f"using the plugin defaults"
        )
    except RecursionError:
        return SRSettings(), f"{DATA_JSON}: invalid JSON: nested too deeply; using the plugin defaults"
    settings, problems = settings_from_dict(data)
    return settings, ("; ".join(problems) if problems else None)
