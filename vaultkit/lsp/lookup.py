"""Find the note behind a request and the element under the cursor."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, TypeVar
from urllib.parse import unquote

from lsprotocol import types

from ..core.span import Span
from . import convert
from .state import VaultState

if TYPE_CHECKING:
    from .server import VaultkitServer

T = TypeVar("T")


@dataclass
class Doc:
    """A note as a request sees it: its vault, its Note and its current lines."""

    server: "VaultkitServer"
    uri: str
    vault_state: VaultState
    rel: str
    note: Any  # vaultkit.core.model.Note
    lines: list[str]

    @property
    def vault(self):
        return self.vault_state.vault

    @property
    def encoding(self) -> str:
        return self.server.encoding

    def position(self, pos: types.Position) -> tuple[int, int]:
        return convert.from_position(pos, self.lines, self.encoding)

    def uri_of(self, rel: str) -> str:
        return self.server.state.uri_for(self.vault_state.abs(rel))

    def lines_of(self, rel: str) -> list[str]:
        if rel == self.rel:
            return self.lines
        return self.server.state.lines_of(self.vault_state, rel)

    def range(self, span: Span, rel: str | None = None) -> types.Range:
        return convert.span_to_range(span, self.lines_of(rel or self.rel), self.encoding)

    def location(self, rel: str, span: Span) -> types.Location:
        return types.Location(uri=self.uri_of(rel), range=self.range(span, rel))


def open_document(server: "VaultkitServer", uri: str):
    """The editor's document for ``uri`` if it is open (pygls keys them unquoted)."""
    return server.workspace.text_documents.get(unquote(uri))


async def document(server: "VaultkitServer", uri: str) -> Doc | None:
    """The up-to-date note for ``uri``; None for non-file URIs and non-notes."""
    path = convert.uri_to_path(uri)
    if path is None:
        return None
    await server.diagnostics.flush(uri)
    found = server.state.lookup(path)
    if found is None:
        loop = asyncio.get_running_loop()
        found = await loop.run_in_executor(server.state.executor, server.state.vault_for, path)
    if found is None:
        return None
    state, rel = found
    note = state.vault.notes.get(rel)
    if note is None:
        return None
    return Doc(server, uri, state, rel, note, server.state.lines_of(state, rel))


def at(items: Iterable[T], line: int, col: int) -> T | None:
    """The first element whose span holds the cursor."""
    for item in items:
        if item.span.contains(line, col):
            return item
    return None


def heading_on(note, line: int):
    for heading in note.headings:
        if heading.span.line == line:
            return heading
    return None


def target_path_part(link) -> str:
    """The path part of a link as written (``Folder/Note`` of ``[[Folder/Note#H|x]]``)."""
    return link.target
