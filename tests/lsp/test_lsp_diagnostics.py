"""Diagnostics through the real server: as you type, across notes, after
changes on disk, and equal to what ``vaultkit check`` says of the same text."""

from __future__ import annotations

import datetime as _dt
import shutil
from pathlib import Path

from lsprotocol import types

from lsp_helpers import diagnostics, open_doc, uri

P = types.Position


def fresh_check(vault: Path, rel: str, text: str, tmp: Path) -> list[tuple]:
    """What ``vaultkit check`` reports for ``rel`` with ``text`` in a copy of the vault."""
    from vaultkit.config import load_config
    from vaultkit.core.vault import load_vault
    from vaultkit.runner import check_note

    copy = tmp / "fresh"
    shutil.copytree(vault, copy)
    (copy / rel).write_text(text, encoding="utf-8")
    config = load_config(copy)
    fresh = load_vault(copy, config=config, use_cache=False)
    found = check_note(fresh, rel, config, _dt.date.today())
    return sorted((d.code, d.span.line, d.span.col, d.message) for d in found)


def shown(items) -> list[tuple]:
    return sorted((str(d.code), d.range.start.line, d.range.start.character, d.message) for d in items)


def change(client, doc_uri: str, version: int, line: int, col: int, end_col: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=doc_uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(P(line, col), P(line, end_col)), text=text
                )
            ],
        )
    )


async def test_open_note_shows_the_same_diagnostics_as_vaultkit_check(client, tmp_path):
    path = client.vault / "Index.md"
    expected = fresh_check(client.vault, "Index.md", path.read_text(), tmp_path)
    assert any(code.startswith("VK1") for code, *_ in expected)  # the broken links are found
    doc = await open_doc(client, path)
    items = await diagnostics(client, doc, until=lambda got: shown(got) == expected)
    assert all(d.source == "vaultkit" for d in items)


async def test_typing_fixes_a_broken_link(client):
    path = client.vault / "Index.md"
    doc = await open_doc(client, path)
    await diagnostics(client, doc, until=lambda got: any("Missing note" in d.message for d in got))
    # line 2: "See [[Alpha]] and [[Alpha#Details]] and [[Missing note]]." -> [[Sub/Beta]]
    line = path.read_text().splitlines()[2]
    start = line.index("Missing note")
    change(client, doc, 2, 2, start, start + len("Missing note"), "Sub/Beta")
    await diagnostics(client, doc, until=lambda got: not any("Missing note" in d.message for d in got))


async def test_a_thousand_rapid_edits_end_equal_to_a_fresh_check(client, tmp_path):
    path = client.vault / "Index.md"
    text = path.read_text()
    doc = await open_doc(client, path)
    lines = text.split("\n")
    typed = "Now [[Alpha#Details]] [[Nope]] [[Sub/Beta#Gone]] nn.Linear #tag "
    line_no = len(lines) - 1  # the empty last line
    col = 0
    version = 1
    for n in range(1000):
        version += 1
        char = typed[n % len(typed)]
        if n % 7 == 6 and col > 0:  # a backspace now and then
            change(client, doc, version, line_no, col - 1, col, "")
            col -= 1
        else:
            change(client, doc, version, line_no, col, col, char)
            col += 1
    final_line = ""
    col = 0
    for n in range(1000):
        char = typed[n % len(typed)]
        if n % 7 == 6 and col > 0:
            final_line = final_line[:-1]
            col -= 1
        else:
            final_line += char
            col += 1
    lines[line_no] = final_line
    final = "\n".join(lines)
    expected = fresh_check(client.vault, "Index.md", final, tmp_path)
    await diagnostics(client, doc, until=lambda got: shown(got) == expected, timeout=60)


async def test_removing_a_heading_flags_links_to_it_in_other_open_notes(client):
    index = await open_doc(client, client.vault / "Index.md")
    await diagnostics(client, index, until=lambda got: any("Nowhere" in d.message for d in got))
    details_col = (client.vault / "Index.md").read_text().splitlines()[2].index("[[Alpha#Details")

    def flags_details(got) -> bool:
        return any(d.range.start.line == 2 and d.range.start.character <= details_col + 8 <= d.range.end.character for d in got)

    assert not flags_details(await diagnostics(client, index))
    alpha_path = client.vault / "Alpha.md"
    alpha = await open_doc(client, alpha_path)
    # "## Details" is line 8 of Alpha.md
    change(client, alpha, 2, 8, 3, 10, "Other")
    if client.mode == "pull":
        await diagnostics(client, alpha)  # the client pulls the edited note, then is told to refresh others
    await diagnostics(client, index, until=flags_details)


async def test_notes_created_and_deleted_on_disk_update_diagnostics(client):
    index = await open_doc(client, client.vault / "Index.md")
    await diagnostics(client, index, until=lambda got: any("Missing note" in d.message for d in got))
    created = client.vault / "Missing note.md"
    created.write_text("# Missing note\n", encoding="utf-8")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=uri(created), type=types.FileChangeType.Created)])
    )
    await diagnostics(client, index, until=lambda got: not any("Missing note" in d.message for d in got))
    (client.vault / "Sub" / "Beta.md").unlink()
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=uri(client.vault / "Sub" / "Beta.md"), type=types.FileChangeType.Deleted)]
        )
    )
    await diagnostics(client, index, until=lambda got: any("Sub/Beta" in d.message for d in got))


async def test_code_actions_offer_the_rule_fix_and_disabling_the_rule(client):
    path = client.vault / "Index.md"
    doc = await open_doc(client, path)
    items = await diagnostics(client, doc, until=lambda got: any("Missing note" in d.message for d in got))
    broken = next(d for d in items if "Missing note" in d.message)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=doc),
            range=broken.range,
            context=types.CodeActionContext(diagnostics=[broken]),
        )
    )
    titles = [a.title for a in actions]
    assert any(t.startswith(f"Disable {broken.code}") for t in titles)
    create = [a for a in actions if any(isinstance(c, types.CreateFile) for c in (a.edit.document_changes or []))]
    assert create, titles
    assert create[0].edit.document_changes[0].uri == uri(client.vault / "Missing note.md")


async def test_closing_a_note_clears_its_diagnostics_for_push_clients(client):
    path = client.vault / "Index.md"
    doc = await open_doc(client, path)
    await diagnostics(client, doc, until=lambda got: len(got) > 0)
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=doc)))
    if client.mode == "push":
        await diagnostics(client, doc, until=lambda got: got == [])
