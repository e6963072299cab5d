"""Several workspace folders, each its own vault; settings from initializationOptions
and workspace/configuration, with the config file's keys."""

from __future__ import annotations

import sys

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from lsp_helpers import codes, diagnostics, open_doc, start_session

NOTE = "# Note\n\n[[Nowhere]] and [[Note#Missing heading]]\n"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "vaultkit.lsp"]))
async def client(lsp_client: LanguageClient, tmp_path):
    roots = []
    for name in ("first", "second"):
        root = tmp_path / name
        (root / ".obsidian").mkdir(parents=True)
        (root / "Note.md").write_text(NOTE, encoding="utf-8")
        roots.append(root)

    # What the client answers to workspace/configuration (section "vaultkit").
    lsp_client.set_configuration({"severity": {"VK102": "hint"}}, section="vaultkit")
    await start_session(lsp_client, roots, client_capabilities("visual-studio-code"),
                        initialization_options={"vaultkit": {"ignore": ["VK101"]}})
    lsp_client.roots = roots  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def test_settings_apply_in_every_workspace_folder(client):
    for root in client.roots:
        doc = await open_doc(client, root / "Note.md")
        got = await diagnostics(client, doc, until=lambda items: "VK102" in codes(items))
        assert codes(got) == ["VK102"]  # VK101 ignored through initializationOptions
        (heading,) = got
        assert heading.severity == types.DiagnosticSeverity.Hint  # from workspace/configuration
        assert "Missing heading" in heading.message
