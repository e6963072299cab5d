"""A client that cannot register file watchers (Neovim on some systems): the server
watches the vault itself, so notes created or deleted outside the editor still
update every affected diagnostic."""

from __future__ import annotations

import asyncio
import sys

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from lsp_helpers import diagnostics, open_doc, start_session, write_vault


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "vaultkit.lsp"]))
async def client(lsp_client: LanguageClient, tmp_path):
    vault = write_vault(tmp_path / "vault")
    caps = client_capabilities("visual-studio-code")
    caps.workspace.did_change_watched_files = types.DidChangeWatchedFilesClientCapabilities(
        dynamic_registration=False
    )
    await start_session(lsp_client, [vault], caps)
    lsp_client.vault = vault  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def test_the_server_watches_the_vault_when_the_client_cannot(client):
    assert not any(
        r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES for r in client.registrations
    )
    index = await open_doc(client, client.vault / "Index.md")
    await diagnostics(client, index, until=lambda got: any("Missing note" in d.message for d in got))
    await asyncio.sleep(1)  # the watcher's inotify watches are set up in the background
    # Created outside the editor, and the client says nothing about it.
    (client.vault / "Missing note.md").write_text("# Missing note\n", encoding="utf-8")
    await diagnostics(client, index, timeout=30,
                      until=lambda got: not any("Missing note" in d.message for d in got))
    (client.vault / "Sub" / "Beta.md").unlink()
    await diagnostics(client, index, timeout=30, until=lambda got: any("Sub/Beta" in d.message for d in got))
