"""pytest-lsp harness: the real server in a subprocess, once as a push client
(VS Code 1.65: no pull diagnostics) and once as a pull client (Neovim 0.10).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from lsp_helpers import uri, write_vault

SERVER = [sys.executable, "-m", "vaultkit.lsp"]

CLIENTS = {
    "push": "visual-studio-code",
    "pull": "neovim@v0.10.0",
}


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return write_vault(tmp_path / "vault")


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER), params=["push", "pull"])
async def client(lsp_client: LanguageClient, vault: Path, request):
    mode = request.param
    caps = client_capabilities(CLIENTS[mode])
    lsp_client.registrations = []  # type: ignore[attr-defined]

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams):
        lsp_client.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            workspace_folders=[types.WorkspaceFolder(uri=uri(vault), name="vault")],
            root_uri=uri(vault),
        )
    )
    lsp_client.mode = mode  # type: ignore[attr-defined]
    lsp_client.vault = vault  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


