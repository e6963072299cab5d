"""pytest-lsp harness: the real server in a subprocess, once as a push client
(VS Code 1.65: no pull diagnostics) and once as a pull client (Neovim 0.10).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from lsp_helpers import start_session, write_vault

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
    await start_session(lsp_client, [vault], client_capabilities(CLIENTS[mode]))
    lsp_client.mode = mode  # type: ignore[attr-defined]
    lsp_client.vault = vault  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


