"""Torch-name completion and hover, and code blocks run on command and on save,
through the real server, with a push client and a pull client."""

from __future__ import annotations

from lsprotocol import types

from lsp_helpers import codes, diagnostics, open_doc

P = types.Position


def _doc(doc_uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=doc_uri)


async def test_completion_after_nn_offers_real_torch_names_with_signatures(client):
    path = client.vault / "Torch.md"
    doc = await open_doc(client, path, "Use nn.Lin\n")
    result = await client.text_document_completion_async(types.CompletionParams(_doc(doc), P(0, 10)))
    items = result.items if hasattr(result, "items") else result
    by_label = {item.label: item for item in items}
    assert "Linear" in by_label, sorted(by_label)[:20]
    assert "LTSM" not in by_label
    linear = by_label["Linear"]
    assert "in_features" in (linear.detail or "") + str(linear.documentation or "")


async def test_hover_on_a_torch_name_shows_its_signature_and_summary(client):
    path = client.vault / "Torch.md"
    doc = await open_doc(client, path, "Layers: nn.Linear and nn.LTSM\n")
    hover = await client.text_document_hover_async(types.HoverParams(_doc(doc), P(0, 12)))
    text = hover.contents.value
    assert "torch.nn.Linear" in text and "in_features" in text
    assert "linear transformation" in text.lower()


async def test_run_code_blocks_command_reports_failures_at_the_note_line(client):
    path = client.vault / "Code.md"
    text = "# Code\n\n```python\nx = 1\ny = undefined_name + x\n```\n"
    path.write_text(text, encoding="utf-8")
    doc = await open_doc(client, path, text)
    # Typing never runs code: no VK4 before the command.
    before = await diagnostics(client, doc, until=lambda items: True)
    assert not [c for c in codes(before) if c.startswith("VK4")]
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="vaultkit.runCodeBlocks", arguments=[doc])
    )
    assert result == {"notes": 1} or getattr(result, "notes", None) == 1 or result["notes"] == 1
    items = await diagnostics(client, doc, timeout=120, until=lambda items: "VK401" in codes(items))
    (error,) = [d for d in items if str(d.code) == "VK401"]
    assert error.range.start.line == 4 and "undefined_name" in error.message


async def test_saving_a_note_runs_its_code_blocks(client):
    path = client.vault / "Saved.md"
    text = "```python\nimport not_a_real_module_xyz\n```\n"
    path.write_text(text, encoding="utf-8")
    doc = await open_doc(client, path, text)
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=_doc(doc)))
    items = await diagnostics(client, doc, timeout=120, until=lambda items: "VK402" in codes(items))
    (missing,) = [d for d in items if str(d.code) == "VK402"]
    assert missing.range.start.line == 1 and "not_a_real_module_xyz" in missing.message
