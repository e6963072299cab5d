"""YAML frontmatter: the ``---`` block on line 1, its aliases and tags."""

from __future__ import annotations

import datetime as _dt
import functools
import re
from typing import Any

from ..model import FrontmatterError, Tag
from ..span import Span


@functools.lru_cache(maxsize=1)
def _yaml():
    """PyYAML and a loader for it, imported on the first frontmatter the simple
    reader cannot take (importing yaml costs ~20 ms of every short run)."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is 5-10x faster when available

    class Loader(base):  # type: ignore[misc, valid-type]
        """Safe loading, but dates stay the text that was written (as in Obsidian's
        properties): ``sr-due: 2026-02-30`` is then a schedule to report, not a crash."""

    Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
    return yaml, Loader


def frontmatter_end(lines: list[str]) -> int:
    """Index of the closing ``---`` line, or -1 when the note has no frontmatter.

    Only a ``---`` on the very first line opens frontmatter (reference A1).
    """
    if not lines or lines[0].rstrip() != "---":
        return -1
    for i in range(1, len(lines)):
        stripped = lines[i].rstrip()
        if stripped == "---" or stripped == "...":
            return i
    return -1


def _plain(value: Any) -> Any:
    """YAML values as JSON-friendly data (dates become ISO strings)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return value


# -- a fast path for the frontmatter notes actually have -------------------------------
# `key: value`, `key: [a, "b c"]` and `key:` followed by `  - item` lines with
# plain or simply quoted strings make up nearly all real frontmatter.  Reading
# those directly is several times faster than a YAML parse (a sixth of the
# whole parse time at 10k notes); anything else, or anything YAML would type
# as other than a string (numbers, booleans, null), goes to the YAML parser.
_KEY = re.compile(r"([A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+(.*?))?[ \t]*")
_ITEM = re.compile(r"[ \t]+-[ \t]+(.*?)[ \t]*")
_PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`](?:[^:#\t]|:(?=\S)|(?<=\S)#)*")
_NOT_STRING = re.compile(
    r"[-+]?(?:\d[\d_]*(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+|0[xXoObB][\da-fA-F_]+|\.(?:inf|nan))"
    r"|(?:y|n|yes|no|true|false|on|off|null|~)",
    re.IGNORECASE,
)
_QUOTED = re.compile(r'"([^"\\]*)"')
_FLOW_INDICATORS = re.compile(r"[\[\]{}]")


def _scalar(text: str):
    """The string a simple YAML scalar stands for, or None when it needs the real parser."""
    quoted = _QUOTED.fullmatch(text)
    if quoted:
        return quoted.group(1)
    if _PLAIN.fullmatch(text) and not _NOT_STRING.fullmatch(text) and not text.endswith(":"):
        return text.rstrip()
    return None


def _simple_yaml(lines: list[str]) -> dict | None:
    data: dict = {}
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        m = _KEY.fullmatch(line)
        if m is None or m.group(1) in data:
            return None
        key, value = m.group(1), m.group(2)
        if not value:
            items = []
            while i < n and lines[i].strip():
                item = _ITEM.fullmatch(lines[i])
                if item is None:
                    break
                text = _scalar(item.group(1))
                if text is None:
                    return None
                items.append(text)
                i += 1
            if not items:
                return None  # null, a nested mapping, or an unindented list: YAML decides
            data[key] = items
        elif value.startswith("[") and value.endswith("]"):
            inner = value[1:-1].strip()
            items = []
            if inner:
                for part in inner.split(","):
                    part = part.strip()
                    text = _scalar(part) if not _FLOW_INDICATORS.search(part) else None
                    if text is None:
                        return None
                    items.append(text)
            data[key] = items
        else:
            text = _scalar(value)
            if text is None:
                return None
            data[key] = text
    return data


def parse_frontmatter(lines: list[str], end: int) -> tuple[dict, FrontmatterError | None]:
    simple = _simple_yaml(lines[1:end])
    if simple is not None:
        return simple, None
    source = "\n".join(lines[1:end])
    if not source.strip():
        return {}, None
    yaml, loader = _yaml()
    try:
        data = yaml.load(source, Loader=loader)  # noqa: S506 - CSafeLoader/SafeLoader only
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or (str(exc).splitlines() or [type(exc).__name__])[0]
        line = 1 + (mark.line if mark else 0)
        col = mark.column if mark else 0
        line = min(line, end - 1) if end > 1 else 0
        text = lines[line] if line < len(lines) else ""
        col = min(col, len(text))
        return {}, FrontmatterError(
            f"frontmatter is not valid YAML: {problem}", Span(line, col, line, max(col + 1, len(text)))
        )
    if data is None:
        return {}, None
    if not isinstance(data, dict):
        return {}, FrontmatterError(
            f"frontmatter must be a mapping of properties, not a {type(data).__name__}",
            Span(1, 0, end - 1, len(lines[end - 1])) if end > 1 else Span(0, 0, 0, 3),
        )
    return _plain(data), None


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in re.split(r"[,\s]+", value) if v]
    if isinstance(value, (list, tuple)):
        out: list[str] = []
        for item in value:
            if isinstance(item, str):
                out.extend(v for v in re.split(r"[,\s]+", item) if v)
            elif item is not None:
                out.append(str(item))
        return out
    return [str(value)]


def aliases_of(data: dict) -> tuple[str, ...]:
    """``aliases:`` as a list (the singular ``alias`` key was dropped in Obsidian 1.9)."""
    value = data.get("aliases")
    if isinstance(value, str):
        return (value.strip(),) if value.strip() else ()
    if isinstance(value, list):
        return tuple(str(v).strip() for v in value if v is not None and str(v).strip())
    return ()


_TAGS_KEY = re.compile(r"tags\s*:")


def frontmatter_tags(data: dict, lines: list[str], end: int) -> list[Tag]:
    """Tags from ``tags:``, located on the frontmatter line that names them."""
    names = [t.lstrip("#") for t in _as_list(data.get("tags"))]
    tags = []
    key_line = next((i for i in range(1, end) if _TAGS_KEY.match(lines[i])), 1)
    search_from = key_line
    for name in names:
        if not name:
            continue
        span = None
        for i in range(search_from, end):
            col = lines[i].find(name)
            if col >= 0:
                span = Span(i, col, i, col + len(name))
                break
        if span is None:
            span = Span(key_line, 0, key_line, len(lines[key_line]) if key_line < len(lines) else 0)
        tags.append(Tag(name, span, "frontmatter"))
    return tags
