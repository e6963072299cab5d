"""Go to definition, references, rename, symbols and document links.

All of them read the engine's Vault (resolution, backlinks, Note elements);
none resolves a link by itself.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from ..core.span import Span
from . import lookup
from .lookup import Doc

if TYPE_CHECKING:
    from .server import VaultkitServer

REQUEST_FAILED = -32803  # LSP ErrorCodes.RequestFailed
MAX_WORKSPACE_SYMBOLS = 500
START = Span(0, 0, 0, 0)


def _same_heading(a: str, b: str) -> bool:
    """Heading comparison as the engine does it when it checks heading links."""
    from ..core.vault import normalize_heading

    return normalize_heading(a) == normalize_heading(b)


def anchor_span(vault, path: str, link) -> Span:
    """Where a link lands in its target: the heading, the block id or the top."""
    note = vault.notes.get(path)
    if note is None:
        return START
    if link.is_block_ref:
        for block in note.block_ids:
            if block.id == link.block_id:
                return block.span
    elif link.heading_path:
        wanted = link.heading_path[-1]
        for heading in note.headings:
            if _same_heading(heading.text, wanted):
                return heading.span
    return START


def _targets(doc: Doc, link) -> list[str]:
    if not link.target:
        return [doc.rel]
    resolution = doc.vault.resolve(link.target, doc.rel)
    if resolution.status == "resolved" and resolution.path:
        return [resolution.path]
    if resolution.status == "ambiguous":
        return list(resolution.candidates)
    return []


def _link_under(doc: Doc, pos: types.Position):
    line, col = doc.position(pos)
    return lookup.at(doc.note.links, line, col), line, col


async def definition(ls: "VaultkitServer", params: types.DefinitionParams):
    doc = await lookup.document(ls, params.text_document.uri)
    if doc is None:
        return None
    link, _, _ = _link_under(doc, params.position)
    if link is None:
        return None
    locations = []
    for path in _targets(doc, link):
        if path in doc.vault.notes:
            locations.append(doc.location(path, anchor_span(doc.vault, path, link)))
        else:  # an attachment
            locations.append(doc.location(path, START))
    return locations or None


def _links_into(doc: Doc, path: str, heading: str | None = None) -> list[tuple[str, object]]:
    found = []
    for source, link in doc.vault.backlinks(path):
        if heading is None:
            found.append((source, link))
        elif link.heading_path and _same_heading(link.heading_path[-1], heading):
            found.append((source, link))
    return found


async def references(ls: "VaultkitServer", params: types.ReferenceParams):
    doc = await lookup.document(ls, params.text_document.uri)
    if doc is None:
        return None
    line, col = doc.position(params.position)
    heading = lookup.heading_on(doc.note, line)
    link = lookup.at(doc.note.links, line, col)
    if heading is not None:
        found = _links_into(doc, doc.rel, heading.text)
    elif link is not None:
        targets = _targets(doc, link)
        wanted = link.heading_path[-1] if link.heading_path else None
        found = [hit for path in targets for hit in _links_into(doc, path, wanted)]
    else:
        found = _links_into(doc, doc.rel)
    return [doc.location(source, link.span) for source, link in found] or None


# --- rename ------------------------------------------------------------------------------


def _written(doc: Doc, source: str, link) -> str:
    span = link.target_span
    lines = doc.lines_of(source)
    if span.line >= len(lines):
        return link.target
    return lines[span.line][span.col : span.end_col if span.end_line == span.line else None]


def _rename_target(doc: Doc, line: int, col: int):
    """What the cursor would rename: ("heading", note path, heading text, span to select)
    or ("note", note path, None, span to select)."""
    heading = lookup.heading_on(doc.note, line)
    if heading is not None:
        text = doc.lines[line]
        start = text.find(heading.text, text.find("#") + 1)
        span = Span(line, start, line, start + len(heading.text)) if start >= 0 else heading.span
        return "heading", doc.rel, heading.text, span
    link = lookup.at(doc.note.links, line, col)
    if link is None:
        return None
    targets = _targets(doc, link)
    if len(targets) != 1 or targets[0] not in doc.vault.notes:
        return None
    written = _written(doc, doc.rel, link)
    hash_at = written.find("#")
    span = link.target_span
    if link.heading_path and hash_at >= 0 and col > span.col + hash_at:
        return "heading", targets[0], link.heading_path[-1], Span(span.line, span.col + hash_at + 1, span.line, span.col + len(written))
    path_len = hash_at if hash_at >= 0 else len(written)
    if path_len == 0:
        return None
    return "note", targets[0], None, Span(span.line, span.col, span.line, span.col + path_len)


async def prepare_rename(ls: "VaultkitServer", params: types.PrepareRenameParams):
    doc = await lookup.document(ls, params.text_document.uri)
    if doc is None:
        return None
    target = _rename_target(doc, *doc.position(params.position))
    if target is None:
        return None
    kind, path, heading, span = target
    placeholder = heading if kind == "heading" else posixpath.basename(path)[:-3]
    return types.PrepareRenamePlaceholder(range=doc.range(span), placeholder=placeholder)


def _edit(doc: Doc, edits: dict[str, list[types.TextEdit]], path: str, span: Span, text: str) -> None:
    edits.setdefault(path, []).append(types.TextEdit(range=doc.range(span, path), new_text=text))


def _new_link_path(written_path: str, new_rel: str, markdown: bool) -> str:
    keep_ext = written_path.lower().endswith(".md")
    decoded = unquote(written_path) if markdown else written_path
    new = new_rel if "/" in decoded else posixpath.basename(new_rel)
    if not keep_ext:
        new = new[:-3]
    return quote(new, safe="/") if markdown else new


async def rename(ls: "VaultkitServer", params: types.RenameParams):
    doc = await lookup.document(ls, params.text_document.uri)
    if doc is None:
        return None
    target = _rename_target(doc, *doc.position(params.position))
    if target is None:
        raise JsonRpcException("Nothing to rename here: put the cursor on a heading or a link.", code=REQUEST_FAILED)
    kind, path, heading, _ = target
    new_name = params.new_name.strip()
    if not new_name or "\n" in new_name:
        raise JsonRpcException("The new name is empty.", code=REQUEST_FAILED)
    edits: dict[str, list[types.TextEdit]] = {}
    operations: list = []
    if kind == "heading":
        if any(c in new_name for c in "#|[]^"):
            raise JsonRpcException("A heading used in links cannot contain # | [ ] ^.", code=REQUEST_FAILED)
        _rename_heading(doc, path, heading, new_name, edits)
    else:
        if any(c in new_name for c in "#|[]^\\:"):
            raise JsonRpcException("A note name cannot contain # | [ ] ^ \\ :.", code=REQUEST_FAILED)
        new_rel = new_name if "/" in new_name else posixpath.join(posixpath.dirname(path), new_name)
        if not new_rel.lower().endswith(".md"):
            new_rel += ".md"
        if new_rel != path and (new_rel in doc.vault.notes or doc.vault_state.abs(new_rel).exists()):
            raise JsonRpcException(f"{new_rel} already exists.", code=REQUEST_FAILED)
        for source, link in doc.vault.backlinks(path):
            written = _written(doc, source, link)
            hash_at = written.find("#")
            written_path = written if hash_at < 0 else written[:hash_at]
            if not written_path:
                continue
            span = link.target_span
            _edit(
                doc,
                edits,
                source,
                Span(span.line, span.col, span.line, span.col + len(written_path)),
                _new_link_path(written_path, new_rel, link.kind == "markdown"),
            )
        operations.append(types.RenameFile(old_uri=doc.uri_of(path), new_uri=doc.uri_of(new_rel)))
    changes: list = [
        types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=doc.uri_of(p), version=_version(ls, doc.uri_of(p))),
            edits=e,
        )
        for p, e in edits.items()
    ]
    # Text edits first: they name the files by their old URIs.
    return types.WorkspaceEdit(document_changes=changes + operations)


def _version(ls: "VaultkitServer", uri: str) -> int | None:
    doc = lookup.open_document(ls, uri)
    return doc.version if doc is not None else None


def _rename_heading(doc: Doc, path: str, old: str, new: str, edits: dict) -> None:
    note = doc.vault.notes[path]
    for heading in note.headings:
        if _same_heading(heading.text, old):
            lines = doc.lines_of(path)
            text = lines[heading.span.line] if heading.span.line < len(lines) else ""
            start = text.find(heading.text, text.find("#") + 1)
            if start >= 0:
                _edit(doc, edits, path, Span(heading.span.line, start, heading.span.line, start + len(heading.text)), new)
    for source, link in _links_into(doc, path, old):
        written = _written(doc, source, link)
        hash_at = written.find("#")
        if hash_at < 0:
            continue
        markdown = link.kind == "markdown"
        parts = written[hash_at + 1 :].split("#")
        replaced = [
            (quote(new) if markdown else new) if _same_heading(unquote(p) if markdown else p, old) else p for p in parts
        ]
        span = link.target_span
        start = span.col + hash_at + 1
        _edit(doc, edits, source, Span(span.line, start, span.line, span.col + len(written)), "#".join(replaced))


# --- symbols and links --------------------------------------------------------------------


async def document_symbols(ls: "VaultkitServer", params: types.DocumentSymbolParams):
    doc = await lookup.document(ls, params.text_document.uri)
    if doc is None:
        return None
    end_of_note = Span(len(doc.lines) - 1, len(doc.lines[-1]) if doc.lines else 0, 0, 0)
    roots: list[types.DocumentSymbol] = []
    stack: list[tuple[int, types.DocumentSymbol]] = []
    headings = list(doc.note.headings)
    for index, heading in enumerate(headings):
        # A section runs to the next heading of the same or a higher level.
        end = end_of_note
        for later in headings[index + 1 :]:
            if later.level <= heading.level:
                prev = later.span.line - 1
                end = Span(prev, len(doc.lines[prev]) if 0 <= prev < len(doc.lines) else 0, 0, 0)
                break
        whole = Span(heading.span.line, 0, max(end.line, heading.span.line), end.col if end.line >= heading.span.line else heading.span.end_col)
        symbol = types.DocumentSymbol(
            name=heading.text or "(empty heading)",
            kind=types.SymbolKind.String,
            range=doc.range(whole),
            selection_range=doc.range(heading.span),
            detail="#" * heading.level,
            children=[],
        )
        while stack and stack[-1][0] >= heading.level:
            stack.pop()
        (stack[-1][1].children if stack else roots).append(symbol)
        stack.append((heading.level, symbol))
    return roots


def _matches(query: str, text: str) -> bool:
    """Case-insensitive subsequence match, as editors filter symbol lists."""
    if not query:
        return True
    text = text.casefold()
    at = 0
    for char in query.casefold():
        at = text.find(char, at)
        if at < 0:
            return False
        at += 1
    return True


def workspace_symbols(ls: "VaultkitServer", params: types.WorkspaceSymbolParams):
    from . import convert

    found: list[types.WorkspaceSymbol] = []
    query = params.query.strip()
    for state in list(ls.state.vaults.values()):
        if state.vault is None:
            continue
        for path, note in list(state.vault.notes.items()):
            uri = convert.path_to_uri(state.abs(path))
            if _matches(query, note.name):
                found.append(
                    types.WorkspaceSymbol(
                        name=note.name,
                        kind=types.SymbolKind.File,
                        location=types.Location(uri=uri, range=types.Range(types.Position(0, 0), types.Position(0, 0))),
                        container_name=note.folder or None,
                    )
                )
            for heading in note.headings:
                if _matches(query, heading.text):
                    here = types.Position(heading.span.line, 0)  # column 0 is the same in every encoding
                    found.append(
                        types.WorkspaceSymbol(
                            name=heading.text,
                            kind=types.SymbolKind.String,
                            location=types.Location(uri=uri, range=types.Range(here, here)),
                            container_name=note.name,
                        )
                    )
            if len(found) >= MAX_WORKSPACE_SYMBOLS:
                return found
    return found


async def document_links(ls: "VaultkitServer", params: types.DocumentLinkParams):
    doc = await lookup.document(ls, params.text_document.uri)
    if doc is None:
        return None
    caps = ls.client_capabilities
    link_caps = caps.text_document.document_link if caps and caps.text_document else None
    tooltips = bool(link_caps and link_caps.tooltip_support)
    result = []
    for link in doc.note.links:
        targets = _targets(doc, link) if link.target else []
        if len(targets) != 1:
            continue
        path = targets[0]
        uri = doc.uri_of(path)
        if path in doc.vault.notes and link.anchor:
            landing = anchor_span(doc.vault, path, link)
            if landing is not START:
                uri += f"#L{landing.line + 1}"
        result.append(types.DocumentLink(range=doc.range(link.target_span), target=uri,
                                         tooltip=path if tooltips else None))
    return result
