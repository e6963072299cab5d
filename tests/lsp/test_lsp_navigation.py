"""Go to definition, references, rename, symbols, links, completion and hover,
through the real server, with a push client and a pull client."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from lsprotocol import types

from lsp_helpers import open_doc, uri

P = types.Position


def _doc(doc_uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=doc_uri)


async def test_definition_of_a_heading_link_lands_on_the_heading(client):
    doc = await open_doc(client, client.vault / "Index.md")
    # line 2: "See [[Alpha]] and [[Alpha#Details]] and [[Missing note]]."
    result = await client.text_document_definition_async(types.DefinitionParams(_doc(doc), P(2, 25)))
    assert len(result) == 1
    assert result[0].uri == uri(client.vault / "Alpha.md")
    assert result[0].range.start.line == 8  # "## Details"


async def test_definition_of_a_block_link_and_of_a_plain_link(client):
    doc = await open_doc(client, client.vault / "Sub" / "Beta.md")
    block = await client.text_document_definition_async(types.DefinitionParams(_doc(doc), P(2, 12)))
    assert block[0].uri == uri(client.vault / "Alpha.md")
    assert block[0].range.start.line == 10  # the line holding ^blk1
    plain = await client.text_document_definition_async(types.DefinitionParams(_doc(doc), P(2, 32)))
    assert plain[0].uri == uri(client.vault / "Index.md")
    assert plain[0].range.start.line == 0


async def test_no_definition_for_a_missing_note_or_plain_text(client):
    doc = await open_doc(client, client.vault / "Index.md")
    missing = await client.text_document_definition_async(types.DefinitionParams(_doc(doc), P(2, 45)))
    prose = await client.text_document_definition_async(types.DefinitionParams(_doc(doc), P(0, 3)))
    assert not missing
    assert not prose


async def test_references_list_backlinks_of_the_note_and_of_a_heading(client):
    doc = await open_doc(client, client.vault / "Alpha.md")
    note_refs = await client.text_document_references_async(
        types.ReferenceParams(text_document=_doc(doc), position=P(6, 2), context=types.ReferenceContext(include_declaration=False))
    )
    sources = sorted(unquote(r.uri).rsplit("/", 1)[-1] for r in note_refs)
    assert sources == ["Beta.md", "Index.md", "Index.md", "Index.md"]
    heading_refs = await client.text_document_references_async(
        types.ReferenceParams(text_document=_doc(doc), position=P(8, 4), context=types.ReferenceContext(include_declaration=False))
    )
    assert [(r.uri, r.range.start.line) for r in heading_refs] == [(uri(client.vault / "Index.md"), 2)]


async def test_rename_a_note_renames_the_file_and_rewrites_every_link(client):
    doc = await open_doc(client, client.vault / "Index.md")
    prep = await client.text_document_prepare_rename_async(types.PrepareRenameParams(_doc(doc), P(2, 7)))
    assert prep.placeholder == "Alpha"
    edit = await client.text_document_rename_async(types.RenameParams(_doc(doc), P(2, 7), "Omega"))
    renames = [c for c in edit.document_changes if isinstance(c, types.RenameFile)]
    assert [(r.old_uri, r.new_uri) for r in renames] == [
        (uri(client.vault / "Alpha.md"), uri(client.vault / "Omega.md"))
    ]
    texts = {
        (c.text_document.uri, e.range.start.line, e.range.start.character): e.new_text
        for c in edit.document_changes
        if isinstance(c, types.TextDocumentEdit)
        for e in c.edits
    }
    index, beta = uri(client.vault / "Index.md"), uri(client.vault / "Sub" / "Beta.md")
    assert texts == {
        (index, 2, 6): "Omega",
        (index, 2, 20): "Omega",
        (index, 3, 7): "Omega",
        (beta, 2, 10): "Omega",
    }
    # The file rename comes after the text edits, which name the old URI.
    assert isinstance(edit.document_changes[-1], types.RenameFile)


async def test_rename_a_heading_updates_links_to_it(client):
    doc = await open_doc(client, client.vault / "Alpha.md")
    edit = await client.text_document_rename_async(types.RenameParams(_doc(doc), P(8, 5), "Specifics"))
    texts = sorted(
        (unquote(c.text_document.uri).rsplit("/", 1)[-1], e.range.start.line, e.new_text)
        for c in edit.document_changes
        for e in c.edits
    )
    assert texts == [("Alpha.md", 8, "Specifics"), ("Index.md", 2, "Specifics")]


async def test_rename_onto_an_existing_note_is_refused(client):
    doc = await open_doc(client, client.vault / "Index.md")
    with pytest.raises(Exception, match="already exists"):
        await client.text_document_rename_async(types.RenameParams(_doc(doc), P(2, 7), "Index"))


async def test_document_symbols_are_the_heading_outline(client):
    doc = await open_doc(client, client.vault / "Alpha.md")
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(_doc(doc)))
    assert [s.name for s in symbols] == ["Alpha"]
    assert [c.name for c in symbols[0].children] == ["Details"]


async def test_workspace_symbols_find_notes_and_headings(client):
    await open_doc(client, client.vault / "Index.md")
    symbols = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="detl"))
    assert [(s.name, s.container_name) for s in symbols] == [("Details", "Alpha")]
    notes = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="beta"))
    assert ("Beta", types.SymbolKind.File) in [(s.name, s.kind) for s in notes]


async def test_document_links_point_at_resolved_notes_only(client):
    doc = await open_doc(client, client.vault / "Index.md")
    links = await client.text_document_document_link_async(types.DocumentLinkParams(_doc(doc)))
    targets = sorted(unquote(link.target).split("/vault/", 1)[1] for link in links)
    # [[Missing note]] has no link; [[Alpha#Nowhere]] opens the note's top.
    assert targets == ["Alpha.md", "Alpha.md", "Alpha.md#L9", "Sub/Beta.md"]


async def test_completion_after_double_bracket_offers_notes_and_aliases(client):
    text = "# New\n\nSee [[Al\n"
    path = client.vault / "New.md"
    doc = await open_doc(client, path, text)
    result = await client.text_document_completion_async(types.CompletionParams(_doc(doc), P(2, 9)))
    labels = {item.label: item for item in result.items}
    assert "Alpha" in labels
    assert labels["Alpha"].text_edit.new_text == "Alpha]]"
    first = await client.text_document_completion_async(
        types.CompletionParams(_doc(doc), P(2, 9))
    )
    assert first.items
    aliased = await _complete(client, path, "See [[First\n", P(0, 11))
    alias_item = next(i for i in aliased.items if i.label == "First Letter")
    assert alias_item.text_edit.new_text == "Alpha|First Letter]]"


async def _complete(client, path, text, pos):
    doc = uri(path)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=doc, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    return await client.text_document_completion_async(types.CompletionParams(_doc(doc), pos))


async def test_completion_of_headings_blocks_and_tags(client):
    path = client.vault / "New.md"
    await open_doc(client, path, "x\n")
    headings = await _complete(client, path, "[[Alpha#De", P(0, 10))
    assert [i.text_edit.new_text for i in headings.items] == ["Alpha]]", "Details]]"]
    blocks = await _complete(client, path, "[[Alpha#^", P(0, 9))
    assert [i.label for i in blocks.items] == ["^blk1"]
    tags = await _complete(client, path, "text #stu", P(0, 9))
    assert [i.label for i in tags.items] == ["#study"]


async def test_hover_on_a_link_previews_the_target_and_counts_backlinks(client):
    doc = await open_doc(client, client.vault / "Index.md")
    hover = await client.text_document_hover_async(types.HoverParams(_doc(doc), P(2, 7)))
    assert "Alpha.md" in hover.contents.value
    assert "2 notes link here" in hover.contents.value
    assert "The first note." in hover.contents.value
    assert "aliases" not in hover.contents.value  # frontmatter is not previewed


async def test_hover_on_a_schedule_says_when_it_is_due(client):
    doc = await open_doc(client, client.vault / "Sub" / "Beta.md")
    hover = await client.text_document_hover_async(types.HoverParams(_doc(doc), P(5, 10)))
    assert "overdue by" in hover.contents.value
