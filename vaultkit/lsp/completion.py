"""Completion: note names (and aliases) after ``[[``, headings after ``#``,
block ids after ``^``, tags after ``#`` in text, torch names after ``nn.``,
``F.``, ``torch.``, ``optim.``.

Note names are filtered here, not by the client: a 10k-note vault must not
send 10k items per keystroke (Foam's 5-10 s completion).
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from lsprotocol import types

from . import convert, lookup

if TYPE_CHECKING:
    from .server import VaultkitServer

MAX_ITEMS = 50

_WIKILINK = re.compile(r"!?\[\[([^\[\]]*)$")
_TAG = re.compile(r"(?:^|(?<=\s))#([^\s#\[\]|,.;:!?()'\"`]*)$")
_DOTTED = re.compile(r"(?<![\w.])([A-Za-z_]\w*(?:\.\w+)*)\.(\w*)$")

_KINDS = {
    "module": types.CompletionItemKind.Module,
    "class": types.CompletionItemKind.Class,
    "function": types.CompletionItemKind.Function,
    "property": types.CompletionItemKind.Property,
    "attribute": types.CompletionItemKind.Field,
}


def _rank(query: str, text: str) -> int | None:
    """0 prefix, 1 substring, 2 subsequence, None no match (case-insensitive)."""
    if not query:
        return 0
    if text.startswith(query):
        return 0
    if query in text:
        return 1
    at = 0
    for char in query:
        at = text.find(char, at)
        if at < 0:
            return None
        at += 1
    return 2


class _NameIndex:
    """Notes' names, paths and aliases, rebuilt when the vault's note set changes."""

    def __init__(self) -> None:
        self.key = None
        # (shown text, its casefold, path, alias); folded once per rebuild, not per keystroke
        self.entries: list[tuple[str, str, str, str | None]] = []
        self.by_length: list[tuple[str, str, str, str | None]] = []  # for an empty query
        self.ambiguous: set[str] = set()

    def get(self, vault_state) -> "_NameIndex":
        vault = vault_state.vault
        key = (id(vault), vault_state.generation)
        if key != self.key:
            seen: dict[str, int] = {}
            entries = []
            for path, note in list(vault.notes.items()):
                folded = note.name.casefold()
                seen[folded] = seen.get(folded, 0) + 1
                entries.append((note.name, folded, path, None))
                for alias in note.aliases:
                    entries.append((alias, alias.casefold(), path, alias))
            self.entries = entries
            self.by_length = sorted(entries, key=lambda e: (len(e[0]), e[1]))[:MAX_ITEMS]
            self.ambiguous = {name for name, count in seen.items() if count > 1}
            self.key = key
        return self


_names = _NameIndex()


def _link_text(path: str, ambiguous: set[str]) -> str:
    base = path.rsplit("/", 1)[-1][:-3]
    return path[:-3] if base.casefold() in ambiguous else base


async def complete(ls: "VaultkitServer", params: types.CompletionParams):
    uri = params.text_document.uri
    path = convert.uri_to_path(uri)
    if path is None:
        return None
    found = ls.state.lookup(path)
    if found is None:  # the vault is still loading: wait for it rather than answer nothing
        found = await asyncio.get_running_loop().run_in_executor(ls.state.executor, ls.state.vault_for, path)
    if found is None:
        return None
    vault_state, rel = found
    doc = lookup.open_document(ls, uri)
    lines = list(doc.lines) if doc is not None else ls.state.lines_of(vault_state, rel)
    encoding = ls.encoding
    line_no = params.position.line
    if line_no >= len(lines):
        return None
    text = lines[line_no].rstrip("\r\n")
    col = convert.col_from_client(text, params.position.character, encoding)
    prefix, suffix = text[:col], text[col:]

    def edit_range(start_col: int) -> types.Range:
        return types.Range(
            start=types.Position(line_no, convert.col_to_client(text, start_col, encoding)),
            end=params.position,
        )

    if (m := _WIKILINK.search(prefix)) is not None:
        query = m.group(1)
        if "|" in query:
            return None  # typing the alias
        close = "" if suffix.startswith("]]") else "]]"
        start = m.start(1)
        if "#" in query:
            target, _, anchor = query.partition("#")
            hash_col = start + len(target) + 1
            return _anchors(ls, vault_state, rel, target, anchor, edit_range(hash_col), close)
        return _notes(vault_state, query, edit_range(start), close)
    if (m := _DOTTED.search(prefix)) is not None:
        result = _api(ls, vault_state, m.group(1), m.group(2), edit_range(m.start(2)))
        if result is not None:
            return result
    if (m := _TAG.search(prefix)) is not None:
        return _tags(vault_state, m.group(1), edit_range(m.start(1)))
    return None


def _notes(vault_state, query: str, rng: types.Range, close: str) -> types.CompletionList:
    index = _names.get(vault_state)
    folded = query.strip().casefold()
    scored = []
    if not folded:
        scored = [(0, len(s), f, s, p, a) for s, f, p, a in index.by_length]
        more = len(index.entries) > len(scored)
    else:
        for shown, low, path, alias in index.entries:
            rank = _rank(folded, low)
            if rank is None and "/" in folded:
                rank = _rank(folded, path.casefold())
            if rank is not None:
                scored.append((rank, len(shown), low, shown, path, alias))
        scored.sort()
        more = len(scored) > MAX_ITEMS
    items = []
    for n, (rank, _, _, shown, path, alias) in enumerate(scored[:MAX_ITEMS]):
        target = _link_text(path, index.ambiguous)
        new_text = f"{target}|{alias}" if alias else target
        items.append(
            types.CompletionItem(
                label=shown,
                kind=types.CompletionItemKind.Reference if alias else types.CompletionItemKind.File,
                detail=f"alias of {target}" if alias else path,
                text_edit=types.TextEdit(range=rng, new_text=new_text + close),
                filter_text=query if rank == 2 else shown,
                sort_text=f"{n:04d}",
            )
        )
    return types.CompletionList(is_incomplete=more, items=items)


def _anchors(ls, vault_state, rel: str, target: str, anchor: str, rng, close: str):
    vault = vault_state.vault
    path = rel
    if target:
        resolution = vault.resolve(target, rel)
        if resolution.status != "resolved" or resolution.path not in vault.notes:
            return None
        path = resolution.path
    note = vault.notes[path]
    items = []
    if anchor.startswith("^"):
        for block in note.block_ids:
            items.append(
                types.CompletionItem(
                    label=f"^{block.id}",
                    kind=types.CompletionItemKind.Reference,
                    detail=f"line {block.span.line + 1}",
                    text_edit=types.TextEdit(range=rng, new_text=f"^{block.id}{close}"),
                )
            )
    else:
        for heading in note.headings:
            items.append(
                types.CompletionItem(
                    label=heading.text,
                    kind=types.CompletionItemKind.Reference,
                    detail="#" * heading.level,
                    text_edit=types.TextEdit(range=rng, new_text=heading.text + close),
                )
            )
    return types.CompletionList(is_incomplete=False, items=items)


def _tags(vault_state, query: str, rng) -> types.CompletionList:
    counts: dict[str, int] = {}
    spelled: dict[str, str] = {}
    for note in list(vault_state.vault.notes.values()):
        for tag in note.tags:
            key = tag.name.casefold()
            counts[key] = counts.get(key, 0) + 1
            spelled.setdefault(key, tag.name)
    folded = query.casefold()
    ranked = sorted((rank, -count, key) for key, count in counts.items() if (rank := _rank(folded, key)) is not None)
    items = [
        types.CompletionItem(
            label=f"#{spelled[key]}",
            kind=types.CompletionItemKind.Keyword,
            detail=f"{-neg} notes",
            filter_text=spelled[key],
            text_edit=types.TextEdit(range=rng, new_text=spelled[key]),
            sort_text=f"{n:04d}",
        )
        for n, (_, neg, key) in enumerate(ranked[:MAX_ITEMS])
    ]
    return types.CompletionList(is_incomplete=len(ranked) > MAX_ITEMS, items=items)


def _api(ls, vault_state, namespace: str, query: str, rng):
    config = vault_state.config
    aliases = config.option("api", "aliases") or {}
    roots = set(aliases) | set((config.option("api", "modules") or {}).keys())
    if namespace.split(".", 1)[0] not in roots:
        return None
    index = ls.state.api_index(config)
    if index is None:
        return None
    try:
        entries = index.complete(namespace, aliases)
    except Exception:
        return None
    folded = query.casefold()
    items = []
    for entry in entries:
        if folded and not entry.leaf.casefold().startswith(folded):
            continue
        items.append(
            types.CompletionItem(
                label=entry.leaf,
                kind=_KINDS.get(entry.kind, types.CompletionItemKind.Field),
                detail=f"{entry.name}{entry.signature}",
                documentation=entry.summary or None,
                deprecated=entry.deprecated or None,
                text_edit=types.TextEdit(range=rng, new_text=entry.leaf),
            )
        )
    return types.CompletionList(is_incomplete=False, items=items)
