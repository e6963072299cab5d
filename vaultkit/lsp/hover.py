"""Hover: a link previews its target (opening lines, backlink count); a torch
name shows its signature and docstring summary; a Spaced Repetition schedule
says when it is due."""

from __future__ import annotations

import datetime as _dt
import re
from typing import TYPE_CHECKING

from lsprotocol import types

from . import lookup, navigation

if TYPE_CHECKING:
    from .server import VaultkitServer

PREVIEW_LINES = 8
_NAME = re.compile(r"[A-Za-z_][\w.]*")


def _markdown(text: str, rng: types.Range) -> types.Hover:
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text), range=rng)


async def hover(ls: "VaultkitServer", params: types.HoverParams, today: _dt.date | None = None):
    doc = await lookup.document(ls, params.text_document.uri)
    if doc is None:
        return None
    line, col = doc.position(params.position)
    if (link := lookup.at(doc.note.links, line, col)) is not None:
        return _markdown(_link_text(doc, link), doc.range(link.span))
    if (schedule := lookup.at(doc.note.schedules, line, col)) is not None:
        text = schedule_text(schedule.body, today or _dt.date.today())
        if text:
            return _markdown(text, doc.range(schedule.span))
    return _api_hover(ls, doc, line, col)


def _preview(lines: list[str]) -> list[str]:
    body = lines
    if lines and lines[0].strip() == "---":
        for index, text in enumerate(lines[1:], 1):
            if text.strip() in ("---", "..."):
                body = lines[index + 1 :]
                break
    while body and not body[0].strip():
        body = body[1:]
    return body[:PREVIEW_LINES]


def _link_text(doc, link) -> str:
    targets = navigation._targets(doc, link)
    if not targets:
        return f"No note or file named `{link.target}` in this vault."
    if len(targets) > 1:
        return "Ambiguous link; it could open:\n\n" + "\n".join(f"- `{p}`" for p in targets)
    path = targets[0]
    if path not in doc.vault.notes:
        return f"`{path}` (attachment)"
    backlinks = len({source for source, _ in doc.vault.backlinks(path)})
    lines = doc.lines_of(path)
    start = navigation.anchor_span(doc.vault, path, link).line if link.anchor else 0
    preview = _preview(lines[start:] if start else lines)
    noun = "note links" if backlinks == 1 else "notes link"
    return f"**{path}** · {backlinks} {noun} here\n\n---\n\n" + "\n".join(preview)


def schedule_text(body: str, today: _dt.date) -> str:
    from ..sr.schedule import Segment, parse_schedule

    parts = []
    for item in parse_schedule(body):
        if not isinstance(item, Segment):
            parts.append(f"unreadable: {item.message}")
        elif item.due is None:
            parts.append("new card, not yet reviewed")
        else:
            days = (item.due - today).days
            if days > 0:
                parts.append(f"due in {days} day{'s' if days != 1 else ''} ({item.due.isoformat()})")
            elif days == 0:
                parts.append(f"due today ({item.due.isoformat()})")
            else:
                parts.append(f"overdue by {-days} day{'s' if days != -1 else ''} (due {item.due.isoformat()})")
    if len(parts) == 1:
        return f"Spaced repetition: {parts[0]}"
    return "Spaced repetition:\n\n" + "\n".join(f"- card {n}: {p}" for n, p in enumerate(parts, 1))


def _api_hover(ls, doc, line: int, col: int):
    text = doc.lines[line] if line < len(doc.lines) else ""
    for match in _NAME.finditer(text):
        if match.start() <= col <= match.end():
            break
    else:
        return None
    config = doc.vault_state.config
    aliases = config.option("api", "aliases") or {}
    roots = set(aliases) | set((config.option("api", "modules") or {}).keys())
    name = match.group(0).rstrip(".")
    # Hover the part up to the cursor's segment: "nn.Linear" of "nn.Linear.weight" when on Linear.
    end = text.find(".", col)
    if match.start() <= end < match.end():
        name = text[match.start() : end]
    if name.split(".", 1)[0] not in roots or "." not in name:
        return None
    index = ls.state.api_index(config)
    entry = index.get(name, aliases) if index is not None else None
    if entry is None:
        return None
    head = f"```python\n{entry.name}{entry.signature}\n```"
    extra = f"\n\n**Deprecated**; use `{entry.replacement}`." if entry.deprecated and entry.replacement else ""
    rng = types.Range(
        start=types.Position(line, _client(doc, line, match.start())),
        end=types.Position(line, _client(doc, line, match.start() + len(name))),
    )
    return _markdown(f"{head}\n\n{entry.summary}{extra}", rng)


def _client(doc, line: int, col: int) -> int:
    from . import convert

    return convert.col_to_client(doc.lines[line], col, doc.encoding)
